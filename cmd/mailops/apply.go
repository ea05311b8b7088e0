package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// ErrStalePlan means the tenant or the spec changed since the plan was made.
var ErrStalePlan = errors.New("the plan is stale")

// StaleError lists what changed since the plan was made.
type StaleError struct {
	SpecChanged bool
	Objects     []StaleRead
}

func (e *StaleError) Error() string {
	var parts []string
	if e.SpecChanged {
		parts = append(parts, "the spec file changed")
	}
	for _, o := range e.Objects {
		id := o.Kind
		if o.ID != "" {
			id += " " + o.ID
		}
		if o.Now == absentHash {
			id += " (now absent)"
		} else if o.SHA256 == absentHash {
			id += " (now present)"
		}
		parts = append(parts, id+" changed")
	}
	return "apply: the plan is stale: " + strings.Join(parts, "; ") + ": run plan again"
}

// Is matches ErrStalePlan.
func (e *StaleError) Is(target error) bool { return target == ErrStalePlan }

// applyOptions configure applyPlan.
type applyOptions struct {
	Journal  mailops.Journal
	DNS      mailops.DNSPublisher // nil: DNS changes stop the run
	Clock    mailops.Clock
	Progress func(mailops.Progress)
}

// planSummary counts one plan's actions by what apply did with them.
type planSummary struct {
	Name        string `json:"name"`
	Applied     int    `json:"applied"`     // run in this invocation
	AlreadyDone int    `json:"alreadyDone"` // the effect was present
	Resumed     int    `json:"resumed"`     // done in an earlier run, per the journal
}

// specChanged reports whether the spec file the plan was made from now
// differs from the plan's copy (a missing file is not a change: the plan
// holds the spec).
func specChanged(pf *PlanFile) (bool, error) {
	data, err := os.ReadFile(pf.SpecFile)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("apply: %w", err)
	}
	return specHash(data) != pf.SpecSHA256, nil
}

// journalHasPlans reports whether the journal holds entries of any of the
// plans: the run is then a resume.
func journalHasPlans(ctx context.Context, j mailops.Journal, pf *PlanFile) (bool, error) {
	entries, err := j.Entries(ctx)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		for _, p := range pf.Plans {
			if e.Plan == p.Name {
				return true, nil
			}
		}
	}
	return false, nil
}

// loadForApply rebuilds the saved plans against d: operations, waits and
// DNS changes from the file, checks (code) from the spec rebuilt with the
// saved basis, matched by step, position and name.
func loadForApply(ctx context.Context, pf *PlanFile, d mailops.Driver) ([]*mailops.Plan, error) {
	sf, err := spec.Parse(strings.NewReader(pf.Spec), pf.SpecFile)
	if err != nil {
		return nil, err
	}
	bases := make([]Basis, len(pf.Plans))
	for i, p := range pf.Plans {
		bases[i] = p.Basis
	}
	rebuilt, err := buildPlans(ctx, sf, d, bases)
	if err != nil {
		return nil, fmt.Errorf("apply: rebuild from the spec: %w", err)
	}
	if len(rebuilt) != len(pf.Plans) {
		return nil, fmt.Errorf("apply: the spec gives %d plans, the file holds %d", len(rebuilt), len(pf.Plans))
	}
	var out []*mailops.Plan
	for i, sp := range pf.Plans {
		rp := rebuilt[i].Plan
		if rp.Name != sp.Name || rp.Fingerprint() != sp.Fingerprint {
			return nil, fmt.Errorf("apply: plan %s rebuilt from its spec differs from the saved plan (this mailops builds it differently): run plan again", sp.Name)
		}
		checks := func(step string, action int, name string) (*mailops.Check, error) {
			for _, s := range rp.Steps {
				if s.ID == step && action < len(s.Actions) && s.Actions[action].Check != nil && s.Actions[action].Check.Name == name {
					return s.Actions[action].Check, nil
				}
			}
			return nil, fmt.Errorf("check %q of step %s: not in the plan rebuilt from the spec", name, step)
		}
		p, err := loadPlan(sp, checks)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// applyPlan runs a saved plan against d. A fresh run (no journal entries of
// these plans) first refuses a stale plan: the spec file changed, or any
// object the plan read reads differently now. A resumed run skips that test
// (the plan's own changes are there) and relies on the runner, which checks
// each operation before applying it and refuses to overwrite a change that
// is not the plan's own.
func applyPlan(ctx context.Context, pf *PlanFile, d mailops.Driver, opts applyOptions) ([]planSummary, error) {
	changed, err := specChanged(pf)
	if err != nil {
		return nil, err
	}
	if changed {
		return nil, &StaleError{SpecChanged: true}
	}
	resume, err := journalHasPlans(ctx, opts.Journal, pf)
	if err != nil {
		return nil, fmt.Errorf("apply: journal: %w", err)
	}
	if !resume {
		stale, err := staleReads(ctx, d, pf.Reads)
		if err != nil {
			return nil, fmt.Errorf("apply: %w", err)
		}
		if len(stale) > 0 {
			return nil, &StaleError{Objects: stale}
		}
	}
	plans, err := loadForApply(ctx, pf, d)
	if err != nil {
		return nil, err
	}
	sums := make([]planSummary, len(plans))
	for i, p := range plans {
		sum := &sums[i]
		sum.Name = p.Name
		r := &mailops.Runner{Driver: d, Clock: opts.Clock, Journal: opts.Journal, DNS: opts.DNS, Progress: func(pr mailops.Progress) {
			switch pr.Event {
			case "done":
				sum.Applied++
			case "already-done":
				sum.AlreadyDone++
			case "resumed":
				sum.Resumed++
			}
			if opts.Progress != nil {
				opts.Progress(pr)
			}
		}}
		if err := r.Run(ctx, p); err != nil {
			return sums[:i+1], err
		}
	}
	return sums, nil
}

// manualRecords resolves a manual DNS step's records for a person to
// publish: the ownership TXT record and late-bound values (the MX host from
// the domain's service records, the DKIM selector targets) are read from
// the tenant; a value that cannot be read yet says where it comes from.
func manualRecords(ctx context.Context, d mailops.Driver, c mailops.DNSChange) []string {
	dom, domErr := d.GetDomain(ctx, c.Domain)
	if c.AddVerification && domErr == nil {
		for _, r := range dom.VerificationRecords {
			if r.Type == "TXT" {
				c.Add = append(c.Add, r)
			}
		}
	}
	c.AddVerification = false
	bind := func(rs []mailops.DNSRecord) []mailops.DNSRecord {
		out := make([]mailops.DNSRecord, len(rs))
		for i, r := range rs {
			switch r.From {
			case mailops.FromServiceMX:
				if h, ok := dom.ServiceMX(); domErr == nil && ok {
					r.Value = h
				}
			case mailops.FromDKIMSelector1, mailops.FromDKIMSelector2:
				if cfg, err := d.GetDkimSigningConfig(ctx, c.Domain); err == nil {
					r.Value = cfg.Selector1CNAME
					if r.From == mailops.FromDKIMSelector2 {
						r.Value = cfg.Selector2CNAME
					}
				}
			}
			if r.Value == "" && r.From != "" {
				r.Value = "<" + r.From + ": not readable yet>"
			}
			out[i] = r
		}
		return out
	}
	c.Add, c.Remove = bind(c.Add), bind(c.Remove)
	return zoneLines(c)
}
