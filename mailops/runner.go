package mailops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DNSPublisher applies DNS changes: a DNS provider's API, or the fake DNS in
// the simulator.
type DNSPublisher interface {
	Publish(ctx context.Context, c DNSChange) error
}

// Progress is reported as the runner goes.
type Progress struct {
	At          time.Time
	Step        string // step ID
	Title       string // step title
	Action      int    // index in the step
	Kind        string // "op", "wait", "check", "dns"
	Description string
	// Event is "start", "done", "already-done" (the effect was present),
	// "resumed" (done in an earlier run, per the journal) or "failed".
	Event string
	Wait  time.Duration // for a wait: the time still to wait at start
	Err   error
}

// Runner executes plans through a Driver (usually a *Client, which retries,
// bounds sessions and validates), keeping a journal so that a crashed run
// resumes where it stopped.
type Runner struct {
	Driver   Driver
	Clock    Clock          // defaults to WallClock
	Journal  Journal        // defaults to a MemJournal
	DNS      DNSPublisher   // nil: DNS changes stop the run with a *ManualStepError
	Logger   *slog.Logger   // defaults to discarding
	Progress func(Progress) // optional
	// Rechecks is how many times a conflict is read again, Recheck apart,
	// before the runner believes it: admin reads lag, so an object written a
	// moment ago can look absent or old (defaults 3 and 30s; -1 disables).
	Rechecks int
	Recheck  time.Duration
}

// ManualStepError stops a run at a DNS change that must be published by hand;
// run again (with the same journal) once it is published.
type ManualStepError struct {
	Step   string
	Change DNSChange
}

func (e *ManualStepError) Error() string {
	return fmt.Sprintf("mailops: step %s needs a manual DNS change: %s", e.Step, e.Change.Describe())
}

// GateError says which check held a plan back.
type GateError struct {
	Step  string
	Check string
	Err   error
}

func (e *GateError) Error() string {
	return fmt.Sprintf("mailops: step %s gate %q not passed: %v", e.Step, e.Check, e.Err)
}

// Unwrap returns the check's error.
func (e *GateError) Unwrap() error { return e.Err }

