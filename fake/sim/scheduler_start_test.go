package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewAtStartsTheClockThereWithTheSameDraws(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := NewAt(7, start)
	assert.Equal(t, start, s.Now())
	assert.Equal(t, start, s.Start())
	var at time.Time
	s.After(time.Minute, "tick", func() { at = s.Now() })
	require.NoError(t, s.RunUntil(start.Add(time.Hour)))
	assert.Equal(t, start.Add(time.Minute), at)
	assert.Equal(t, start.Add(time.Hour), s.Now())
	assert.Equal(t, New(7).Rand("x").Uint64(), s.Rand("x").Uint64(), "the start changes no random draw")
	assert.Equal(t, Epoch(), NewAt(7, time.Time{}).Now(), "a zero start is Epoch")
}
