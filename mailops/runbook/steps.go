package runbook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// builder accumulates a plan's steps. Each step function below builds one
// step, with its reason, gate and rollback, so that the consolidation, the
// cutover and the list-domain runbooks share them.
type builder struct {
	p     *mailops.Plan
	t     Timing
	d     mailops.Driver // nil when the plan is only rendered
	gates Gates
}

func newBuilder(name string, t Timing, d mailops.Driver, g Gates) *builder {
	return &builder{p: &mailops.Plan{Name: name}, t: t, d: d, gates: g}
}

func (b *builder) add(s mailops.Step) { b.p.Steps = append(b.p.Steps, s) }

func op(o mailops.Operation) mailops.Action { return mailops.Action{Op: o} }

func wait(d time.Duration, why string) mailops.Action {
	return mailops.Action{Wait: &mailops.Wait{For: d, Reason: why}}
}

// dnsGate is a DNS gate action, or nothing when the gate is not configured.
func (b *builder) dnsGate(name string, run func(ctx context.Context) error) []mailops.Action {
	if run == nil {
		return nil
	}
	return []mailops.Action{{Check: &mailops.Check{Name: name, Run: run, Poll: b.t.DNSPoll, Timeout: b.t.DNSTimeout}}}
}

// check is a run-time check through the driver, polled every DNSPoll.
func (b *builder) check(name string, timeout time.Duration, run func(ctx context.Context, d mailops.Driver) error) []mailops.Action {
	return b.checkEvery(name, b.t.DNSPoll, timeout, run)
}

// checkEvery is a run-time check through the driver polled every poll; a
// plan built without a driver (for rendering) fails it when run.
func (b *builder) checkEvery(name string, poll, timeout time.Duration, run func(ctx context.Context, d mailops.Driver) error) []mailops.Action {
	if b.d == nil {
		return []mailops.Action{{Check: &mailops.Check{Name: name, Run: func(context.Context) error {
			return errors.New("runbook: plan built without a driver cannot run its checks")
		}, Poll: poll, Timeout: timeout}}}
	}
	d := b.d
	return []mailops.Action{{Check: &mailops.Check{Name: name, Run: func(ctx context.Context) error { return run(ctx, d) }, Poll: poll, Timeout: timeout}}}
}

// AcceptedPoll is how often the runbook reads whether Exchange has made the
// domain an accepted domain: the domain is Authoritative from then until
// InternalRelay reaches mail flow, so the sooner the runbook sees it the
// shorter that gap.
const AcceptedPoll = 30 * time.Second

// DomainMode says how the runbook makes the domain the tenant's.
type DomainMode string

// Domain modes.
const (
	// ProveOwnership publishes the ownership TXT record and verifies.
	ProveOwnership DomainMode = "prove"
	// ParentVerified: a parent domain is verified in the tenant, so the
	// domain is verified at once ("If a root domain is verified,
	// subdomains of the root domain are automatically verified",
	// domain-post-domains).
	ParentVerified DomainMode = "parent-verified"
	// TakeOver: an unmanaged (self-service) tenant holds the domain; the
	// runbook takes it over (Entra's external admin takeover) instead of
	// waiting for a release.
	TakeOver DomainMode = "takeover"
)

// stepAddDomain adds the domain, makes it verified (by proof, by its
// verified parent, or by external takeover), enables Email on it, and waits
// until Exchange Online has made it an accepted domain. Nothing in any plan
// changes the tenant before this step: if the domain cannot be ours, the run
// stops here with nothing to undo.
func (b *builder) stepAddDomain(dom string, mode DomainMode) {
	s := mailops.Step{
		ID: "add-domain", Title: "Add " + dom + " to the tenant and make it an accepted domain",
		Reason: "the domain must be the tenant's before anything else changes; verification through Graph does not configure " +
			"Exchange, so Email is added to its supported services and the runbook waits for the accepted domain to appear",
		Gate:     "the domain is not held by another tenant; its ownership TXT record is visible to resolvers",
		Actions:  []mailops.Action{op(mailops.AddDomain{Name: dom})},
		Rollback: []mailops.Action{op(mailops.RemoveDomain{Name: dom})},
	}
	switch mode {
	case ParentVerified:
		s.Reason += "; the parent domain is verified, so no ownership proof is needed"
	default:
		s.Actions = append(s.Actions, mailops.Action{DNS: &mailops.DNSChange{Domain: dom, AddVerification: true}})
		if b.gates.Ownership != nil {
			s.Actions = append(s.Actions, b.dnsGate("ownership TXT visible for "+dom, func(ctx context.Context) error { return b.gates.Ownership(ctx, dom) })...)
		}
	}
	if mode == TakeOver {
		s.Reason += "; an unmanaged (self-service) tenant holds it, so it is taken over (external admin takeover), " +
			"which moves that tenant's users on the domain here"
		s.Actions = append(s.Actions, op(mailops.TakeOverDomain{Name: dom}))
	} else {
		s.Actions = append(s.Actions, op(mailops.VerifyDomain{Name: dom}))
	}
	s.Actions = append(s.Actions, op(mailops.EnableEmail{Name: dom}))
	s.Actions = append(s.Actions, b.checkEvery("Exchange Online lists "+dom+" as an accepted domain (Get-AcceptedDomain)", AcceptedPoll, mailops.AcceptedTimeout,
		func(ctx context.Context, d mailops.Driver) error {
			got, err := d.GetDomain(ctx, dom)
			if err != nil {
				return err
			}
			if !got.Accepted() {
				return fmt.Errorf("%s is not an accepted domain yet", dom)
			}
			return nil
		})...)
	b.add(s)
}

