package campaignq_test

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/fake/campaign/campaignq"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// BenchmarkQueueSeeds runs the same campaign (the example department at
// 600 messages an hour, eight seeds b.N times over, as
// BenchmarkCampaignWorkers does) in this process ("local", campaign.Run)
// and through the queue ("queue": River on a PostgreSQL cluster of this
// machine, each worker a River client with a pool of its own, as a `mailops
// worker` on another machine would be), with one and two workers, at the collector
// target the mailops command runs worlds with. What the queue costs a seed
// is the difference between the two; it bounds how well more machines
// scale.
func BenchmarkQueueSeeds(b *testing.B) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		b.Fatal(err)
	}
	raw = []byte(strings.Replace(string(raw), "perHour: 120", "perHour: 600", 1))
	f, err := spec.Parse(strings.NewReader(string(raw)), "depta.yaml")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	url := pg.URL(b)
	pool := newPool(b, url)
	if err := campaignq.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(campaign.GCPercent))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("local/%d", workers), func(b *testing.B) {
			seeds := benchSeeds(b.N)
			res, err := campaign.Run(ctx, f, seeds, campaign.Options{Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			checkSafe(b, res, len(seeds))
			b.ReportMetric(float64(len(seeds))/b.Elapsed().Seconds(), "seeds/s")
		})
		b.Run(fmt.Sprintf("queue/%d", workers), func(b *testing.B) {
			for i := range workers {
				// A pool of its own, as a worker process has.
				w, err := campaignq.NewWorker(newPool(b, url), campaignq.WorkerOptions{Workers: 1, Name: fmt.Sprintf("w%d", i+1)})
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Start(ctx); err != nil {
					b.Fatal(err)
				}
				defer func() { _ = w.Stop(ctx) }()
			}
			seeds := benchSeeds(b.N)
			b.ResetTimer()
			id, err := campaignq.Enqueue(ctx, pool, "depta.yaml", raw, seeds)
			if err != nil {
				b.Fatal(err)
			}
			if err := campaignq.Wait(ctx, pool, id, nil); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			res, _, err := campaignq.Results(ctx, pool, id)
			if err != nil {
				b.Fatal(err)
			}
			checkSafe(b, res, len(seeds))
			b.ReportMetric(float64(len(seeds))/b.Elapsed().Seconds(), "seeds/s")
		})
	}
}

// newPool opens a pool on the database at url, closed when b ends.
func newPool(b *testing.B, url string) *pgxpool.Pool {
	p, err := pgxpool.New(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	return p
}

// benchSeeds is seeds 1 to 8, n times over. The queue takes a seed once per
// campaign, so the repeats are told apart by a larger number each round:
// every round is the same eight worlds' work, give or take.
func benchSeeds(n int) []uint64 {
	seeds := make([]uint64, 0, 8*n)
	for r := range n {
		for s := uint64(1); s <= 8; s++ {
			seeds = append(seeds, uint64(r)*1000+s)
		}
	}
	return seeds
}

// checkSafe fails the benchmark unless there is a safe result for every seed.
func checkSafe(b *testing.B, res []campaign.SeedResult, n int) {
	b.Helper()
	if len(res) != n {
		b.Fatalf("%d results for %d seeds", len(res), n)
	}
	for _, r := range res {
		if !r.Safe() {
			b.Fatalf("seed %d unsafe: %+v", r.Seed, r.Counts)
		}
	}
}
