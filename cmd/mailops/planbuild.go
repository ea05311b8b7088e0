package main

import (
	"context"
	"fmt"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// builtPlan is one plan and its basis.
type builtPlan struct {
	Plan  *mailops.Plan
	Basis Basis
}

// buildPlans builds the spec's plans. d reads the tenant (nil: render only,
// no preflight, checks that cannot run). bases, when given, replace the
// preflight (apply rebuilding a saved plan): one per plan, in order.
func buildPlans(ctx context.Context, sf *spec.File, d mailops.Driver, bases []Basis) ([]builtPlan, error) {
	basis := func(i int) (Basis, bool) {
		if bases == nil {
			return Basis{}, false
		}
		if i >= len(bases) {
			return Basis{}, true
		}
		return bases[i], true
	}
	var out []builtPlan
	switch sf.Kind {
	case spec.Consolidation, spec.University:
		rbs, err := sf.ConsolidationRunbooks()
		if err != nil {
			return nil, err
		}
		for i, s := range rbs {
			b, saved := basis(i)
			var pf *runbook.Preflight
			switch {
			case saved:
				pf, err = b.Preflight()
			case d != nil:
				var own runbook.Ownership
				if o, ok := d.(runbook.Ownership); ok {
					own = o
				}
				pf, err = runbook.RunPreflight(ctx, d, s, own)
				if err == nil {
					b, err = basisOf(pf)
				}
			default:
				pf = &runbook.Preflight{}
			}
			if err != nil {
				return nil, fmt.Errorf("plan %s: %w", s.Domain, err)
			}
			p, err := runbook.ConsolidationPlan(s, pf, d)
			if err != nil {
				return nil, fmt.Errorf("plan %s: %w", s.Domain, err)
			}
			out = append(out, builtPlan{Plan: p, Basis: b})
		}
	case spec.Cutover:
		s, err := sf.CutoverRunbook()
		if err != nil {
			return nil, err
		}
		b, saved := basis(0)
		switch {
		case saved:
			s.DefaultRemoteDomain = b.DefaultRemoteDomain
		case d != nil:
			if err := runbook.ObserveCutover(ctx, d, &s); err != nil {
				return nil, fmt.Errorf("plan %s: %w", s.Domain, err)
			}
			b.DefaultRemoteDomain = s.DefaultRemoteDomain
		}
		p, err := runbook.CutoverPlan(s, d)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", s.Domain, err)
		}
		out = append(out, builtPlan{Plan: p, Basis: b})
	case spec.ListDomain:
		s, err := sf.ListDomainRunbook()
		if err != nil {
			return nil, err
		}
		p, err := runbook.ListDomainPlan(s, d)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", s.Domain, err)
		}
		out = append(out, builtPlan{Plan: p})
	default:
		return nil, fmt.Errorf("plan: kind %q has no runbook", sf.Kind)
	}
	return out, nil
}

// basisOf keeps what a consolidation preflight learned.
func basisOf(pf *runbook.Preflight) (Basis, error) {
	b := Basis{ParentVerified: pf.ParentVerified, HeldUnmanaged: pf.HeldUnmanaged, Findings: pf.Findings}
	for a, ops := range pf.LoopFixes {
		for _, op := range ops {
			e, err := mailops.EncodeOperation(op)
			if err != nil {
				return Basis{}, err
			}
			if b.LoopFixes == nil {
				b.LoopFixes = map[string][]mailops.EncodedOperation{}
			}
			b.LoopFixes[string(a)] = append(b.LoopFixes[string(a)], e)
		}
	}
	return b, nil
}
