package runbook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// ConsolidationPlan builds the consolidation plan (DESIGN.md section 8) from a
// spec and its preflight. A preflight with error findings gives an error:
// those must be resolved first.
func ConsolidationPlan(spec ConsolidationSpec, pf *Preflight, d mailops.Driver) (*mailops.Plan, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if pf == nil {
		return nil, &mailops.ValidationError{Field: "Preflight", Reason: "run the preflight first"}
	}
	if errs := pf.Errors(); len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrDomainHeld, errs[0].Message)
	}
	s := spec.withDefaults()
	t := s.Timing
	dom := s.Domain
	exoMX := EXOMXHost(dom)
	legacyMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, int(s.LegacyMXTTL/time.Second))
	newMX := mxRecord(exoMX, 0, int(s.NewMXTTL/time.Second))

	p := &mailops.Plan{Name: "consolidate " + dom}
	step := func(st mailops.Step) { p.Steps = append(p.Steps, st) }
	wait := func(d time.Duration, why string) mailops.Action {
		return mailops.Action{Wait: &mailops.Wait{For: d, Reason: why}}
	}
	op := func(o mailops.Operation) mailops.Action { return mailops.Action{Op: o} }
	gate := func(name string, run func(ctx context.Context) error) []mailops.Action {
		if run == nil {
			return nil
		}
		return []mailops.Action{{Check: &mailops.Check{Name: name, Run: run, Poll: t.DNSPoll, Timeout: t.DNSTimeout}}}
	}

	step(mailops.Step{
		ID: "admin-group", Title: "Create the department's admin group",
		Reason:   "every address group is owned by the department's admins, so they manage only their own domain's addresses",
		Actions:  []mailops.Action{op(mailops.CreateGroup{Group: s.AdminGroup})},
		Rollback: []mailops.Action{op(mailops.DeleteGroup{Group: s.AdminGroup.PrimaryAddress})},
	})

	add := mailops.Step{
		ID: "add-domain", Title: "Add " + dom + " to the tenant",
		Reason:   "the domain must be an accepted domain before Exchange Online can relay or receive for it",
		Gate:     "the domain is not held by another tenant; its ownership TXT record is visible to resolvers",
		Actions:  []mailops.Action{op(mailops.AddDomain{Name: dom})},
		Rollback: []mailops.Action{op(mailops.RemoveDomain{Name: dom})},
	}
	if pf.ParentVerified {
		add.Reason += "; the parent domain is verified, so no ownership proof is needed"
	} else {
		add.Actions = append(add.Actions, mailops.Action{DNS: &mailops.DNSChange{Domain: dom, AddVerification: true}})
		if s.Gates.Ownership != nil {
			add.Actions = append(add.Actions, gate("ownership TXT visible for "+dom, func(ctx context.Context) error { return s.Gates.Ownership(ctx, dom) })...)
		}
	}
	add.Actions = append(add.Actions, op(mailops.VerifyDomain{Name: dom}))
	step(add)

	step(mailops.Step{
		ID: "relay", Title: "Make " + dom + " InternalRelay at once",
		Reason: "a new domain is Authoritative: until it relays, Exchange Online bounces mail to every address it does not know " +
			"(tenant users, and partners on Exchange Online that deliver to the owning tenant, send there before the MX moves)",
		Gate: "the domain is verified",
		Actions: []mailops.Action{
			op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
			wait(t.DomainType, "the domain type reaches mail flow (\"a few minutes\")"),
		},
		Rollback: []mailops.Action{op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay})},
	})

	conn := mailops.OutboundConnector{Name: s.ConnectorName, Type: mailops.OnPremises, RecipientDomains: []string{dom}, SmartHosts: []string{s.LegacyMX}, UseMXRecord: false, Enabled: true}
	step(mailops.Step{
		ID: "connector", Title: "Relay " + dom + " to " + s.LegacyMX + " by smart host",
		Reason: "InternalRelay needs a connector to the legacy server; by smart host, not MX, because once the MX points at " +
			"Exchange Online, MX routing loops back until 5.4.14",
		Actions: []mailops.Action{
			op(mailops.CreateOutboundConnector{Connector: conn}),
			wait(t.Connector, "the connector reaches mail flow (up to an hour)"),
		},
		Rollback: []mailops.Action{op(mailops.DeleteOutboundConnector{Name: conn.Name})},
	})

	switchDNS := &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{legacyMX}, Add: []mailops.DNSRecord{newMX, txtRecord("@", spf(s.LegacyMX), 3600)}}
	if s.LegacySPF != "" {
		switchDNS.Remove = append(switchDNS.Remove, txtRecord("@", s.LegacySPF, 3600))
	}
	sw := mailops.Step{
		ID: "mx-switch", Title: "Point the MX of " + dom + " at Exchange Online",
		Reason: "from here Exchange Online receives the domain's mail and relays what it does not know to the legacy server; " +
			"SPF authorises both while the legacy server still sends",
		Gate:     "the connector has propagated; afterwards every resolver sees only the Exchange Online MX",
		Actions:  []mailops.Action{{DNS: switchDNS}},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: switchDNS.Add, Add: switchDNS.Remove}}},
	}
	sw.Actions = append(sw.Actions, wait(s.LegacyMXTTL, "resolvers drop the cached legacy MX (its TTL); the legacy server still receives meanwhile"))
	if s.Gates.MX != nil {
		sw.Actions = append(sw.Actions, gate("every resolver sees only "+exoMX, func(ctx context.Context) error { return s.Gates.MX(ctx, dom, []string{exoMX}) })...)
	}
	if s.Gates.Stage != nil {
		sw.Actions = append(sw.Actions, gate("DNS of "+dom+" has no error for stage switched", func(ctx context.Context) error { return s.Gates.Stage(ctx, dom, "switched") })...)
	}
	step(sw)

	groups := mailops.Step{
		ID: "groups", Title: fmt.Sprintf("Create %d distribution groups, members set in the same call", len(s.Addresses)),
		Reason: "one group per address delivers to the people's main addresses; members are set in the creating call " +
			"because an empty group drops its mail; forwarding that points back at the address is removed first (a loop loses mail)",
		Gate: "the MX points at Exchange Online and the connector relays unknown addresses meanwhile",
	}
	var later []mailops.Action
	fixes := 0
	if s.Unsafe != UnsafeForwardLoop {
		for _, a := range s.Addresses {
			for _, fix := range pf.LoopFixes[a.Address] {
				groups.Actions = append(groups.Actions, op(fix))
				fixes++
			}
		}
	}
	if fixes > 0 {
		// The fix must reach mail flow before the group does: a recipient
		// change can take longer to propagate than a new group.
		groups.Actions = append(groups.Actions, wait(t.Recipient, "the removed forwarding reaches mail flow before any group exists"))
	}
	if s.Unsafe != UnsafeForwardLoop && d != nil {
		// Read again at run time: a loop set up after the preflight, or one
		// a lagging read hid from it, stops the plan here instead of looping
		// mail once the group exists.
		groups.Actions = append(groups.Actions, mailops.Action{Check: &mailops.Check{
			Name: "no target forwards back to its address",
			Run: func(ctx context.Context) error {
				for _, a := range s.Addresses {
					for _, t := range a.Targets {
						r, err := d.GetRecipient(ctx, t)
						if errors.Is(err, mailops.ErrNotFound) {
							continue
						}
						if err != nil {
							return err
						}
						if slices.Contains(r.Forwarding().Targets(), a.Address) {
							return fmt.Errorf("%s forwards to %s, whose group will deliver back to it", t, a.Address)
						}
					}
				}
				return nil
			}, Poll: t.DNSPoll, Timeout: t.Recipient}})
	}
	for _, a := range s.Addresses {
		g := addressGroup(s, a, s.Unsafe == UnsafeEmptyGroup)
		groups.Actions = append(groups.Actions, op(mailops.CreateGroup{Group: g}))
		if s.Unsafe == UnsafeEmptyGroup {
			later = append(later, op(mailops.SetGroupMembers{Group: a.Address, Members: a.Targets, From: []mailops.Address{}}))
		}
		groups.Rollback = append(groups.Rollback, op(mailops.DeleteGroup{Group: a.Address}))
	}
	if len(later) > 0 {
		groups.Actions = append(groups.Actions, wait(t.Group, "(unsafe) members are added only after the empty groups have propagated"))
		groups.Actions = append(groups.Actions, later...)
	}
	if s.Unsafe != UnsafeEarlyAuthoritative {
		groups.Actions = append(groups.Actions, wait(t.Group, "new groups and their members reach mail flow (up to an hour)"))
	}
	step(groups)

	final := mailops.Step{
		ID: "authoritative", Title: "Make " + dom + " Authoritative and retire the connector",
		Reason: "every address now exists as a group in Exchange Online; Authoritative turns on edge blocking of unknown " +
			"addresses, and the connector to the legacy server is no longer needed",
		Gate: "every address's group exists and has propagated",
		Actions: []mailops.Action{{Check: &mailops.Check{Name: "every address has its group", Run: func(ctx context.Context) error {
			for _, a := range s.Addresses {
				if _, err := d.GetGroup(ctx, a.Address); err != nil {
					return fmt.Errorf("group %s: %w", a.Address, err)
				}
			}
			return nil
		}, Poll: t.DNSPoll, Timeout: t.Group * 2}}},
	}
	final.Actions = append(final.Actions,
		op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay}),
		wait(t.DomainType, "the domain type reaches mail flow before the connector goes"),
		op(mailops.DeleteOutboundConnector{Name: conn.Name}),
	)
	finalDNS := &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{txtRecord("@", spf(s.LegacyMX), 3600)}, Add: []mailops.DNSRecord{txtRecord("@", spf(), 3600)}}
	if s.InitialDomain != "" {
		finalDNS.Add = append(finalDNS.Add, dkimRecords(dom, s.InitialDomain, 3600)...)
	}
	final.Actions = append(final.Actions, mailops.Action{DNS: finalDNS})
	if s.Gates.Stage != nil {
		final.Actions = append(final.Actions, gate("DNS of "+dom+" has no error for stage final", func(ctx context.Context) error { return s.Gates.Stage(ctx, dom, "final") })...)
	}
	final.Rollback = []mailops.Action{
		op(mailops.CreateOutboundConnector{Connector: conn}),
		op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
		{DNS: &mailops.DNSChange{Domain: dom, Remove: finalDNS.Add, Add: finalDNS.Remove}},
	}
	step(final)

	restrict := mailops.Step{
		ID: "restrict-senders", Title: "Accept only internal senders at internal-only addresses",
		Reason: "the groups were created open because mail queued before the switch (internal mail too) can come back in through the edge " +
			"as external mail for as long as senders retry; once their horizon has passed, internal-only addresses go back to Exchange Online's default",
		Actions: []mailops.Action{wait(t.SenderHorizon, "senders' queues from before the switch have drained (their give-up horizon)")},
	}
	for _, a := range s.Addresses {
		if a.External || s.Unsafe == UnsafeSenderAuth {
			continue
		}
		open := false
		restrict.Actions = append(restrict.Actions, op(mailops.SetGroupSenderAuthentication{Group: a.Address, Require: true, From: &open}))
		restrict.Rollback = append(restrict.Rollback, op(mailops.SetGroupSenderAuthentication{Group: a.Address, Require: false}))
	}
	if len(restrict.Actions) > 1 {
		step(restrict)
	}
	return p, p.Validate()
}
