package campaign_test

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// BenchmarkCampaignWorkers runs the same eight seeds of the example
// department (at 600 messages an hour) with one worker and with two, with
// the collector's target the mailops command runs campaigns with
// (GCPercent: "gogc=400/1", "gogc=400/2") and at Go's default ("gogc=100"):
// the ratio of the times is what a second core buys `mailops simulate
// --seeds N`. One op is the whole campaign.
func BenchmarkCampaignWorkers(b *testing.B) {
	src, err := os.ReadFile("../mailflow/testdata/spec/depta.yaml")
	if err != nil {
		b.Fatal(err)
	}
	f, err := spec.Parse(strings.NewReader(strings.Replace(string(src), "perHour: 120", "perHour: 600", 1)), "depta.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, gogc := range []int{campaign.GCPercent, 100} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("gogc=%d/%d", gogc, workers), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gogc))
				campaignWorkers(b, f, workers)
			})
		}
	}
}

// campaignWorkers runs the eight seeds b.N times over, as one campaign of
// 8*b.N seeds (as `mailops simulate --seeds N` runs them: the workers take
// the next seed as they finish one, with no wait for the slowest of every
// eight), and reports seeds a second.
func campaignWorkers(b *testing.B, f *spec.File, workers int) {
	seeds := make([]uint64, 0, 8*b.N)
	for range b.N {
		seeds = append(seeds, 1, 2, 3, 4, 5, 6, 7, 8)
	}
	res, err := campaign.Run(context.Background(), f, seeds, campaign.Options{Workers: workers})
	if err != nil {
		b.Fatal(err)
	}
	if len(res) != len(seeds) {
		b.Fatalf("%d results for %d seeds", len(res), len(seeds))
	}
	for _, r := range res {
		if !r.Safe() {
			b.Fatalf("seed %d unsafe: %+v", r.Seed, r.Counts)
		}
	}
	b.ReportMetric(float64(len(seeds))/b.Elapsed().Seconds(), "seeds/s")
}
