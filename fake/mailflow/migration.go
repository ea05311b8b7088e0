package mailflow

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// Migration is a plan running in the world.
type Migration struct {
	Preflight *runbook.Preflight
	Plan      *mailops.Plan
	Progress  []mailops.Progress
	Err       error
	Done      bool
	Started   time.Time
	Finished  time.Time
}

// Gates answers the runbook's DNS gates from the world's resolvers: an MX
// gate opens when every resolver that has asked for the domain sees exactly
// the wanted hosts (each through its own cache), the ownership gate when the
// TXT proof is published.
func (w *World) Gates() runbook.Gates {
	return runbook.Gates{
		Ownership: func(_ context.Context, domain string) error {
			for _, v := range w.dns.TXT(domain) {
				if strings.HasPrefix(v, "MS=ms") {
					return nil
				}
			}
			return fmt.Errorf("no MS=ms... TXT record for %s yet", domain)
		},
		MX: func(ctx context.Context, domain string, want []string) error {
			names := make([]string, 0, len(w.resolvr))
			for n := range w.resolvr {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				mxs, err := w.resolvr[n].LookupMX(ctx, domain)
				if err != nil {
					return fmt.Errorf("resolver %s: %w", n, err)
				}
				got := mxHosts(mxs)
				if !slices.Equal(got, want) {
					return fmt.Errorf("resolver %s still sees %v for %s", n, got, domain)
				}
			}
			return nil
		},
	}
}

// StartRunbook runs the consolidation runbook (or a known-bad variant) from
// virtual time at: preflight, plan, and the runner through a Client acting
// as the tenant's admin, publishing DNS changes into the world's zone.
func (c *Consolidation) StartRunbook(at time.Time, unsafe runbook.Unsafe, logger *slog.Logger) *Migration {
	m := &Migration{}
	spec := c.Spec
	spec.Unsafe = unsafe
	spec.Gates = c.Gates()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c.s.At(at, "runbook", func() {
		c.s.GoNamed("runbook", func() {
			ctx := context.Background()
			m.Started = c.s.Now()
			defer func() { m.Done, m.Finished = true, c.s.Now() }()
			cl := mailops.NewClient(c.tenant.Driver("admin@example.onmicrosoft.com"), mailops.Options{Clock: c.s, Logger: logger, WaitConsistent: true})
			pf, err := runbook.RunPreflight(ctx, cl, spec, c.tenant)
			if err != nil {
				m.Err = err
				return
			}
			m.Preflight = pf
			plan, err := runbook.ConsolidationPlan(spec, pf, cl)
			if err != nil {
				m.Err = err
				return
			}
			m.Plan = plan
			r := &mailops.Runner{Driver: cl, Clock: c.s, DNS: c.dns, Logger: logger,
				Progress: func(p mailops.Progress) { m.Progress = append(m.Progress, p) }}
			m.Err = r.Run(ctx, plan)
		})
	})
	return m
}
