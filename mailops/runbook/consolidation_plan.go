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
// those must be resolved first. d is read by the plan's run-time checks (nil
// builds a plan for rendering only).
func ConsolidationPlan(spec ConsolidationSpec, pf *Preflight, d mailops.Driver) (*mailops.Plan, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if pf == nil {
		return nil, &mailops.ValidationError{Field: "Preflight", Reason: "run the preflight first"}
	}
	if errs := pf.Errors(); len(errs) > 0 {
		return nil, &PreflightError{Findings: errs}
	}
	s := spec.withDefaults()
	b := newBuilder("consolidate "+s.Domain, s.Timing, d, s.Gates)
	mode := ProveOwnership
	switch {
	case pf.ParentVerified:
		mode = ParentVerified
	case pf.HeldUnmanaged && s.TakeOver:
		mode = TakeOver
	}
	b.stepAddDomain(s.Domain, mode)
	if s.AdminGroup.PrimaryAddress != "" {
		b.stepAdminGroup(s)
	}
	b.stepRelay(s.Domain, s.GapCheck)
	conn := mailops.OutboundConnector{Name: s.ConnectorName, Type: mailops.OnPremises, RecipientDomains: []string{s.Domain}, SmartHosts: []string{s.LegacyMX}, UseMXRecord: false, Enabled: true}
	b.stepConnector(s.Domain, conn)
	b.stepConsolidationSwitch(s)
	b.stepAddressGroups(s, pf)
	b.stepConsolidationFinal(s, conn)
	b.stepRestrictSenders(s)
	return b.p, b.p.Validate()
}

// PreflightError lists the preflight's error findings: the plan is not built
// until they are resolved.
type PreflightError struct {
	Findings []Finding
}

func (e *PreflightError) Error() string {
	msg := "runbook: the preflight found " + fmt.Sprint(len(e.Findings)) + " problem(s) to resolve first: " + e.Findings[0].Message
	for _, f := range e.Findings[1:] {
		msg += "; " + f.Message
	}
	return msg
}

// Is matches ErrDomainHeld when a finding says the domain cannot be added
// now, and ErrPreflight always.
func (e *PreflightError) Is(target error) bool {
	if target == ErrPreflight {
		return true
	}
	if target == ErrDomainHeld {
		for _, f := range e.Findings {
			if f.ID == "domain.held-elsewhere" || f.ID == "domain.release-pending" {
				return true
			}
		}
	}
	return false
}

// ErrPreflight means the preflight has error findings.
var ErrPreflight = errors.New("runbook: preflight failed")

// stepAdminGroup creates the department's admin group: a mail-enabled
// security group, because a group's owner "must be a mailbox, mail user or
// mail-enabled security group" (New-DistributionGroup -ManagedBy).
func (b *builder) stepAdminGroup(s ConsolidationSpec) {
	g := s.AdminGroup
	g.Type = mailops.Security
	b.add(mailops.Step{
		ID: "admin-group", Title: "Create the department's admin group (mail-enabled security group)",
		Reason: "every address group is owned by the department's admins, so they manage only their own domain's addresses; " +
			"an owner must be a mailbox, mail user or mail-enabled security group, never a distribution group",
		Actions:  []mailops.Action{op(mailops.CreateGroup{Group: g})},
		Rollback: []mailops.Action{op(mailops.DeleteGroup{Group: g.PrimaryAddress})},
	})
}

// stepConsolidationSwitch points the MX at Exchange Online (the host from
// the domain's service records) and adds Exchange Online to SPF.
func (b *builder) stepConsolidationSwitch(s ConsolidationSpec) {
	dom := s.Domain
	legacyMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, int(s.LegacyMXTTL/time.Second))
	switchDNS := &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{legacyMX},
		Add: []mailops.DNSRecord{serviceMX(0, int(s.NewMXTTL/time.Second)), txtRecord("@", spf(s.LegacyMX), 3600)}}
	if s.LegacySPF != "" {
		switchDNS.Remove = append(switchDNS.Remove, txtRecord("@", s.LegacySPF, 3600))
	}
	sw := mailops.Step{
		ID: "mx-switch", Title: "Point the MX of " + dom + " at Exchange Online",
		Reason: "from here Exchange Online receives the domain's mail and relays what it does not know to the legacy server; " +
			"the MX host is the one the domain's service records name (never built from the domain name); " +
			"SPF authorises both while the legacy server still sends",
		Gate:     "the connector has propagated; afterwards every resolver sees only the Exchange Online MX",
		Actions:  []mailops.Action{{DNS: switchDNS}},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: switchDNS.Add, Add: switchDNS.Remove}}},
	}
	sw.Actions = append(sw.Actions, wait(s.LegacyMXTTL, "resolvers drop the cached legacy MX (its TTL); the legacy server still receives meanwhile"))
	sw.Actions = append(sw.Actions, b.mxGates(dom, "switched")...)
	b.add(sw)
}

