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
	// AutoForwardEnabled allows automatic forwarding to the domain; Exchange
	// Online blocks external forwarding by default (5.7.520).
	AutoForwardEnabled bool `json:"autoForwardEnabled"`
}

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
