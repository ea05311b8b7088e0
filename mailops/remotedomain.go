package mailops

// DefaultRemoteDomain is the identity of the built-in remote domain that
// covers every domain ("*").
const DefaultRemoteDomain = "Default"

// RemoteDomain holds per-destination settings for mail leaving the tenant.
type RemoteDomain struct {
	Name       string `json:"name"`       // identity, at most 64 characters
	DomainName string `json:"domainName"` // "*", "contoso.com" or "*.contoso.com"
	// UseSimpleDisplayName shows senders' SimpleDisplayName (or the bare
	// address when they have none) to recipients in the domain.
	UseSimpleDisplayName bool `json:"useSimpleDisplayName"`
	// AutoForwardEnabled is Set-RemoteDomain -AutoForwardEnabled. It affects
	// only forwarding that users set up themselves (Inbox rules), and its
	// block is silent: "the reply is generated, but then it is deleted before
	// it is sent. No error message is sent"; admin forwarding (Set-Mailbox)
	// is not affected (learn.microsoft.com/exchange/mail-flow-best-practices/remote-domains/remote-domains).
	// $true is "the default for new remote domains that you create and the
	// built-in remote domain named Default in Exchange Online"
	// (Set-RemoteDomain). 5.7.520 comes from the outbound spam policy, see
	// OutboundSpamPolicy.
	//
	// nil means "not set": a create takes the default ($true) and a
	// SetRemoteDomain leaves the current value alone. Reads always return it.
	AutoForwardEnabled *bool `json:"autoForwardEnabled,omitempty"`
}

// AutoForward returns AutoForwardEnabled, or Exchange Online's default
// ($true) when it is not set.
func (r RemoteDomain) AutoForward() bool {
	return r.AutoForwardEnabled == nil || *r.AutoForwardEnabled
}

// BoolPtr returns a pointer to b, for optional settings such as
// RemoteDomain.AutoForwardEnabled.
func BoolPtr(b bool) *bool { return &b }

// Validate checks the remote domain.
func (r RemoteDomain) Validate() error {
	if err := checkName("RemoteDomain.Name", r.Name, MaxNameLen, true); err != nil {
		return err
	}
	p, err := parseDomainPattern("RemoteDomain.DomainName", r.DomainName, true)
	if err != nil {
		return err
	}
	if p != r.DomainName {
		return invalid("RemoteDomain.DomainName", r.DomainName, "not in canonical form (want "+p+")")
	}
	return nil
}
