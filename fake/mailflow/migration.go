package mailflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// Migration is a plan running in the world.
type Migration struct {
	// CrashAfter, when positive, crashes the runner at the first progress
	// event from that many on that is outside the steps in NoCrashIn (its
	// context is cancelled mid-plan); a new runner then resumes from the
	// same journal five minutes later, as an operator would restart it.
	CrashAfter int
	// NoCrashIn names steps a crash must not interrupt. A crash between
	// adding a domain and making it InternalRelay leaves the domain
	// Authoritative for as long as the runner is down: the documented
	// verification gap, widened (see TestCrashInTheVerificationGap).
	NoCrashIn map[string]bool
	// Crashes counts the crashes that happened.
	Crashes   int
	Preflight *runbook.Preflight
	Plan      *mailops.Plan
	Progress  []mailops.Progress
	Err       error
	Done      bool
	Started   time.Time
	Finished  time.Time
	// GapBounces are the rows the runbook's gap check listed through
	// message trace (Get-MessageTraceV2): mail to the domain that failed
	// before InternalRelay reached mail flow.
	GapBounces []mailops.TraceEntry
	// GapChecked says the gap check ran.
	GapChecked bool
}

// Gates answers the runbook's DNS gates with dnscheck through every
// resolver of the world (each sender's own cache), so a gate opens only when
// every sender sees the change. legacy are hosts that still send for the
// domain; ignore lists finding ids that do not close a stage gate.
func (w *World) Gates(initialDomain string, legacy []string, ignore ...string) runbook.Gates {
	names := make([]string, 0, len(w.resolvr))
	for n := range w.resolvr {
		names = append(names, n)
	}
	slices.Sort(names)
	var rs []dnscheck.Exchanger
	for _, n := range names {
		rs = append(rs, w.resolvr[n].(*wireResolver).r)
	}
	template := dnscheck.Spec{InitialDomain: initialDomain, LegacyHosts: legacy, LegacySends: len(legacy) > 0}
	g := runbook.DNSGates(template, ignore, rs...)
	// The stage gates expect the DKIM selector targets the tenant shows
	// (Get-DkimSigningConfig): since July 2026 they are under
	// dkim.mail.microsoft, not derived from the initial domain.
	d := w.tenant.Driver("dnscheck")
	g.Stage = func(ctx context.Context, domain, stage string) error {
		spec := template
		if c, err := d.GetDkimSigningConfig(ctx, domain); err == nil {
			spec.Selector1CNAME, spec.Selector2CNAME = c.Selector1CNAME, c.Selector2CNAME
		} else if !errors.Is(err, mailops.ErrNotFound) {
			return fmt.Errorf("mailflow: reading the DKIM targets of %s: %w", domain, err)
		}
		return runbook.DNSGates(spec, ignore, rs...).Stage(ctx, domain, stage)
	}
	return g
}

// StartRunbook runs the consolidation runbook (or a known-bad variant) from
// virtual time at: preflight, plan, and the runner through a Client acting
// as the tenant's admin, publishing DNS changes into the world's zone.
func (c *Consolidation) StartRunbook(at time.Time, unsafe runbook.Unsafe, logger *slog.Logger) *Migration {
	return c.StartRunbookCrashing(at, unsafe, 0, logger)
}

// StartRunbookCrashing is StartRunbook with a runner crash after crashAfter
// progress events (0: none) and a resume from the journal.
func (c *Consolidation) StartRunbookCrashing(at time.Time, unsafe runbook.Unsafe, crashAfter int, logger *slog.Logger) *Migration {
	m := &Migration{CrashAfter: crashAfter, NoCrashIn: gapSteps}
	spec := c.Spec
	spec.Unsafe = unsafe
	// A departmental domain holds no mailboxes: no autodiscover needed.
	spec.Gates = c.Gates(spec.InitialDomain, nil, "autodiscover.missing")
	spec.GapCheck = &runbook.GapCheck{Clock: c.s, Report: func(_ string, rows []mailops.TraceEntry) {
		m.GapChecked, m.GapBounces = true, append(m.GapBounces, rows...)
	}}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c.runConsolidation(at, "runbook", m, spec, c.tenant.Driver("admin@example.onmicrosoft.com"),
		mailops.Options{Clock: c.s, Logger: logger, WaitConsistent: true})
	return m
}

// runConsolidation runs a consolidation from virtual time at as the
// simulated process name: the preflight, the plan and the runner (crashing
// and resuming as m says), through a Client over admin with opts.
func (w *World) runConsolidation(at time.Time, name string, m *Migration, spec runbook.ConsolidationSpec, admin mailops.Driver, opts mailops.Options) {
	w.s.At(at, name, func() {
		w.s.GoNamed(name, func() {
			ctx := context.Background()
			m.Started = w.s.Now()
			defer func() { m.Done, m.Finished = true, w.s.Now() }()
			cl := mailops.NewClient(admin, opts)
			pf, err := runbook.RunPreflight(ctx, cl, spec, w.tenant)
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
			m.Err = runWithCrash(ctx, w, m, plan, spec.Domain, cl, opts.Logger, nil)
		})
	})
}

// gapSteps are the steps between adding a domain and its InternalRelay
// setting: the property tests keep crashes out of them.
var gapSteps = map[string]bool{"add-domain": true, "relay": true}

// runWithCrash runs the plan; with m.CrashAfter it cancels the runner after
// that many progress events, then resumes with a new runner on the same
// journal. onProgress, if set, sees every progress event.
func runWithCrash(ctx context.Context, w *World, m *Migration, plan *mailops.Plan, domain string, cl *mailops.Client, logger *slog.Logger, onProgress func(mailops.Progress)) error {
	journal := &mailops.MemJournal{}
	runCtx, crash := context.WithCancel(ctx)
	defer crash()
	n := 0
	var gapFrom time.Time
	// The gap is declared when it closes: the ledger holds the messages
	// whose copies end meanwhile from settling early until then.
	release := func() {}
	defer func() { release() }()
	r := &mailops.Runner{Driver: cl, Clock: w.s, DNS: w.dns, Logger: logger, Journal: journal,
		Progress: func(p mailops.Progress) {
			m.Progress = append(m.Progress, p)
			// The documented verification gap: from adding the domain until
			// the runbook's wait for InternalRelay to reach mail flow ends.
			if p.Step == "add-domain" && gapFrom.IsZero() {
				gapFrom = p.At
				release = w.ledger.hold()
			}
			if p.Step == "relay" && p.Kind == "wait" && p.Event == "done" && !gapFrom.IsZero() {
				w.expect.Gap(domain, gapFrom, p.At)
				release()
			}
			if onProgress != nil {
				onProgress(p)
			}
			n++
			if m.CrashAfter > 0 && n >= m.CrashAfter && m.Crashes == 0 && runCtx.Err() == nil && !m.NoCrashIn[p.Step] {
				crash()
			}
		}}
	err := r.Run(runCtx, plan)
	if err != nil && runCtx.Err() != nil && ctx.Err() == nil {
		m.Crashes++
		// The operator notices and restarts the runner a few minutes later.
		if serr := w.s.Sleep(ctx, 5*time.Minute); serr != nil {
			return serr
		}
		r2 := *r
		err = r2.Run(ctx, plan)
	}
	return err
}
