package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRandDerivationIsStable(t *testing.T) {
	// Every seeded run in the project depends on this derivation: changing
	// it changes every reproduced failure. Pinned on purpose.
	r := New(1).Rand("tenant")
	assert.Equal(t, uint64(10834062861969831146), r.Uint64())
	assert.Equal(t, uint64(2050232194995895925), r.Uint64())
}

func TestRandSubsystemsDoNotPerturbEachOther(t *testing.T) {
	draw := func(extra int) []uint64 {
		s := New(7)
		a, b := s.Rand("a"), s.Rand("b")
		var out []uint64
		for i := range 20 {
			for range extra * i { // a draws a varying amount between b's draws
				a.Uint64()
			}
			out = append(out, b.Uint64())
		}
		return out
	}
	assert.Equal(t, draw(0), draw(3), "b's stream ignores how much a draws")
	other := New(7).Rand("a")
	same := 0
	for _, v := range draw(0) {
		if v == other.Uint64() {
			same++
		}
	}
	assert.Zero(t, same, "different subsystems, different streams")
}

func TestRandSeedsDiffer(t *testing.T) {
	seen := map[uint64]uint64{}
	for seed := range uint64(1000) {
		v := New(seed).Rand("x").Uint64()
		prev, dup := seen[v]
		require.False(t, dup, "seeds %d and %d collide", prev, seed)
		seen[v] = seed
	}
}

func TestRandIsPerSubsystemAndReproducible(t *testing.T) {
	a, b := New(42), New(42)
	assert.Equal(t, a.Rand("tenant").Uint64(), b.Rand("tenant").Uint64())
	assert.NotEqual(t, a.Rand("tenant").Uint64(), a.Rand("traffic").Uint64())
	assert.NotEqual(t, New(43).Rand("tenant").Uint64(), a.Rand("tenant").Uint64())
	r1, r2 := New(7).Rand("x"), New(7).Rand("x")
	_ = New(7).Rand("y").Uint64() // drawing from another subsystem does not perturb x
	for i := 0; i < 100; i++ {
		require.Equal(t, r1.Uint64(), r2.Uint64())
	}
}
