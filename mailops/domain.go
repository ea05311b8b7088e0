package mailops

// DomainType is an accepted domain's type in Exchange Online.
type DomainType string

// The two accepted-domain types Exchange Online has (ExternalRelay is
// on-premises only).
const (
	// Authoritative: EXO delivers to its recipients and rejects unknown
	// addresses (550 5.4.1 at the edge). The default for a new domain.
	Authoritative DomainType = "Authoritative"
	// InternalRelay: EXO delivers to known recipients and relays unknown ones
	// through an outbound connector to a server the organisation controls.
	InternalRelay DomainType = "InternalRelay"
)

// Validate reports whether t is one of the two types.
func (t DomainType) Validate() error {
	switch t {
	case Authoritative, InternalRelay:
		return nil
	}
	return invalid("DomainType", string(t), "must be Authoritative or InternalRelay")
}

// DNSRecord is a DNS record a domain needs: for verification or for a service.
type DNSRecord struct {
	Type       string `json:"type"`  // "TXT", "MX", "CNAME" or "SRV"
	Label      string `json:"label"` // "@" for the domain itself, else a relative name
	Value      string `json:"value"` // text, target host or canonical name
	Preference int    `json:"preference,omitempty"`
	TTL        int    `json:"ttl"` // seconds
	Optional   bool   `json:"optional,omitempty"`
}

// Domain is a domain registered in the tenant (an accepted domain once added).
type Domain struct {
	Name     string     `json:"name"` // A-label, lower case
	Type     DomainType `json:"type"`
	Verified bool       `json:"verified"`
	// VerificationRecords prove ownership (TXT "MS=ms...", or an MX alternative).
	VerificationRecords []DNSRecord `json:"verificationRecords,omitempty"`
	// ServiceRecords are the records mail and clients need once verified.
	ServiceRecords []DNSRecord `json:"serviceRecords,omitempty"`
}

// Validate checks the name and type.
func (d Domain) Validate() error {
	n, err := parseDomainField("Domain.Name", d.Name)
	if err != nil {
		return err
	}
	if n != d.Name {
		return invalid("Domain.Name", d.Name, "not in canonical form (want "+n+")")
	}
	if d.Type != "" {
		if err := d.Type.Validate(); err != nil {
			return invalid("Domain.Type", string(d.Type), "must be Authoritative or InternalRelay")
		}
	}
	return nil
}
