package runbook

import (
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// CutoverPlan builds the cutover plan from a spec. d is read by the plan's
// run-time checks (nil builds a plan for rendering only).
func CutoverPlan(spec CutoverSpec, d mailops.Driver) (*mailops.Plan, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	s := spec.withDefaults()
	dom := s.Domain
	b := newBuilder("cutover "+dom, s.Timing, d, s.Gates)
	conn := mailops.OutboundConnector{Name: "To " + dom + " on-premises", Type: mailops.OnPremises, RecipientDomains: []string{dom}, SmartHosts: []string{s.LegacyMX}, Enabled: true}

	b.stepAddDomain(dom, ProveOwnership)
	b.stepCutoverRelay(dom, conn)
	if err := b.stepAccounts(s); err != nil {
		return nil, err
	}
	b.stepAutodiscover(s)
	b.add(mailops.Step{
		ID: "parallel-run", Title: "Run both systems in parallel",
		Reason:  "users check their new mailboxes and clients while the on-premises server still receives everything",
		Actions: []mailops.Action{wait(s.ParallelRun, "parallel running")},
	})
	b.stepLowerTTL(s)
	b.stepCutoverSwitch(s)
	b.stepDepartments(s)
	b.stepSimpleDisplayNames(s)
	b.stepDeviceRelay(s)
	b.stepCutoverFinal(s, conn)
	b.add(mailops.Step{
		ID: "decommission", Title: "Stop the on-premises server",
		Reason:  "a month after the switch nothing reaches it any more: resolvers, queues and stragglers have moved on",
		Actions: []mailops.Action{wait(s.Decommission, "the legacy server keeps running a month after the switch")},
	})
	return b.p, b.p.Validate()
}

func secs(d time.Duration) int { return int(d / time.Second) }

// stepCutoverRelay relays what Exchange Online does not know to the
// on-premises server while both run.
func (b *builder) stepCutoverRelay(dom string, conn mailops.OutboundConnector) {
	b.add(mailops.Step{
		ID: "relay", Title: "Relay what Exchange Online does not know to the on-premises server",
		Reason: "while both run, addresses that exist only on-premises (department aliases, devices) must still receive mail " +
			"sent from inside Exchange Online: InternalRelay with a smart-host connector, never MX routing",
		Actions: []mailops.Action{
			op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
			op(mailops.CreateOutboundConnector{Connector: conn}),
			wait(max(b.t.DomainType, b.t.Connector), "the domain type and the connector reach mail flow"),
		},
		Rollback: []mailops.Action{op(mailops.DeleteOutboundConnector{Name: conn.Name}), op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay})},
	})
}

// stepAccounts creates everyone's mailbox (New-Mailbox; a licence must
// follow within the 30-day grace period) with an ASCII simple display name.
func (b *builder) stepAccounts(s CutoverSpec) error {
	acc := mailops.Step{
		ID: "accounts", Title: fmt.Sprintf("Create %d mailboxes with ASCII simple display names", len(s.Users)),
		Reason: "everyone gets an Exchange Online mailbox before any mail moves; external recipients will see the ASCII simple " +
			"display name instead of a Japanese display name that turns into mojibake abroad; assign each an Exchange Online " +
			"licence within 30 days (\"or it will be disabled when the 30-day grace period ends\", create-user-mailboxes)",
	}
	for _, u := range s.Users {
		r, err := s.recipient(u)
		if err != nil {
			return err
		}
		acc.Actions = append(acc.Actions, op(mailops.CreateRecipient{Recipient: r}))
	}
	if s.RelayAccount != "" {
		acc.Actions = append(acc.Actions, op(mailops.CreateRecipient{Recipient: mailops.Recipient{Address: s.RelayAccount, Kind: mailops.Mailbox, DisplayName: "Device relay", SimpleDisplayName: "Device relay"}}))
	}
	acc.Actions = append(acc.Actions, wait(b.t.Recipient, "new mailboxes reach mail flow"))
	b.add(acc)
	return nil
}

