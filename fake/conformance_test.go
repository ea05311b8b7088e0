package fake_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/mailopstest"
)

// harness runs the conformance suite on a fake tenant with no latency and no
// read lag, but with propagation delays that Settle advances past.
type harness struct {
	s      *sim.Scheduler
	cloud  *fake.Cloud
	tenant *fake.Tenant
	other  *fake.Tenant
	n      int
}

func (h *harness) MakeDriver(context.Context) (mailops.Driver, error) {
	return h.tenant.Driver("admin"), nil
}

func (h *harness) NewDomain(context.Context) (string, error) {
	h.n++
	return fmt.Sprintf("c%d.conformance.example", h.n), nil
}

func (h *harness) ProveOwnership(_ context.Context, domain string, records []mailops.DNSRecord) error {
	for _, r := range records {
		if r.Type == "TXT" {
			h.cloud.PublishProof(domain, r.Value)
		}
	}
	return nil
}

func (h *harness) HoldElsewhere(ctx context.Context, domain string) error {
	d := h.other.Driver("other-admin")
	dom, err := d.AddDomain(ctx, domain)
	if err != nil {
		return err
	}
	if err := h.ProveOwnership(ctx, domain, dom.VerificationRecords); err != nil {
		return err
	}
	_, err = d.VerifyDomain(ctx, domain)
	return err
}

func (h *harness) Settle(context.Context) error { return h.s.RunFor(2 * time.Hour) }

func (h *harness) Close() { h.s.Close() }

func newHarness(_ context.Context, t *testing.T) (mailopstest.Harness, error) {
	s := sim.New(uint64(len(t.Name())))
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.InstantTenantConfig()
	cfg.Propagation = fake.DefaultTenantConfig().Propagation
	return &harness{s: s, cloud: cloud, tenant: cloud.NewTenant("contoso", cfg), other: cloud.NewTenant("fabrikam", cfg)}, nil
}

func TestConformance(t *testing.T) {
	mailopstest.RunConformanceTests(t, newHarness)
	assert.GreaterOrEqual(t, len(mailopstest.CaseNames()), 25)
}