func (r *Runner) clock() Clock {
	if r.Clock == nil {
		return WallClock{}
	}
	return r.Clock
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func (r *Runner) journal() Journal {
	if r.Journal == nil {
		r.Journal = &MemJournal{}
	}
	return r.Journal
}

type actionKey struct {
	step   string
	action int
}

// journalState reads the journal: which actions are done, when waits started.
func (r *Runner) journalState(ctx context.Context, p *Plan, fp string) (map[actionKey]bool, map[actionKey]time.Time, error) {
	entries, err := r.journal().Entries(ctx)
	if err != nil {
		return nil, nil, err
	}
	done := map[actionKey]bool{}
	started := map[actionKey]time.Time{}
	for _, e := range entries {
		if e.Plan != p.Name {
			continue
		}
		if e.Fingerprint != fp {
			return nil, nil, fmt.Errorf("%w: plan %q journal fingerprint %s, plan %s", ErrJournalMismatch, p.Name, e.Fingerprint, fp)
		}
		k := actionKey{e.Step, e.Action}
		switch e.Event {
		case "done":
			done[k] = true
		case "started":
			if _, ok := started[k]; !ok {
				started[k] = e.At
			}
		}
	}
	return done, started, nil
}

// Run executes the plan from where its journal says it stopped. It stops at
// the first error: a conflict (an object changed since the plan was made), a
// failed gate, a manual DNS step, or a driver error the Client gave up on.
//
// Before applying an operation the runner checks it: an operation whose effect
// is already present is recorded as done, not applied again. Resume with the
// journal of the earlier run: with a fresh journal, an operation whose object a
// later operation of the same plan has since changed reports a conflict, since
// nothing then proves the change was the plan's own. To converge from an
// unknown state, Diff instead.
func (r *Runner) Run(ctx context.Context, p *Plan) error {
	if r.Driver == nil {
		return invalid("Runner.Driver", "", "required")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	fp := p.Fingerprint()
	done, started, err := r.journalState(ctx, p, fp)
	if err != nil {
		return err
	}
	for _, s := range p.Steps {
		for i, a := range s.Actions {
			k := actionKey{s.ID, i}
			pr := Progress{Step: s.ID, Title: s.Title, Action: i, Kind: a.Kind(), Description: a.Describe()}
			if done[k] {
				r.report(pr, "resumed", 0, nil)
				continue
			}
			if err := r.runAction(ctx, p.Name, fp, s, i, a, started[k], pr); err != nil {
				r.report(pr, "failed", 0, err)
				r.logger().Error("plan stopped", "plan", p.Name, "step", s.ID, "action", i, "err", err)
				return err
			}
		}
	}
	return nil
}

func (r *Runner) runAction(ctx context.Context, plan, fp string, s Step, i int, a Action, startedAt time.Time, pr Progress) error {
	clk := r.clock()
	switch {
	case a.Op != nil:
		st, err := r.check(ctx, a.Op)
		if err != nil {
			return fmt.Errorf("step %s: %s: %w", s.ID, a.Op.Describe(), err)
		}
		if st == Done {
			r.report(pr, "already-done", 0, nil)
			return r.record(ctx, plan, fp, s.ID, i, "done")
		}
		r.report(pr, "start", 0, nil)
		if err := r.record(ctx, plan, fp, s.ID, i, "started"); err != nil {
			return err
		}
		if err := a.Op.Apply(ctx, r.Driver); err != nil {
			return fmt.Errorf("step %s: %s: %w", s.ID, a.Op.Describe(), err)
		}
	case a.Wait != nil:
		if startedAt.IsZero() {
			startedAt = clk.Now()
			if err := r.record(ctx, plan, fp, s.ID, i, "started"); err != nil {
				return err
			}
		}
		left := startedAt.Add(a.Wait.For).Sub(clk.Now())
		r.report(pr, "start", max(left, 0), nil)
		if err := clk.Sleep(ctx, left); err != nil {
			return err
		}
	case a.Check != nil:
		r.report(pr, "start", 0, nil)
		if err := r.gate(ctx, s.ID, a.Check); err != nil {
			return err
		}
	case a.DNS != nil:
		if r.DNS == nil {
			return &ManualStepError{Step: s.ID, Change: *a.DNS}
		}
		r.report(pr, "start", 0, nil)
		change, err := r.resolveDNS(ctx, *a.DNS)
		if err != nil {
			return fmt.Errorf("step %s: %s: %w", s.ID, a.DNS.Describe(), err)
		}
		if err := r.DNS.Publish(ctx, change); err != nil {
			return fmt.Errorf("step %s: %s: %w", s.ID, a.DNS.Describe(), err)
		}
	}
	r.report(pr, "done", 0, nil)
	return r.record(ctx, plan, fp, s.ID, i, "done")
}

// check runs an operation's Check, reading a conflict again (Rechecks times,
// Recheck apart) before believing it.
func (r *Runner) check(ctx context.Context, op Operation) (Status, error) {
	var st Status
	err := r.reread(ctx, op.Describe(), ErrConflict, func() error {
		var err error
		st, err = op.Check(ctx, r.Driver)
		return err
	})
	return st, err
}

// reread runs read, and again (Rechecks times, Recheck apart) while it fails
// with lagErr: what the runner itself just wrote can look absent or old to a
// lagging read.
func (r *Runner) reread(ctx context.Context, what string, lagErr error, read func() error) error {
	n, every := r.Rechecks, r.Recheck
	if n == 0 {
		n = 3
	}
	if every <= 0 {
		every = 30 * time.Second
	}
	for i := 0; ; i++ {
		err := read()
		if err == nil || !errors.Is(err, lagErr) || i >= n {
			return err
		}
		r.logger().Info("reading again in case of read lag", "what", what, "err", err, "in", every)
		if serr := r.clock().Sleep(ctx, every); serr != nil {
			return serr
		}
	}
}

// resolveDNS turns AddVerification into the tenant's TXT record and fills
// the values of late-bound records (DNSRecord.From) from the service.
func (r *Runner) resolveDNS(ctx context.Context, c DNSChange) (DNSChange, error) {
	out := c
	out.AddVerification = false
	out.Add = append([]DNSRecord(nil), c.Add...)
	out.Remove = append([]DNSRecord(nil), c.Remove...)
	var dom *Domain
	domain := func() (Domain, error) {
		if dom != nil {
			return *dom, nil
		}
		var d Domain
		err := r.reread(ctx, "domain "+c.Domain, ErrNotFound, func() error {
			var err error
			d, err = r.Driver.GetDomain(ctx, c.Domain)
			return err
		})
		if err != nil {
			return Domain{}, err
		}
		dom = &d
		return d, nil
	}
	if c.AddVerification {
		d, err := domain()
		if err != nil {
			return c, err
		}
		n := 0
		for _, rec := range d.VerificationRecords {
			if rec.Type == "TXT" {
				out.Add = append(out.Add, rec)
				n++
			}
		}
		if n == 0 {
			return c, fmt.Errorf("%w: domain %s has no TXT verification record", ErrNotFound, c.Domain)
		}
	}
	for _, recs := range [][]DNSRecord{out.Add, out.Remove} {
		for i := range recs {
			if err := r.bindRecord(ctx, c.Domain, &recs[i], domain); err != nil {
				return c, err
			}
		}
	}
	return out, nil
}

// bindRecord fills a late-bound record's value from the service.
func (r *Runner) bindRecord(ctx context.Context, name string, rec *DNSRecord, domain func() (Domain, error)) error {
	switch rec.From {
	case "":
		return nil
	case FromServiceMX:
		d, err := domain()
		if err != nil {
			return err
		}
		host, ok := d.ServiceMX()
		if !ok {
			return fmt.Errorf("%w: domain %s has no MX service record yet", ErrNotFound, name)
		}
		rec.Value = host
	case FromDKIMSelector1, FromDKIMSelector2:
		var cfg DkimSigningConfig
		err := r.reread(ctx, "DKIM signing configuration of "+name, ErrNotFound, func() error {
			var err error
			cfg, err = r.Driver.GetDkimSigningConfig(ctx, name)
			return err
		})
		if err != nil {
			return err
		}
		rec.Value = cfg.Selector1CNAME
		if rec.From == FromDKIMSelector2 {
			rec.Value = cfg.Selector2CNAME
		}
		if rec.Value == "" {
			return fmt.Errorf("%w: DKIM signing configuration of %s has no %s", ErrNotFound, name, rec.From)
		}
	default:
		return &ValidationError{Field: "DNSRecord.From", Value: rec.From, Reason: "unknown source"}
	}
	rec.From = ""
	return nil
}

func (r *Runner) gate(ctx context.Context, step string, c *Check) error {
	clk := r.clock()
	deadline := clk.Now().Add(c.Timeout)
	for {
		err := c.Run(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c.Poll <= 0 || !clk.Now().Add(c.Poll).Before(deadline.Add(1)) {
			return &GateError{Step: step, Check: c.Name, Err: err}
		}
		r.logger().Info("gate not passed yet", "step", step, "check", c.Name, "err", err, "retry_in", c.Poll)
		if err := clk.Sleep(ctx, c.Poll); err != nil {
			return err
		}
	}
}

func (r *Runner) record(ctx context.Context, plan, fp, step string, action int, event string) error {
	err := r.journal().Append(ctx, JournalEntry{Plan: plan, Fingerprint: fp, Step: step, Action: action, Event: event, At: r.clock().Now()})
	if err != nil {
		return fmt.Errorf("mailops: journal: %w", err)
	}
	return nil
}

func (r *Runner) report(pr Progress, event string, wait time.Duration, err error) {
	pr.At, pr.Event, pr.Wait, pr.Err = r.clock().Now(), event, wait, err
	l := r.logger()
	if err != nil {
		l.Warn("plan action", "step", pr.Step, "action", pr.Action, "kind", pr.Kind, "event", event, "desc", pr.Description, "err", err)
	} else {
		l.Info("plan action", "step", pr.Step, "action", pr.Action, "kind", pr.Kind, "event", event, "desc", pr.Description, "wait", wait)
	}
	if r.Progress != nil {
		r.Progress(pr)
	}
}

// Planned is one line of a dry run.
type Planned struct {
	Step        string
	Kind        string
	Description string
	PowerShell  []string
	// Status is Ready or Done for operations (0 for other actions);
	// Conflict is set when the target changed since the plan was made.
	Status   Status
	Conflict error
}

// DryRun checks every operation against the tenant without changing anything
// and returns what a run would do. Operations later in a plan may depend on
// earlier ones (a group created in step 6 cannot be read before), so their
// status is what the tenant shows now. Errors other than conflicts stop the
// dry run.
func (r *Runner) DryRun(ctx context.Context, p *Plan) ([]Planned, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out []Planned
	for _, s := range p.Steps {
		for _, a := range s.Actions {
			pl := Planned{Step: s.ID, Kind: a.Kind(), Description: a.Describe()}
			if a.Op != nil {
				pl.PowerShell = a.Op.PowerShell()
				st, err := a.Op.Check(ctx, r.Driver)
				switch {
				case errors.Is(err, ErrConflict):
					pl.Conflict = err
				case err != nil:
					return out, err
				default:
					pl.Status = st
				}
			}
			out = append(out, pl)
		}
	}
	return out, nil
}

// Rollback applies a step's rollback actions in order, skipping operations
// whose effect is already present.
func (r *Runner) Rollback(ctx context.Context, p *Plan, stepID string) error {
	for _, s := range p.Steps {
		if s.ID != stepID {
			continue
		}
		for _, a := range s.Rollback {
			if a.DNS != nil {
				if r.DNS == nil {
					return &ManualStepError{Step: stepID, Change: *a.DNS}
				}
				change, err := r.resolveDNS(ctx, *a.DNS)
				if err != nil {
					return fmt.Errorf("rollback %s: %s: %w", stepID, a.DNS.Describe(), err)
				}
				if err := r.DNS.Publish(ctx, change); err != nil {
					return fmt.Errorf("rollback %s: %s: %w", stepID, a.DNS.Describe(), err)
				}
				continue
			}
			op := a.Op
			if op == nil {
				return invalid("Rollback.Action", a.Kind(), "a rollback action is one operation or one DNS change")
			}
			if err := op.Validate(); err != nil {
				return err
			}
			st, err := op.Check(ctx, r.Driver)
			if err != nil {
				return fmt.Errorf("rollback %s: %s: %w", stepID, op.Describe(), err)
			}
			if st == Done {
				continue
			}
			if err := op.Apply(ctx, r.Driver); err != nil {
				return fmt.Errorf("rollback %s: %s: %w", stepID, op.Describe(), err)
			}
		}
		return nil
	}
	return invalid("Rollback.Step", stepID, "no such step in the plan")
}
