package runbook

import (
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// CutoverPlan builds the cutover plan from a spec. d is used by the gate that
// checks every department group exists before the domain goes Authoritative.
func CutoverPlan(spec CutoverSpec, d mailops.Driver) (*mailops.Plan, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	s := spec.withDefaults()
	t := s.Timing
	dom := s.Domain
	exoMX := EXOMXHost(dom)
	secs := func(d time.Duration) int { return int(d / time.Second) }
	legacyMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, secs(s.LegacyMXTTL))
	lowMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, secs(s.LowTTL))
	newMX := mxRecord(exoMX, 0, 3600)
	conn := mailops.OutboundConnector{Name: "To " + dom + " on-premises", Type: mailops.OnPremises, RecipientDomains: []string{dom}, SmartHosts: []string{s.LegacyMX}, Enabled: true}

	op := func(o mailops.Operation) mailops.Action { return mailops.Action{Op: o} }
	wait := func(d time.Duration, why string) mailops.Action {
		return mailops.Action{Wait: &mailops.Wait{For: d, Reason: why}}
	}
	gate := func(name string, run func(ctx context.Context) error) []mailops.Action {
		if run == nil {
			return nil
		}
		return []mailops.Action{{Check: &mailops.Check{Name: name, Run: run, Poll: t.DNSPoll, Timeout: t.DNSTimeout}}}
	}
	p := &mailops.Plan{Name: "cutover " + dom}
	step := func(st mailops.Step) { p.Steps = append(p.Steps, st) }

	add := mailops.Step{
		ID: "add-domain", Title: "Add and verify " + dom,
		Reason:   "the tenant must own the domain before it can hold mailboxes for it",
		Gate:     "the ownership TXT record is visible to resolvers",
		Actions:  []mailops.Action{op(mailops.AddDomain{Name: dom}), {DNS: &mailops.DNSChange{Domain: dom, AddVerification: true}}},
		Rollback: []mailops.Action{op(mailops.RemoveDomain{Name: dom})},
	}
	if s.Gates.Ownership != nil {
		add.Actions = append(add.Actions, gate("ownership TXT visible for "+dom, func(ctx context.Context) error { return s.Gates.Ownership(ctx, dom) })...)
	}
	add.Actions = append(add.Actions, op(mailops.VerifyDomain{Name: dom}))
	step(add)

	step(mailops.Step{
		ID: "relay", Title: "Relay what Exchange Online does not know to the on-premises server",
		Reason: "while both run, addresses that exist only on-premises (department aliases, devices) must still receive mail " +
			"sent from inside Exchange Online: InternalRelay with a smart-host connector, never MX routing",
		Actions: []mailops.Action{
			op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative}),
			op(mailops.CreateOutboundConnector{Connector: conn}),
			wait(max(t.DomainType, t.Connector), "the domain type and the connector reach mail flow"),
		},
		Rollback: []mailops.Action{op(mailops.DeleteOutboundConnector{Name: conn.Name}), op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay})},
	})

	acc := mailops.Step{
		ID: "accounts", Title: fmt.Sprintf("Create %d mailboxes with ASCII simple display names", len(s.Users)),
		Reason: "everyone gets an Exchange Online mailbox before any mail moves; external recipients will see the ASCII simple " +
			"display name instead of a Japanese display name that turns into mojibake abroad",
	}
	for _, u := range s.Users {
		r, err := s.recipient(u)
		if err != nil {
			return nil, err
		}
		acc.Actions = append(acc.Actions, op(mailops.CreateRecipient{Recipient: r}))
	}
	if s.RelayAccount != "" {
		acc.Actions = append(acc.Actions, op(mailops.CreateRecipient{Recipient: mailops.Recipient{Address: s.RelayAccount, Kind: mailops.Mailbox, DisplayName: "Device relay", SimpleDisplayName: "Device relay"}}))
	}
	acc.Actions = append(acc.Actions, wait(t.Recipient, "new mailboxes reach mail flow"))
	step(acc)

	clients := mailops.Step{
		ID: "autodiscover", Title: "Publish the autodiscover CNAME",
		Reason: "clients configure themselves for Exchange Online before the switch; not a low-priority Exchange Online MX, " +
			"which senders already on Exchange Online use whatever its preference",
		Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Add: []mailops.DNSRecord{{Type: "CNAME", Label: "autodiscover", Value: "autodiscover.outlook.com", TTL: 3600}}}}},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{{Type: "CNAME", Label: "autodiscover", Value: "autodiscover.outlook.com", TTL: 3600}}}}},
	}
	if s.Unsafe == UnsafeLowPriorityMX {
		clients = mailops.Step{
			ID: "low-priority-mx", Title: "(unsafe) Add Exchange Online as a low-priority MX",
			Reason:   "the known-bad variant: senders on Exchange Online deliver to the tenant whatever the preference, into mailboxes nobody reads yet",
			Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Add: []mailops.DNSRecord{mxRecord(exoMX, s.LegacyMXPreference+10, 3600)}}}},
			Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{mxRecord(exoMX, s.LegacyMXPreference+10, 3600)}}}},
		}
	}
	step(clients)

	step(mailops.Step{
		ID: "parallel-run", Title: "Run both systems in parallel",
		Reason:  "users check their new mailboxes and clients while the on-premises server still receives everything",
		Actions: []mailops.Action{wait(s.ParallelRun, "parallel running")},
	})

	step(mailops.Step{
		ID: "lower-ttl", Title: "Lower the MX TTL ahead of the switch",
		Reason:   "resolvers cache the MX for its TTL; lowering it a full old-TTL ahead makes the switch take effect within minutes",
		Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{legacyMX}, Add: []mailops.DNSRecord{lowMX}}}, wait(s.LegacyMXTTL, "caches of the old, long-TTL MX expire")},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{lowMX}, Add: []mailops.DNSRecord{legacyMX}}}},
	})

	swAdd := []mailops.DNSRecord{newMX, txtRecord("@", spf(s.LegacyMX), 3600)}
	swRemove := []mailops.DNSRecord{lowMX}
	if s.Unsafe == UnsafeLowPriorityMX {
		swRemove = append(swRemove, mxRecord(exoMX, s.LegacyMXPreference+10, 3600))
	}
	if s.LegacySPF != "" {
		swRemove = append(swRemove, txtRecord("@", s.LegacySPF, 3600))
	}
	sw := mailops.Step{
		ID: "mx-switch", Title: "Switch the MX to Exchange Online",
		Reason:   "Exchange Online receives the domain's mail from now on; the on-premises server keeps receiving relayed mail for what Exchange Online does not know",
		Gate:     "afterwards every resolver sees only the Exchange Online MX",
		Actions:  []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: swRemove, Add: swAdd}}, wait(s.LowTTL, "caches of the short-TTL legacy MX expire")},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: dom, Remove: swAdd, Add: []mailops.DNSRecord{lowMX}}}},
	}
	if s.Gates.MX != nil {
		sw.Actions = append(sw.Actions, gate("every resolver sees only "+exoMX, func(ctx context.Context) error { return s.Gates.MX(ctx, dom, []string{exoMX}) })...)
	}
	if s.Gates.Stage != nil {
		sw.Actions = append(sw.Actions, gate("DNS of "+dom+" has no error for stage switched", func(ctx context.Context) error { return s.Gates.Stage(ctx, dom, "switched") })...)
	}
	step(sw)

	if len(s.Departments) > 0 {
		deps := mailops.Step{
			ID: "departments", Title: fmt.Sprintf("Create %d department groups", len(s.Departments)),
			Reason: "shared department addresses become distribution groups with their members set in the creating call, no external " +
				"members, SendAs for the members so the group shows as the sender, and external senders accepted where the address receives outside mail",
		}
		for _, dp := range s.Departments {
			deps.Actions = append(deps.Actions, op(mailops.CreateGroup{Group: s.departmentGroup(dp)}))
			deps.Rollback = append(deps.Rollback, op(mailops.DeleteGroup{Group: dp.Address}))
		}
		if s.Unsafe == UnsafeEmptyGroup {
			deps.Actions = append(deps.Actions, wait(t.Group, "(unsafe) members are added only after the empty groups propagated"))
			for _, dp := range s.Departments {
				deps.Actions = append(deps.Actions, op(mailops.SetGroupMembers{Group: dp.Address, Members: dp.Members, From: []mailops.Address{}}))
			}
		}
		deps.Actions = append(deps.Actions, wait(t.Group, "new groups reach mail flow"))
		step(deps)
	}

	step(mailops.Step{
		ID: "simple-display-names", Title: "Show simple display names to external recipients",
		Reason:   "the Default remote domain uses simple display names, so mail leaving the tenant carries the ASCII name",
		Actions:  []mailops.Action{op(mailops.SetRemoteDomain{RemoteDomain: mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*", UseSimpleDisplayName: true}})},
		Rollback: []mailops.Action{op(mailops.SetRemoteDomain{RemoteDomain: mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*"}})},
	})

	if s.RelayAccount != "" {
		step(mailops.Step{
			ID: "device-relay", Title: "Devices send through the relay",
			Reason: fmt.Sprintf("NAS, switches and business systems keep sending: the relay accepts without authentication only from %v on port 587 "+
				"and submits to Exchange Online as %s; it is never an open relay", s.DeviceNetworks, s.RelayAccount),
			Gate: "the relay account's mailbox exists",
			Actions: []mailops.Action{{Check: &mailops.Check{Name: "relay account exists", Run: func(ctx context.Context) error {
				_, err := d.GetRecipient(ctx, s.RelayAccount)
				return err
			}, Poll: t.DNSPoll, Timeout: t.Recipient * 2}}},
		})
	}

	final := mailops.Step{
		ID: "authoritative", Title: "Make " + dom + " Authoritative and stop relaying",
		Reason: "every address exists in Exchange Online; unknown addresses are now rejected at the edge and the on-premises server receives nothing new",
		Gate:   "every department group exists",
		Actions: []mailops.Action{{Check: &mailops.Check{Name: "every department group exists", Run: func(ctx context.Context) error {
			for _, dp := range s.Departments {
				if _, err := d.GetGroup(ctx, dp.Address); err != nil {
					return fmt.Errorf("group %s: %w", dp.Address, err)
				}
			}
			return nil
		}, Poll: t.DNSPoll, Timeout: t.Group * 2}},
			op(mailops.SetDomainType{Name: dom, Type: mailops.Authoritative, From: mailops.InternalRelay}),
			wait(t.DomainType, "the domain type reaches mail flow before the connector goes"),
			op(mailops.DeleteOutboundConnector{Name: conn.Name}),
		},
		Rollback: []mailops.Action{op(mailops.CreateOutboundConnector{Connector: conn}), op(mailops.SetDomainType{Name: dom, Type: mailops.InternalRelay, From: mailops.Authoritative})},
	}
	finalDNS := &mailops.DNSChange{Domain: dom, Remove: []mailops.DNSRecord{txtRecord("@", spf(s.LegacyMX), 3600)}, Add: []mailops.DNSRecord{txtRecord("@", spf(), 3600)}}
	if s.InitialDomain != "" {
		finalDNS.Add = append(finalDNS.Add, dkimRecords(dom, s.InitialDomain, 3600)...)
	}
	final.Actions = append(final.Actions, mailops.Action{DNS: finalDNS})
	if s.Gates.Stage != nil {
		final.Actions = append(final.Actions, gate("DNS of "+dom+" has no error for stage final", func(ctx context.Context) error { return s.Gates.Stage(ctx, dom, "final") })...)
	}
	step(final)

	step(mailops.Step{
		ID: "decommission", Title: "Stop the on-premises server",
		Reason:  "a month after the switch nothing reaches it any more: resolvers, queues and stragglers have moved on",
		Actions: []mailops.Action{wait(s.Decommission, "the legacy server keeps running a month after the switch")},
	})
	return p, p.Validate()
}
