package soak_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/soak"
)

var (
	soakFrom = flag.Uint64("soak.from", 1, "first seed of the soak")
	soakN    = flag.Uint64("soak.n", 40, "number of seeds (CI runs a slice; docs/reliability.md has the 100,000-seed run)")
	soakStop = flag.Bool("soak.stop", true, "stop at the first violation")
	soakKind = flag.String("soak.kind", "", "run only cases of this kind (consolidation, cutover, list-domain, university, delegated)")
)

// TestSoak runs a slice of generated migrations of every kind and fails at
// the first violation, printing the seed and the command that reproduces it.
// go test ./fake/soak -run TestSoak -soak.n 100000 -timeout 0 is the full soak.
func TestSoak(t *testing.T) {
	start := time.Now()
	sum := soak.Soak(context.Background(), *soakFrom, *soakN, soak.Options{StopAtFirst: *soakStop, Kind: soak.Kind(*soakKind), Progress: func(done, total int, last soak.Result) {
		if testing.Verbose() && (done%1000 == 0 || done == total) {
			fmt.Fprintf(os.Stderr, "soak: %d/%d seeds\n", done, total)
		}
	}})
	sum.Elapsed = time.Since(start)
	t.Log(sum.String())
	if sum.First != nil {
		t.Fatalf("violation at seed=%d (%s): %s\nreproduce with: %s", sum.First.Seed, sum.First.Kind, sum.First.Violation, sum.First.Reproduce())
	}
	if *soakKind == "" && *soakN >= uint64(len(soak.Kinds))*4 {
		for _, k := range soak.Kinds {
			assert.Positive(t, sum.ByKind[k], "the slice covers %s", k)
		}
	}
	assert.Positive(t, sum.Messages)
}

// A case is a function of its seed: running it twice gives the same result.
func TestSeedReproducesACase(t *testing.T) {
	for _, seed := range []uint64{3, 4} {
		a, b := soak.Run(seed), soak.Run(seed)
		require.Equal(t, a, b, "seed %d", seed)
	}
	a, b := soak.RunKind(5, soak.Delegated), soak.RunKind(5, soak.Delegated)
	require.Equal(t, a, b, "a delegated case")
	assert.Positive(t, a.Requests)
	assert.Equal(t, soak.Kind("no-such-kind"), soak.RunKind(7, "no-such-kind").Kind)
	assert.Contains(t, soak.RunKind(7, "no-such-kind").Violation, "unknown kind")
}
