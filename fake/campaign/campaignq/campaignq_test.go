package campaignq_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/fake/campaign/campaignq"
	"github.com/mailops-dev/mailops/internal/pgtest"
	"github.com/mailops-dev/mailops/mailops/spec"
)

var pg pgtest.Cluster

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

const specPath = "../../mailflow/testdata/spec/depta.yaml"

// Two workers on one queue run a campaign's seeds: every seed gets exactly
// one result, and each equals what the local campaign computes for that
// seed (the queue changes where a seed runs, never its outcome).
func TestQueueMatchesLocalRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := pg.Pool(t)
	require.NoError(t, campaignq.Migrate(ctx, pool))
	require.NoError(t, campaignq.Migrate(ctx, pool), "migrating twice is harmless")
	raw, err := os.ReadFile(specPath)
	require.NoError(t, err)
	seeds := []uint64{1, 2, 3, 4, 5, 6}
	id, err := campaignq.Enqueue(ctx, pool, "depta.yaml", raw, seeds)
	require.NoError(t, err)

	for _, name := range []string{"w1", "w2"} {
		w, err := campaignq.NewWorker(pool, campaignq.WorkerOptions{Workers: 1, Name: name})
		require.NoError(t, err)
		require.NoError(t, w.Start(ctx))
		t.Cleanup(func() { _ = w.Stop(context.Background()) })
	}
	var seen []int
	require.NoError(t, campaignq.Wait(ctx, pool, id, func(done, total int) {
		assert.Equal(t, len(seeds), total)
		seen = append(seen, done)
	}))
	assert.Equal(t, len(seeds), seen[len(seen)-1])
	got, workers, err := campaignq.Results(ctx, pool, id)
	require.NoError(t, err)
	require.Len(t, got, len(seeds))
	assert.Len(t, workers, len(seeds))

	f, err := spec.Parse(bytes.NewReader(raw), "depta.yaml")
	require.NoError(t, err)
	local, err := campaign.Run(ctx, f, seeds, campaign.Options{Workers: 2})
	require.NoError(t, err)
	for i := range seeds {
		assert.Equal(t, seeds[i], got[i].Seed)
		assert.Equal(t, local[i].Counts, got[i].Counts, "seed %d", seeds[i])
		assert.Equal(t, local[i].Safe(), got[i].Safe(), "seed %d", seeds[i])
		assert.Positive(t, got[i].Counts.Sent)
	}
}

// A spec that does not parse is refused before anything is queued.
func TestEnqueueRefusesABadSpec(t *testing.T) {
	ctx := context.Background()
	pool := pg.Pool(t)
	require.NoError(t, campaignq.Migrate(ctx, pool))
	_, err := campaignq.Enqueue(ctx, pool, "bad.yaml", []byte("apiVersion: mailops.dev/v1\nkind: Nope\n"), []uint64{1})
	require.Error(t, err)
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM mailops_campaigns").Scan(&n))
	assert.Zero(t, n)
	_, err = campaignq.Enqueue(ctx, pool, "x.yaml", []byte("x: 1"), nil)
	require.Error(t, err)
}
