package mailops_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// benchOps runs one create, two reads, one update and one delete of a group
// per iteration (5 client operations) and reports client operations/s.
func benchOps(b *testing.B, c *mailops.Client) {
	ctx := context.Background()
	g := salesGroup()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.PrimaryAddress = mailops.Address(fmt.Sprintf("g%d@%s", i, tenantDomain))
		g.Name = string(g.PrimaryAddress)
		if err := c.CreateGroup(ctx, g); err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetGroup(ctx, g.PrimaryAddress); err != nil {
			b.Fatal(err)
		}
		if err := c.SetGroupMembers(ctx, g.PrimaryAddress, []mailops.Address{alice, carol}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetGroup(ctx, g.PrimaryAddress); err != nil {
			b.Fatal(err)
		}
		if err := c.DeleteGroup(ctx, g.PrimaryAddress); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(5*b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkClientOverScriptDriver measures the Client's own overhead over a
// trivial in-memory driver.
func BenchmarkClientOverScriptDriver(b *testing.B) {
	clk := newStepClock()
	d := newScriptDriver(clk)
	d.addVerified(tenantDomain)
	benchOps(b, mailops.NewClient(d, mailops.Options{Clock: clk}))
}
