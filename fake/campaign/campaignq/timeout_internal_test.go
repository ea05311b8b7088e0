package campaignq

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/pgtest"
)

// A seed that simulates for longer than River's job timeout still stores
// its result, once: the worker's jobs have no time limit of their own. The
// client here has a timeout of a nanosecond (River's default is a minute, a
// large spec's seed can take longer); without the seed worker's Timeout the
// job's context is over before the result is stored, and the seed is only
// ever retried.
func TestASeedOutlastingTheClientsJobTimeoutStoresItsResult(t *testing.T) {
	var cluster pgtest.Cluster
	t.Cleanup(cluster.Stop)
	pool := cluster.Pool(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, Migrate(ctx, pool))
	raw, err := os.ReadFile("../../mailflow/testdata/spec/depta.yaml")
	require.NoError(t, err)
	id, err := Enqueue(ctx, pool, "depta.yaml", raw, []uint64{7})
	require.NoError(t, err)

	cfg := workerConfig(pool, WorkerOptions{Name: "slow"})
	cfg.JobTimeout = time.Nanosecond
	cfg.MaxAttempts = 1 // a failed attempt is final: no retry can hide it
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Stop(context.Background()) })

	waitCtx, waitCancel := context.WithTimeout(ctx, 30*time.Second)
	defer waitCancel()
	require.NoError(t, Wait(waitCtx, pool, id, nil), "the seed's result never arrived")
	got, workers, err := Results(ctx, pool, id)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, uint64(7), got[0].Seed)
	require.Positive(t, got[0].Counts.Sent)
	require.Equal(t, []string{"slow"}, workers)
}
