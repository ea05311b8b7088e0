package mailflow

import (
	"net/netip"
	"strings"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// Inbound connectors at Exchange Online's edge (New-InboundConnector).
//
//   - An enabled OnPremises connector whose SenderIPAddresses hold the
//     connecting host's address (and whose SenderDomains match the envelope
//     sender's domain) attributes the mail to its organisation: "OnPremises
//     connectors grant special rights ... allowing relay through the tenant
//     to internet destinations" (new-inboundconnector). Mail so attributed
//     to a recipient no tenant accepts is relayed out as the organisation's
//     own (outbound connectors, else MX).
//   - Without such a connector Exchange Online does not relay: when the
//     envelope sender's domain is an accepted domain of a tenant (the
//     service knows whose mail it claims to be) the reply is
//     "550 5.7.64 TenantAttribution; Relay Access Denied", the NDR table's
//     "Inbound (on-premises) connector mismatch" (exo-facts 11; Email
//     non-delivery reports in Exchange Online); otherwise "550 5.4.1 Relay
//     Access Denied".
//   - A Partner connector with RestrictDomainsToIPAddresses rejects mail from
//     its SenderDomains that comes from another address ("Automatically
//     reject mail from domains that are specified by the SenderDomains
//     parameter if the source IP address isn't also specified"). The reply
//     code is not documented; the world uses 550 5.7.1 [inference].
//
// Not modelled: certificate matching (TlsSenderCertificateName,
// RestrictDomainsToCertificate), RequireTls, AssociatedAcceptedDomains,
// TreatMessagesAsInternal and Enhanced Filtering.

// Replies of the edge's connector checks.
var (
	ReplyTenantAttribution = Reply{550, "5.7.64", "TenantAttribution; Relay Access Denied"}
	ReplyConnectorIP       = Reply{550, "5.7.1", "Message rejected: the sender's address is not among the connector's SenderIPAddresses"}
)

// matchesSenderDomain reports whether a sender domain matches one of an
// inbound connector's SenderDomains ("*", "*.domain" or a domain).
func matchesSenderDomain(patterns []string, domain string) bool {
	for _, p := range patterns {
		switch {
		case p == "*", p == domain:
			return true
		case strings.HasPrefix(p, "*.") && strings.HasSuffix(domain, p[1:]):
			return true
		}
	}
	return false
}

func fromIPs(ps []netip.Prefix, a netip.Addr) bool { return a.IsValid() && inNetworks(ps, a) }

// attribute finds the tenant whose OnPremises inbound connector takes mail
// from the connecting host of env.
func (x *exo) attribute(env *envelope) (*fake.Tenant, bool) {
	for _, t := range x.w.tenants() {
		for _, c := range t.ReadOnlyMailView().InboundConnectors() {
			if c.Enabled && c.Type == mailops.OnPremises && fromIPs(c.SenderIPAddresses, env.hdr.client) &&
				matchesSenderDomain(c.SenderDomains, env.hdr.from.Domain()) {
				return t, true
			}
		}
	}
	return nil, false
}

// relayRefusal is the edge's reply to mail for a domain no tenant accepts
// from a host no OnPremises connector attributes.
func (x *exo) relayRefusal(env *envelope) Reply {
	if env.hdr.from != "" {
		if _, _, ok := x.tenantFor(env.hdr.from.Domain()); ok {
			return ReplyTenantAttribution
		}
	}
	return ReplyRelayDenied
}

// partnerRestriction is the refusal of a Partner connector that restricts
// its sender domains to its addresses, or a zero Reply.
func partnerRestriction(v fake.MailView, env *envelope) Reply {
	for _, c := range v.InboundConnectors() {
		if c.Enabled && c.Type == mailops.Partner && c.RestrictDomainsToIPAddresses &&
			matchesSenderDomain(c.SenderDomains, env.hdr.from.Domain()) && !fromIPs(c.SenderIPAddresses, env.hdr.client) {
			return ReplyConnectorIP
		}
	}
	return Reply{}
}

// relayAttributed relays mail an OnPremises connector attributed to tenant t
// to a recipient outside every tenant.
func (x *exo) relayAttributed(t *fake.Tenant, env *envelope) {
	x.w.traceReceived(t, env)
	e := env.via(x.w, x.w.exoHop(t))
	e.setAuth(nil)
	e.schedule(x.w, 0, "exo relay", pending{step: stepExternal, target: t, out: x.out})
}
