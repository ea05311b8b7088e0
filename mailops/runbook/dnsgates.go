package runbook

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/dnscheck"
)

// DNSGates builds the runbook's gates from dnscheck, asking every resolver
// (one per vantage point: the senders that matter). template supplies the
// checks' context (initial domain for DKIM, legacy hosts that still send);
// findings whose id is in ignore do not close a gate (for example
// "autodiscover.missing" for a departmental domain that holds no mailboxes).
func DNSGates(template dnscheck.Spec, ignore []string, resolvers ...dnscheck.Exchanger) Gates {
	skip := map[string]bool{}
	for _, id := range ignore {
		skip[id] = true
	}
	return Gates{
		Ownership: func(ctx context.Context, domain string) error {
			for i, r := range resolvers {
				spec := template
				spec.Domain, spec.Stage, spec.Verified = domain, dnscheck.Before, false
				rep, err := dnscheck.Check(ctx, r, spec)
				if err != nil {
					return err
				}
				for _, f := range rep.Findings {
					if strings.HasPrefix(f.ID, "ownership.") && f.Severity == dnscheck.Error || f.ID == "lookup-failed" {
						return fmt.Errorf("resolver %d: %s: %s", i, f.ID, f.Message)
					}
				}
			}
			return nil
		},
		MX: func(ctx context.Context, domain string, want []string) error {
			w := slices.Clone(want)
			slices.Sort(w)
			for i, r := range resolvers {
				got, err := dnscheck.LookupMX(ctx, r, domain)
				if err != nil {
					return fmt.Errorf("resolver %d: %w", i, err)
				}
				slices.Sort(got)
				if !slices.Equal(got, w) {
					return fmt.Errorf("resolver %d still sees MX %v for %s", i, got, domain)
				}
			}
			return nil
		},
		Stage: func(ctx context.Context, domain, stage string) error {
			st, err := dnscheck.ParseStage(stage)
			if err != nil {
				return err
			}
			for i, r := range resolvers {
				spec := template
				spec.Domain, spec.Stage, spec.Verified = domain, st, true
				rep, err := dnscheck.Check(ctx, r, spec)
				if err != nil {
					return err
				}
				for _, f := range rep.Errors() {
					if !skip[f.ID] {
						return fmt.Errorf("resolver %d: %s: %s", i, f.ID, f.Message)
					}
				}
			}
			return nil
		},
	}
}
