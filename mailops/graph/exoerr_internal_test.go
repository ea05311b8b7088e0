package graph

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/mailops"
)

func TestWriteTimeoutAboveServiceLimitAndMemberSplit(t *testing.T) {
	assert.Greater(t, callTimeout("New-DistributionGroup"), 15*time.Minute)
	assert.Greater(t, callTimeout("Update-DistributionGroupMember"), 15*time.Minute)
	assert.Equal(t, ReadTimeout, callTimeout("Get-Mailbox"))
	assert.Equal(t, 5000, mailops.MaxMembersPerCall)
	ms := make([]mailops.Address, 5002)
	first, rest := splitMembers(ms)
	assert.Len(t, first, 5000)
	assert.Len(t, rest, 2)
	first, rest = splitMembers(ms[:5000])
	assert.Len(t, first, 5000)
	assert.Empty(t, rest)
}

func TestNewPasswordIsStrongAndRandom(t *testing.T) {
	a, err := newPassword()
	assert.NoError(t, err)
	b, _ := newPassword()
	assert.Len(t, a, 20)
	assert.NotEqual(t, a, b)
	assert.Regexp(t, `[a-z]`, a)
	assert.Regexp(t, `[A-Z]`, a)
	assert.Regexp(t, `[0-9]`, a)
	assert.Regexp(t, `[^a-zA-Z0-9]`, a)
}
