package runbook

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// ListDomainSpec describes the university's mailing-list domain (DESIGN.md
// section 8): lists live on their own domain, whose MX is Exchange Online; an
// outbound connector sends the domain to the list server by smart host; the
// list server accepts mail only from Exchange Online and sends all its
// outgoing mail back through Exchange Online (its smart host), accepted there
// by an OnPremises inbound connector for the list server's addresses, so that
// external subscribers' copies leave through Exchange Online.
type ListDomainSpec struct {
	// Domain is the list domain, e.g. lists.example.ac.jp.
	Domain string
	// ListServer is the list server's host name; ListServerIPs its
	// addresses (IPv4, /24 to /32: New-InboundConnector
	// -SenderIPAddresses).
	ListServer    string
	ListServerIPs []netip.Prefix
	// LegacyMX and LegacyMXTTL describe the domain's current MX (the list
	// server itself, usually); LegacyMXPreference its preference.
	LegacyMX           string
	LegacyMXPreference int
	LegacyMXTTL        time.Duration
	// LegacySPF is the domain's current SPF record, replaced at the
	// switch by one that authorises Exchange Online (which now sends the
	// lists' copies) and the list server.
	LegacySPF string
	// SenderDomains are the domains the list server sends as (the inbound
	// connector's mandatory -SenderDomains); default "*".
	SenderDomains []string
	// TakeOver, as in ConsolidationSpec.
	TakeOver bool
	Timing   Timing
	Gates    Gates
}

// Validate checks the spec.
func (s *ListDomainSpec) Validate() error {
	for f, v := range map[string]string{"ListDomainSpec.Domain": s.Domain, "ListDomainSpec.ListServer": s.ListServer, "ListDomainSpec.LegacyMX": s.LegacyMX} {
		if _, err := mailops.ParseDomainName(v); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if len(s.ListServerIPs) == 0 {
		return &mailops.ValidationError{Field: "ListDomainSpec.ListServerIPs", Reason: "the inbound connector needs the list server's addresses"}
	}
	return s.inbound().Validate()
}

func (s ListDomainSpec) withDefaults() ListDomainSpec {
	c := s
	c.Timing = s.Timing.orDefault()
	if c.LegacyMXTTL == 0 {
		c.LegacyMXTTL = time.Hour
	}
	if c.LegacyMXPreference == 0 {
		c.LegacyMXPreference = 10
	}
	if len(c.SenderDomains) == 0 {
		c.SenderDomains = []string{"*"}
	}
	return c
}

// outbound is the connector to the list server: by smart host, never MX.
func (s ListDomainSpec) outbound() mailops.OutboundConnector {
	return mailops.OutboundConnector{Name: "To list server " + s.ListServer, Type: mailops.OnPremises,
		RecipientDomains: []string{s.Domain}, SmartHosts: []string{s.ListServer}, Enabled: true}
}

// inbound accepts the list server's outgoing mail as the organisation's.
func (s ListDomainSpec) inbound() mailops.InboundConnector {
	doms := s.SenderDomains
	if len(doms) == 0 {
		doms = []string{"*"}
	}
	return mailops.InboundConnector{Name: "From list server " + s.ListServer, Type: mailops.OnPremises,
		SenderDomains: doms, SenderIPAddresses: s.ListServerIPs, RestrictDomainsToIPAddresses: true, Enabled: true}
}

// ListDomainPlan builds the list-domain plan: the domain is added and made
// to relay to the list server, both connectors exist and have propagated,
// and only then does the MX move to Exchange Online. The list server's own
// configuration (accept only from Exchange Online, relay everything through
// it) is outside the tenant and stated in the steps' reasons.
func ListDomainPlan(spec ListDomainSpec, d mailops.Driver) (*mailops.Plan, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	s := spec.withDefaults()
	b := newBuilder("list domain "+s.Domain, s.Timing, d, s.Gates)
	mode := ProveOwnership
	if s.TakeOver {
		mode = TakeOver
	}
	b.stepAddDomain(s.Domain, mode)
	b.stepRelay(s.Domain, nil)
	out := s.outbound()
	b.stepConnector(s.Domain, out)
	in := s.inbound()
	b.add(mailops.Step{
		ID: "inbound-connector", Title: "Accept the list server's outgoing mail as the organisation's",
		Reason: "the list server sends all its mail (to subscribers inside and outside) through Exchange Online as its smart host; " +
			"an OnPremises inbound connector for its addresses lets Exchange Online relay that mail to external subscribers. " +
			"Configure the list server to accept mail only from Exchange Online and to use it as its only smart host",
		Actions: []mailops.Action{
			op(mailops.CreateInboundConnector{Connector: in}),
			wait(s.Timing.Connector, "the connector reaches mail flow (up to an hour)"),
		},
		Rollback: []mailops.Action{op(mailops.DeleteInboundConnector{Name: in.Name})},
	})
	legacyMX := mxRecord(s.LegacyMX, s.LegacyMXPreference, secs(s.LegacyMXTTL))
	sw := &mailops.DNSChange{Domain: s.Domain, Remove: []mailops.DNSRecord{legacyMX},
		Add: []mailops.DNSRecord{serviceMX(0, 3600), txtRecord("@", spf(s.ListServer), 3600)}}
	if s.LegacySPF != "" {
		sw.Remove = append(sw.Remove, txtRecord("@", s.LegacySPF, 3600))
	}
	st := mailops.Step{
		ID: "mx-switch", Title: "Point the MX of " + s.Domain + " at Exchange Online",
		Reason: "list mail now enters through Exchange Online, which relays the list domain to the list server by smart host " +
			"(InternalRelay: the lists are not Exchange recipients); the lists' copies now leave through Exchange Online as " +
			"the list domain's bounce addresses, so SPF authorises Exchange Online (and the list server while it still sends direct)",
		Gate:     "both connectors have propagated",
		Actions:  []mailops.Action{{DNS: sw}, wait(s.LegacyMXTTL, "resolvers drop the cached old MX")},
		Rollback: []mailops.Action{{DNS: &mailops.DNSChange{Domain: s.Domain, Remove: sw.Add, Add: sw.Remove}}},
	}
	st.Actions = append(st.Actions, b.mxGates(s.Domain, "switched")...)
	b.add(st)
	return b.p, b.p.Validate()
}
