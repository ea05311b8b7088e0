package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/mailopstest"
)

// harness runs the conformance suite against the graph driver, over the
// fake Graph/EXO HTTP server on loopback, backed by a fake tenant (no
// latency, no read lag; Settle advances virtual time past propagation).
// A small page size makes every list follow @odata.nextLink.
type harness struct {
	w     *world
	other mailops.Driver
	n     int
}

func (h *harness) MakeDriver(context.Context) (mailops.Driver, error) { return h.w.d, nil }

func (h *harness) NewDomain(context.Context) (string, error) {
	h.n++
	return fmt.Sprintf("g%d.conformance.example", h.n), nil
}

func (h *harness) ProveOwnership(_ context.Context, domain string, records []mailops.DNSRecord) error {
	for _, r := range records {
		if r.Type == "TXT" {
			h.w.cloud.PublishProof(domain, r.Value)
		}
	}
	return nil
}

func (h *harness) HoldElsewhere(ctx context.Context, domain string) error {
	dom, err := h.other.AddDomain(ctx, domain)
	if err != nil {
		return err
	}
	if err := h.ProveOwnership(ctx, domain, dom.VerificationRecords); err != nil {
		return err
	}
	_, err = h.other.VerifyDomain(ctx, domain)
	return err
}

func (h *harness) Settle(context.Context) error { return h.w.s.RunFor(2 * 60 * 60 * 1e9) }

func (h *harness) Close() {}

// TestConformance runs the suite, then checks every InvokeCommand the
// driver sent during it (as the fake server recorded them) against Exchange
// Online's cmdlet reference.
func TestConformance(t *testing.T) {
	var worlds []*world
	mailopstest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (mailopstest.Harness, error) {
		w := newWorld(t, uint64(len(t.Name())), 2)
		worlds = append(worlds, w)
		other := w.cloud.NewTenant("fabrikam", w.tenantConfig())
		return &harness{w: w, other: other.Driver("other-admin")}, nil
	})
	assert.GreaterOrEqual(t, len(mailopstest.CaseNames()), 25)
	n := 0
	for _, w := range worlds {
		n += checkCalls(t, w)
	}
	assert.Greater(t, n, 100, "the suite made InvokeCommand calls")
}
