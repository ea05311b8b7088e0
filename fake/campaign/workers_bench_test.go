package campaign_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// BenchmarkCampaignWorkers runs the same eight seeds of the example
// department (at 600 messages an hour) with one worker and with two: the
// ratio of their times is what a second core buys `mailops simulate
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
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprint(workers), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := campaign.Run(context.Background(), f, seeds, campaign.Options{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range res {
					if !r.Safe() {
						b.Fatalf("seed %d unsafe: %+v", r.Seed, r.Counts)
					}
				}
			}
			b.ReportMetric(float64(len(seeds)*b.N)/b.Elapsed().Seconds(), "seeds/s")
		})
	}
}
