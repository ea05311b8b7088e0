package delegate

import (
	"context"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// world is a fake tenant on the wall clock holding the test config's domains,
// their admin groups, and people to target.
type world struct {
	tenant *fake.Tenant
	client *mailops.Client
	clock  mailops.Clock
}

var people = []mailops.Address{"u1@example.ac.jp", "u2@example.ac.jp", "u3@example.ac.jp"}

func newWorld(t *testing.T, cfg fake.TenantConfig, maxSessions int) *world {
	t.Helper()
	w := sim.NewWall(1)
	cloud := fake.NewCloud(w, w.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("univ", cfg) // cfg: admin-read lag and faults only; setup writes go straight in
	d := tenant.Driver("admin@univ.onmicrosoft.com")
	if err := setupTenant(context.Background(), cloud, d); err != nil {
		t.Fatal(err)
	}
	client := mailops.NewClient(d, mailops.Options{Clock: w, MaxSessions: maxSessions,
		Retry:       mailops.RetryOptions{Base: 5 * time.Millisecond, Max: 50 * time.Millisecond, MaxAttempts: 3},
		Consistency: mailops.ConsistencyOptions{Reads: 5, Interval: 10 * time.Millisecond, Timeout: 10 * time.Second}})
	return &world{tenant: tenant, client: client, clock: w}
}

// group reads the tenant's current state, without admin-read lag.
func (w *world) group(a mailops.Address) *mailops.Group {
	for _, g := range w.tenant.Groups() {
		if g.PrimaryAddress == a {
			return &g
		}
	}
	return nil
}
