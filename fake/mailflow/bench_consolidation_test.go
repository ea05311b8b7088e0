package mailflow_test

import (
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

// BenchmarkConsolidation200 simulates a whole consolidation of one
// department: 200 addresses, about 10,000 messages of traffic over the
// migration, hour-long propagation, the runbook through the Client and the
// runner, and the oracle's check at the end.
func BenchmarkConsolidation200(b *testing.B) {
	var events uint64
	var pairs int
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sc := mailflow.DefaultConsolidationScenario(200)
		sc.Duration = 10 * time.Hour
		sc.PerHour = 1000 // about 10,000 messages
		cfg := mailflow.Config{Seed: uint64(i + 1), Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig()}
		c, err := mailflow.NewConsolidation(cfg, sc)
		if err != nil {
			b.Fatal(err)
		}
		m := c.StartRunbook(c.Scheduler().Now().Add(30*time.Minute), "", nil)
		if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
			b.Fatal(err)
		}
		if !m.Done || m.Err != nil {
			b.Fatalf("runbook: %v", m.Err)
		}
		rep := c.Check()
		if !rep.NoLoss() {
			b.Fatalf("loss: %s", rep.String())
		}
		events += c.Scheduler().Steps()
		pairs += rep.Sent
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consolidations/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(pairs)/float64(b.N), "messages/run")
}

// BenchmarkWorldTraffic measures the loop of a whole world with steady
// traffic and no migration: events per second.
func BenchmarkWorldTraffic(b *testing.B) {
	var events uint64
	for i := 0; i < b.N; i++ {
		sc := mailflow.DefaultConsolidationScenario(50)
		sc.PerHour = 2000
		sc.Duration = 5 * time.Hour
		c, err := mailflow.NewConsolidation(mailflow.Config{Seed: uint64(i + 1), Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig()}, sc)
		if err != nil {
			b.Fatal(err)
		}
		before := c.Scheduler().Steps()
		if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
			b.Fatal(err)
		}
		events += c.Scheduler().Steps() - before
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSmallConsolidation is the size the property tests draw: a whole
// migration of 10 addresses under light traffic.
func BenchmarkSmallConsolidation(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sc := mailflow.DefaultConsolidationScenario(10)
		sc.PerHour = 50
		sc.Duration = 10 * time.Hour
		c, err := mailflow.NewConsolidation(mailflow.Config{Seed: uint64(i + 1), Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig()}, sc)
		if err != nil {
			b.Fatal(err)
		}
		m := c.StartRunbook(c.Scheduler().Now().Add(30*time.Minute), "", nil)
		if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil || !m.Done || m.Err != nil {
			b.Fatal(err, m.Err)
		}
		if rep := c.Check(); !rep.NoLoss() {
			b.Fatal(rep.String())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "migrations/s")
}

// BenchmarkConsolidation1000 is one department at the university's size per
// domain: 1,000 addresses and about 20,000 messages.
func BenchmarkConsolidation1000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sc := mailflow.DefaultConsolidationScenario(1000)
		sc.Duration = 10 * time.Hour
		sc.PerHour = 2000
		c, err := mailflow.NewConsolidation(mailflow.Config{Seed: uint64(i + 1), Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig()}, sc)
		if err != nil {
			b.Fatal(err)
		}
		m := c.StartRunbook(c.Scheduler().Now().Add(30*time.Minute), "", nil)
		if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil || !m.Done || m.Err != nil {
			b.Fatal(err, m.Err)
		}
		if rep := c.Check(); !rep.NoLoss() {
			b.Fatal(rep.String())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consolidations/s")
}