// stepAddressGroups creates one group per address, members set in the
// creating call, after removing forwarding that would loop.
func (b *builder) stepAddressGroups(s ConsolidationSpec, pf *Preflight) {
	st := mailops.Step{
		ID: "groups", Title: fmt.Sprintf("Create %d distribution groups, members set in the same call", len(s.Addresses)),
		Reason: "one group per address delivers to the people's main addresses; members are set in the creating call " +
			"because an empty group drops its mail; forwarding that points back at the address is removed first (a loop loses mail)",
		Gate: "the MX points at Exchange Online and the connector relays unknown addresses meanwhile",
	}
	fixes := 0
	if s.Unsafe != UnsafeForwardLoop {
		for _, a := range s.Addresses {
			for _, fix := range pf.LoopFixes[a.Address] {
				st.Actions = append(st.Actions, op(fix))
				fixes++
			}
		}
	}
	if fixes > 0 {
		// The fix must reach mail flow before the group does: a recipient
		// change can take longer to propagate than a new group.
		st.Actions = append(st.Actions, wait(b.t.Recipient, "the removed forwarding reaches mail flow before any group exists"))
	}
	if s.Unsafe != UnsafeForwardLoop {
		// Read again at run time: a loop set up after the preflight, or one
		// a lagging read hid from it, stops the plan here instead of looping
		// mail once the group exists.
		st.Actions = append(st.Actions, b.check("no target forwards back to its address", b.t.Recipient, func(ctx context.Context, d mailops.Driver) error {
			return noForwardingLoop(ctx, d, s.Addresses)
		})...)
	}
	var later []mailops.Action
	for _, a := range s.Addresses {
		g := addressGroup(s, a, s.Unsafe == UnsafeEmptyGroup)
		st.Actions = append(st.Actions, op(mailops.CreateGroup{Group: g}))
		if s.Unsafe == UnsafeEmptyGroup {
			later = append(later, op(mailops.SetGroupMembers{Group: a.Address, Members: a.Targets, From: []mailops.Address{}}))
		}
		st.Rollback = append(st.Rollback, op(mailops.DeleteGroup{Group: a.Address}))
	}
	if len(later) > 0 {
		st.Actions = append(st.Actions, wait(b.t.Group, "(unsafe) members are added only after the empty groups have propagated"))
		st.Actions = append(st.Actions, later...)
	}
	if s.Unsafe != UnsafeEarlyAuthoritative {
		st.Actions = append(st.Actions, wait(b.t.Group, "new groups and their members reach mail flow (up to an hour)"))
	}
	b.add(st)
}

// noForwardingLoop fails when a target forwards (by either forwarding
// field) to the address whose group delivers to it.
func noForwardingLoop(ctx context.Context, d mailops.Driver, addrs []AddressSpec) error {
	for _, a := range addrs {
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
}

// stepConsolidationFinal makes the domain Authoritative, retires the
// connector, sets the final SPF and turns DKIM on.
func (b *builder) stepConsolidationFinal(s ConsolidationSpec, conn mailops.OutboundConnector) {
	dom := s.Domain
	final := mailops.Step{
		ID: "authoritative", Title: "Make " + dom + " Authoritative and retire the connector",
		Reason: "every address now exists as a group in Exchange Online; Authoritative turns on edge blocking of unknown " +
			"addresses, and the connector to the legacy server is no longer needed",
		Gate: "every address's group exists and has propagated",
	}
	final.Actions = append(final.Actions, b.check("every address has its group", b.t.Group*2, func(ctx context.Context, d mailops.Driver) error {
		for _, a := range s.Addresses {
			if _, err := d.GetGroup(ctx, a.Address); err != nil {
				return fmt.Errorf("group %s: %w", a.Address, err)
			}
		}
		return nil
	})...)
	final.Actions = append(final.Actions,
		op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay}),
		wait(b.t.DomainType, "the domain type reaches mail flow before the connector goes"),
		op(mailops.DeleteOutboundConnector{Name: conn.Name}),
	)
	finalDNS := &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{txtRecord("@", spf(s.LegacyMX), 3600)}, Add: []mailops.DNSRecord{txtRecord("@", spf(), 3600)}}
	final.Actions = append(final.Actions, mailops.Action{DNS: finalDNS})
	dkim, dkimBack := dkimActions(dom, 3600)
	final.Actions = append(final.Actions, dkim...)
	final.Actions = append(final.Actions, b.stageGate(dom, "final")...)
	final.Rollback = append(dkimBack,
		op(mailops.CreateOutboundConnector{Connector: conn}),
		op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
		mailops.Action{DNS: &mailops.DNSChange{Domain: dom, Remove: finalDNS.Add, Add: finalDNS.Remove}},
	)
	b.add(final)
}

// stepRestrictSenders requires authenticated senders at internal-only
// addresses once the senders' retry horizon has passed.
func (b *builder) stepRestrictSenders(s ConsolidationSpec) {
	restrict := mailops.Step{
		ID: "restrict-senders", Title: "Accept only internal senders at internal-only addresses",
		Reason: "the groups were created open because mail queued before the switch (internal mail too) can come back in through the edge " +
			"as external mail for as long as senders retry; once their horizon has passed, internal-only addresses go back to Exchange Online's default",
		Actions: []mailops.Action{wait(b.t.SenderHorizon, "senders' queues from before the switch have drained (their give-up horizon)")},
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
		b.add(restrict)
	}
}
