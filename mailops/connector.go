package mailops

import (
	"fmt"
	"net/netip"
	"strings"
)

// ConnectorType says whom a connector serves.
type ConnectorType string

// Connector types.
const (
	// Partner connectors serve domains outside the organisation.
	Partner ConnectorType = "Partner"
	// OnPremises connectors serve the organisation's own servers.
	OnPremises ConnectorType = "OnPremises"
)

func (t ConnectorType) validateField(field string) error {
	switch t {
	case Partner, OnPremises:
		return nil
	}
	return invalid(field, string(t), "must be Partner or OnPremises")
}

// OutboundConnector routes mail from Exchange Online to other servers.
type OutboundConnector struct {
	Name string        `json:"name"`
	Type ConnectorType `json:"type"`
	// RecipientDomains: domains ("contoso.com"), wildcards ("*.contoso.com")
	// or "*" for every domain.
	RecipientDomains []string `json:"recipientDomains,omitempty"`
	// AllAcceptedDomains applies the connector to every accepted domain
	// (OnPremises only).
	AllAcceptedDomains bool `json:"allAcceptedDomains,omitempty"`
	// SmartHosts: host names, IP addresses or CIDR ranges. Required when
	// UseMXRecord is false.
	SmartHosts  []string `json:"smartHosts,omitempty"`
	UseMXRecord bool     `json:"useMXRecord"`
	Enabled     bool     `json:"enabled"`
}

// Validate checks the connector.
func (c OutboundConnector) Validate() error {
	if err := checkName("OutboundConnector.Name", c.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := c.Type.validateField("OutboundConnector.Type"); err != nil {
		return err
	}
	if c.AllAcceptedDomains && c.Type != OnPremises {
		return invalid("OutboundConnector.AllAcceptedDomains", "true", "requires ConnectorType OnPremises")
	}
	if len(c.RecipientDomains) == 0 && !c.AllAcceptedDomains {
		return invalid("OutboundConnector.RecipientDomains", "", "a connector needs recipient domains or AllAcceptedDomains")
	}
	for i, d := range c.RecipientDomains {
		f := fmt.Sprintf("OutboundConnector.RecipientDomains[%d]", i)
		p, err := parseDomainPattern(f, d, true)
		if err != nil {
			return err
		}
		if p != d {
			return invalid(f, d, "not in canonical form (want "+p+")")
		}
	}
	if !c.UseMXRecord && len(c.SmartHosts) == 0 {
		return invalid("OutboundConnector.SmartHosts", "", "required when UseMXRecord is false")
	}
	if c.UseMXRecord && len(c.SmartHosts) > 0 {
		return invalid("OutboundConnector.SmartHosts", strings.Join(c.SmartHosts, ","), "must be empty when UseMXRecord is true")
	}
	for i, h := range c.SmartHosts {
		if err := checkSmartHost(fmt.Sprintf("OutboundConnector.SmartHosts[%d]", i), h); err != nil {
			return err
		}
	}
	return nil
}

func checkSmartHost(field, h string) error {
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if _, err := netip.ParsePrefix(h); err == nil {
		return nil
	}
	d, err := parseDomainField(field, h)
	if err != nil {
		return err
	}
	if d != h {
		return invalid(field, h, "not in canonical form (want "+d+")")
	}
	return nil
}

// InboundConnector accepts mail into Exchange Online from other servers.
type InboundConnector struct {
	Name string        `json:"name"`
	Type ConnectorType `json:"type"`
	// SenderDomains is mandatory: domains, "*.domain" wildcards or "*".
	SenderDomains []string `json:"senderDomains"`
	// SenderIPAddresses: IPv4 addresses or ranges /24 to /32 (no IPv6).
	SenderIPAddresses            []netip.Prefix `json:"senderIPAddresses,omitempty"`
	RestrictDomainsToIPAddresses bool           `json:"restrictDomainsToIPAddresses,omitempty"`
	RequireTLS                   bool           `json:"requireTLS"`
	Enabled                      bool           `json:"enabled"`
}

// Validate checks the connector.
func (c InboundConnector) Validate() error {
	if err := checkName("InboundConnector.Name", c.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := c.Type.validateField("InboundConnector.Type"); err != nil {
		return err
	}
	if len(c.SenderDomains) == 0 {
		return invalid("InboundConnector.SenderDomains", "", "required")
	}
	for i, d := range c.SenderDomains {
		f := fmt.Sprintf("InboundConnector.SenderDomains[%d]", i)
		p, err := parseDomainPattern(f, d, true)
		if err != nil {
			return err
		}
		if p != d {
			return invalid(f, d, "not in canonical form (want "+p+")")
		}
	}
	for i, p := range c.SenderIPAddresses {
		f := fmt.Sprintf("InboundConnector.SenderIPAddresses[%d]", i)
		if !p.IsValid() {
			return invalid(f, p.String(), "not a valid address or range")
		}
		if !p.Addr().Is4() {
			return invalid(f, p.String(), "IPv6 addresses are not supported")
		}
		if p.Bits() < MinInboundIPPrefix {
			return invalid(f, p.String(), "ranges must be /24 to /32")
		}
		if p.Masked() != p {
			return invalid(f, p.String(), "host bits set (want "+p.Masked().String()+")")
		}
	}
	if c.RestrictDomainsToIPAddresses && len(c.SenderIPAddresses) == 0 {
		return invalid("InboundConnector.RestrictDomainsToIPAddresses", "true", "requires SenderIPAddresses")
	}
	return nil
}