// stepAutodiscover publishes the autodiscover CNAME (or, in the unsafe
// variant, a low-priority Exchange Online MX).
func (b *builder) stepAutodiscover(s CutoverSpec) {
	dom := s.Domain
	cname := mailops.DNSRecord{Type: "CNAME", Label: "autodiscover", Value: "autodiscover.outlook.com", TTL: 3600}
	st := mailops.Step{
		ID: "autodiscover", Title: "Publish the autodiscover CNAME",
		Reason: "clients configure themselves for Exchange Online before the switch; not a low-priority Exchange Online MX, " +
			"which senders already on Exchange Online use whatever its preference",
		Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Add: []mailops.DNSRecord{cname}}}},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{cname}}}},
	}
	if s.Unsafe == UnsafeLowPriorityMX {
		low := serviceMX(s.LegacyMXPreference+10, 3600)
		st = mailops.Step{
			ID: "low-priority-mx", Title: "(unsafe) Add Exchange Online as a low-priority MX",
			Reason:   "the known-bad variant: senders on Exchange Online deliver to the tenant whatever the preference, into mailboxes nobody reads yet",
			Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Add: []mailops.DNSRecord{low}}}},
			Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{low}}}},
		}
	}
	b.add(st)
}

// stepLowerTTL lowers the legacy MX's TTL a full old TTL ahead.
func (b *builder) stepLowerTTL(s CutoverSpec) {
	legacyMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, secs(s.LegacyMXTTL))
	lowMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, secs(s.LowTTL))
	b.add(mailops.Step{
		ID: "lower-ttl", Title: "Lower the MX TTL ahead of the switch",
		Reason:   "resolvers cache the MX for its TTL; lowering it a full old-TTL ahead makes the switch take effect within minutes",
		Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: s.Domain, Remove: []mailops.DNSRecord{legacyMX}, Add: []mailops.DNSRecord{lowMX}}}, wait(s.LegacyMXTTL, "caches of the old, long-TTL MX expire")},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: s.Domain, Remove: []mailops.DNSRecord{lowMX}, Add: []mailops.DNSRecord{legacyMX}}}},
	})
}

// stepCutoverSwitch switches the MX to the host of the domain's service
// records.
func (b *builder) stepCutoverSwitch(s CutoverSpec) {
	dom := s.Domain
	lowMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, secs(s.LowTTL))
	swAdd := []mailops.DNSRecord{serviceMX(0, 3600), txtRecord("@", spf(s.LegacyMX), 3600)}
	swRemove := []mailops.DNSRecord{lowMX}
	if s.Unsafe == UnsafeLowPriorityMX {
		swRemove = append(swRemove, serviceMX(s.LegacyMXPreference+10, 3600))
	}
	if s.LegacySPF != "" {
		swRemove = append(swRemove, txtRecord("@", s.LegacySPF, 3600))
	}
	sw := mailops.Step{
		ID: "mx-switch", Title: "Switch the MX to Exchange Online",
		Reason: "Exchange Online receives the domain's mail from now on (at the MX host its service records name); the on-premises " +
			"server keeps receiving relayed mail for what Exchange Online does not know",
		Gate:     "afterwards every resolver sees only the Exchange Online MX",
		Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: swRemove, Add: swAdd}}, wait(s.LowTTL, "caches of the short-TTL legacy MX expire")},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: swAdd, Add: []mailops.DNSRecord{lowMX}}}},
	}
	sw.Actions = append(sw.Actions, b.mxGates(dom, "switched")...)
	b.add(sw)
}