// stepRelay makes the domain InternalRelay at once and, where the spec asks,
// lists what bounced in the gap before it reached mail flow.
func (b *builder) stepRelay(dom string, gap *GapCheck) {
	s := mailops.Step{
		ID: "relay", Title: "Make " + dom + " InternalRelay at once",
		Reason: "a new accepted domain is Authoritative: until it relays, Exchange Online bounces mail to every address it does not know " +
			"(tenant users, and partners on Exchange Online that deliver to the owning tenant, send there before the MX moves)",
		Gate: "the domain is an accepted domain",
		Actions: []mailops.Action{
			op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
			wait(b.t.DomainType, "the domain type reaches mail flow (\"a few minutes\")"),
		},
		Rollback: []mailops.Action{op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay})},
	}
	if gap != nil {
		s.Actions = append(s.Actions, b.gapCheck(dom, gap)...)
	}
	b.add(s)
}

// stepConnector creates the outbound connector to the legacy host by smart
// host.
func (b *builder) stepConnector(dom string, conn mailops.OutboundConnector) {
	b.add(mailops.Step{
		ID: "connector", Title: "Relay " + dom + " to " + conn.SmartHosts[0] + " by smart host",
		Reason: "InternalRelay needs a connector to the legacy server; by smart host, not MX, because once the MX points at " +
			"Exchange Online, MX routing loops back until 5.4.14",
		Actions: []mailops.Action{
			op(mailops.CreateOutboundConnector{Connector: conn}),
			wait(b.t.Connector, "the connector reaches mail flow (up to an hour)"),
		},
		Rollback: []mailops.Action{op(mailops.DeleteOutboundConnector{Name: conn.Name})},
	})
}

// serviceMX is the domain's Exchange Online MX record: its host comes from
// the domain's service records when the change is applied, never from a
// pattern (since July 2026 new domains get hosts under mx.microsoft,
// MC1048624).
func serviceMX(pref, ttl int) mailops.DNSRecord {
	return mailops.DNSRecord{Type: "MX", Label: "@", Preference: pref, TTL: ttl, From: mailops.FromServiceMX}
}

// mxGates are the gates after an MX change: every resolver sees only the
// host of the domain's MX service record (read at run time), and the
// domain's DNS has no error for the stage.
func (b *builder) mxGates(dom, stage string) []mailops.Action {
	var out []mailops.Action
	if b.gates.MX != nil && b.d != nil {
		d := b.d
		out = append(out, b.dnsGate("every resolver sees only the MX host of "+dom+"'s service records", func(ctx context.Context) error {
			got, err := d.GetDomain(ctx, dom)
			if err != nil {
				return err
			}
			host, ok := got.ServiceMX()
			if !ok {
				return fmt.Errorf("%s has no MX service record", dom)
			}
			return b.gates.MX(ctx, dom, []string{host})
		})...)
	}
	return append(out, b.stageGate(dom, stage)...)
}

// stageGate: the domain's DNS has no error finding for the stage.
func (b *builder) stageGate(dom, stage string) []mailops.Action {
	if b.gates.Stage == nil {
		return nil
	}
	return b.dnsGate("DNS of "+dom+" has no error for stage "+stage, func(ctx context.Context) error { return b.gates.Stage(ctx, dom, stage) })
}

// dkimActions create the DKIM keys, publish the selector CNAMEs the service
// names (Selector1CNAME/Selector2CNAME) and enable signing.
func dkimActions(dom string, ttl int) (actions, rollback []mailops.Action) {
	recs := []mailops.DNSRecord{
		{Type: "CNAME", Label: "selector1._domainkey", TTL: ttl, From: mailops.FromDKIMSelector1},
		{Type: "CNAME", Label: "selector2._domainkey", TTL: ttl, From: mailops.FromDKIMSelector2},
	}
	actions = []mailops.Action{
		op(mailops.CreateDkimSigningConfig{Domain: dom}),
		{DNS: &mailops.DNSChange{Domain: dom, Add: recs}},
		op(mailops.SetDkimSigning{Domain: dom, Enabled: true}),
	}
	rollback = []mailops.Action{op(mailops.SetDkimSigning{Domain: dom, Enabled: false})}
	return actions, rollback
}
