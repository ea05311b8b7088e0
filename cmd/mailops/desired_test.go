package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// Deletions come only from the spec's absent: list, and never a domain.
func TestDesiredStateDeletesOnlyWhatIsAbsent(t *testing.T) {
	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	require.NoError(t, err)
	want, err := desiredState(sf)
	require.NoError(t, err)
	assert.Empty(t, want.Remove.Groups, "nothing is deleted without absent:")
	sf.Absent = []string{"old-list@" + sf.Departments[0].Domain}
	want, err = desiredState(sf)
	require.NoError(t, err)
	assert.Equal(t, []mailops.Address{mailops.Address(sf.Absent[0])}, want.Remove.Groups)
	for _, d := range want.Domains {
		assert.NotEmpty(t, d.Name)
	}
}
