package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONSummary(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-json", "-seed", "3", "-addresses", "10", "-hours", "4"}, &out))
	var fields map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &fields))
	for _, k := range []string{"sent", "delivered", "bounced", "lost", "duplicated", "misdelivered", "looped"} {
		v, ok := fields[k].(float64)
		require.True(t, ok, "field %s is a number", k)
		assert.Equal(t, float64(int(v)), v, "field %s is an integer", k)
	}
	assert.Greater(t, fields["sent"], 100.0)
	assert.Equal(t, fields["sent"], fields["delivered"], "steady traffic loses nothing")

	var again bytes.Buffer
	require.NoError(t, run([]string{"-json", "-seed", "3", "-addresses", "10", "-hours", "4"}, &again))
	assert.Equal(t, out.String(), again.String(), "a seed reproduces a run")
}

func TestMigrationSummary(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-migrate", "-seed", "2", "-addresses", "8", "-hours", "6"}, &out))
	assert.Contains(t, out.String(), "seed=2")
	assert.Contains(t, out.String(), "no mail lost")
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	assert.Error(t, run([]string{"-addresses", "0"}, &out))
	assert.Error(t, run([]string{"-nope"}, &out))
	assert.Error(t, run([]string{"extra"}, &out))
}
