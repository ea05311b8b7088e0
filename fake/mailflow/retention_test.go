package mailflow_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

// retentions are the ledger's settings: every event, violations only, and
// counts plus the last few events; the last two also settle messages as
// soon as their copies have ended (a minute after, or at once).
var retentions = []mailflow.Retention{
	{},
	{Keep: mailflow.RetainViolations},
	{Keep: mailflow.RetainLast, Last: 10},
	{Keep: mailflow.RetainViolations, SettleDoneAfter: time.Minute},
	{Keep: mailflow.RetainLast, Last: 10, SettleDoneAfter: time.Nanosecond},
}

// TestRetentionKeepsEveryVerdict runs the same seeded worlds, correct and
// broken migrations under traffic long enough for pairs to settle, under
// every retention: the oracle's report (counts, and every violation with its
// cause and trail) is the same, and no event came after its pair settled.
func TestRetentionKeepsEveryVerdict(t *testing.T) {
	vs := []variant{correct, forwardLoop, senderAuthLeftOn, noConnector, mxBeforeConnector, earlyAuthoritative}
	for i, v := range vs {
		seed := uint64(i + 1)
		t.Run(fmt.Sprintf("seed=%d/%s", seed, v), func(t *testing.T) {
			var reports []mailflow.Report
			open := map[bool]int{} // pairs held at the end, by SettleDoneAfter > 0
			for _, r := range retentions {
				p := hwParams{seed: seed, people: 8, addrs: 16, perHour: 30, hours: 120, mxTTL: time.Hour,
					domainMax: 5 * time.Minute, recipMax: time.Hour, groupMax: time.Hour, connMax: time.Hour, loops: 1,
					legacyForwards: 2, smtpFaults: 3, lostReplies: 1, retention: r}
				h, err := newHW(p)
				require.NoError(t, err)
				h.migrate(v)
				rep := h.run(t)
				assert.Zero(t, h.w.Ledger().Late(), "retention %+v: events after their pair settled", r)
				if r.Keep != mailflow.RetainAll {
					assert.Less(t, h.w.Ledger().Unsettled(), rep.Sent/2, "retention %+v settles pairs as they age", r)
					open[r.SettleDoneAfter > 0] = h.w.Ledger().Unsettled()
				}
				if r.Keep == mailflow.RetainLast {
					assert.Len(t, h.w.Ledger().Events(), 10)
				}
				reports = append(reports, rep)
			}
			// Settling messages whose copies have ended holds far fewer
			// pairs than waiting for the senders' horizon (about 50 hours
			// of traffic here).
			assert.Less(t, open[true]*4, open[false], "pairs held at the end: %v", open)
			// Every copy is freed when it ends: at 30 messages an hour
			// only the last minute's few messages are still held.
			assert.Less(t, open[true], 10, "pairs held at the end: %v", open)
			require.NotZero(t, reports[0].Sent)
			t.Logf("sent %d, %d violations, causes %v", reports[0].Sent, len(reports[0].Violations), reports[0].Causes())
			for i := 1; i < len(reports); i++ {
				assert.Equal(t, reports[0], reports[i], "retention %+v gives the same report as keeping everything", retentions[i])
			}
		})
	}
}

// BenchmarkBoundedLedger runs a steady world (a 50-address department, 1,000
// messages an hour, senders giving up after 4 hours so that pairs settle
// after 5.5 hours) to 10,000 and to 100,000 messages, keeping everything and
// under RetainViolations: per message, allocation (B/msg) and the heap in use
// at the end (heap-MB, after a GC) should stay flat under the bounded
// retention and grow with the messages when everything is kept.
func BenchmarkBoundedLedger(b *testing.B) {
	for _, bc := range []struct {
		name string
		keep mailflow.RetentionKind
		msgs int
	}{
		{"violations/10k", mailflow.RetainViolations, 10_000},
		{"violations/100k", mailflow.RetainViolations, 100_000},
		{"all/10k", mailflow.RetainAll, 10_000},
		{"all/100k", mailflow.RetainAll, 100_000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var alloc0, alloc1 runtime.MemStats
			var heap uint64
			sent := 0
			for i := 0; i < b.N; i++ {
				sc := mailflow.DefaultConsolidationScenario(50)
				sc.PerHour = 1000
				sc.Duration = time.Duration(bc.msgs) * time.Hour / 1000
				cfg := mailflow.Config{Seed: uint64(i + 1), Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig(),
					GiveUp: 4 * time.Hour, RetryMax: 30 * time.Minute, Retention: mailflow.Retention{Keep: bc.keep}}
				c, err := mailflow.NewConsolidation(cfg, sc)
				if err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&alloc0)
				if err := c.Scheduler().RunFor(sc.Duration + time.Hour); err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&alloc1)
				b.StopTimer()
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap += ms.HeapInuse
				rep := c.Check()
				sent += rep.Sent
				if c.Ledger().Late() != 0 {
					b.Fatalf("%d late events", c.Ledger().Late())
				}
				runtime.KeepAlive(c)
				b.StartTimer()
				b.ReportMetric(float64(alloc1.TotalAlloc-alloc0.TotalAlloc)/float64(rep.Sent), "B/msg")
			}
			b.ReportMetric(float64(heap)/float64(b.N)/(1<<20), "heap-MB")
			b.ReportMetric(float64(sent)/float64(b.N), "messages/run")
		})
	}
}