// stepDepartments creates the department groups with their members, SendAs
// and ASCII simple display names.
func (b *builder) stepDepartments(s CutoverSpec) {
	if len(s.Departments) == 0 {
		return
	}
	deps := mailops.Step{
		ID: "departments", Title: fmt.Sprintf("Create %d department groups", len(s.Departments)),
		Reason: "shared department addresses become distribution groups with their members set in the creating call, no external " +
			"members, SendAs for the members so the group shows as the sender (under an ASCII simple display name outside), " +
			"and external senders accepted where the address receives outside mail",
	}
	for _, dp := range s.Departments {
		deps.Actions = append(deps.Actions, op(mailops.CreateGroup{Group: s.departmentGroup(dp)}))
		deps.Rollback = append(deps.Rollback, op(mailops.DeleteGroup{Group: dp.Address}))
	}
	if s.Unsafe == UnsafeEmptyGroup {
		deps.Actions = append(deps.Actions, wait(b.t.Group, "(unsafe) members are added only after the empty groups propagated"))
		for _, dp := range s.Departments {
			deps.Actions = append(deps.Actions, op(mailops.SetGroupMembers{Group: dp.Address, Members: dp.Members, From: []mailops.Address{}}))
		}
	}
	deps.Actions = append(deps.Actions, wait(b.t.Group, "new groups reach mail flow"))
	b.add(deps)
}

// stepSimpleDisplayNames turns on simple display names for the Default
// remote domain. AutoForwardEnabled is left alone (unset), and the rollback
// restores the settings read before the plan.
func (b *builder) stepSimpleDisplayNames(s CutoverSpec) {
	before := mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*"}
	if s.DefaultRemoteDomain != nil {
		before = *s.DefaultRemoteDomain
	}
	want := mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*", UseSimpleDisplayName: true}
	b.add(mailops.Step{
		ID: "simple-display-names", Title: "Show simple display names to external recipients",
		Reason: "the Default remote domain uses simple display names, so mail leaving the tenant carries the ASCII name; " +
			"automatic forwarding is not touched",
		Actions:  []mailops.Action{op(mailops.SetRemoteDomain{RemoteDomain: want})},
		Rollback: []mailops.Action{op(mailops.SetRemoteDomain{RemoteDomain: before})},
	})
}

// stepDeviceRelay checks the relay account exists; the relay itself runs
// outside Exchange Online.
func (b *builder) stepDeviceRelay(s CutoverSpec) {
	if s.RelayAccount == "" {
		return
	}
	st := mailops.Step{
		ID: "device-relay", Title: "Devices send through the relay",
		Reason: fmt.Sprintf("NAS, switches and business systems keep sending: the relay accepts without authentication only from %v on port 587 "+
			"and submits to Exchange Online as %s; it is never an open relay. Authenticated SMTP is off by default for tenants created "+
			"after January 2020 (Set-TransportConfig -SmtpClientAuthenticationDisabled): enable it for that mailbox only, by hand "+
			"(Set-CASMailbox -Identity %s -SmtpClientAuthenticationDisabled $false; not an operation of this plan, and Basic authentication "+
			"for SMTP AUTH is being retired, MC786329: plan OAuth or a connector-based relay)", s.DeviceNetworks, s.RelayAccount, s.RelayAccount),
		Gate: "the relay account's mailbox exists and may use authenticated SMTP",
	}
	st.Actions = append(st.Actions, b.check("relay account exists", b.t.Recipient*2, func(ctx context.Context, d mailops.Driver) error {
		_, err := d.GetRecipient(ctx, s.RelayAccount)
		return err
	})...)
	b.add(st)
}

// stepCutoverFinal makes the domain Authoritative, stops relaying, sets the
// final SPF and turns DKIM on.
func (b *builder) stepCutoverFinal(s CutoverSpec, conn mailops.OutboundConnector) {
	dom := s.Domain
	final := mailops.Step{
		ID: "authoritative", Title: "Make " + dom + " Authoritative and stop relaying",
		Reason: "every address exists in Exchange Online; unknown addresses are now rejected at the edge and the on-premises server receives nothing new",
		Gate:   "every department group exists",
	}
	final.Actions = append(final.Actions, b.check("every department group exists", b.t.Group*2, func(ctx context.Context, d mailops.Driver) error {
		for _, dp := range s.Departments {
			if _, err := d.GetGroup(ctx, dp.Address); err != nil {
				return fmt.Errorf("group %s: %w", dp.Address, err)
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
	final.Rollback = append(dkimBack, op(mailops.CreateOutboundConnector{Connector: conn}),
		op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
		mailops.Action{DNS: &mailops.DNSChange{Domain: dom, Remove: finalDNS.Add, Add: finalDNS.Remove}})
	b.add(final)
}
