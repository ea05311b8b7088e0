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
	// From, when set, says that Value is read from the service when the
	// change is applied (a plan cannot know it in advance): FromServiceMX is
	// the domain's MX service record (Graph serviceConfigurationRecords),
	// FromDKIMSelector1/2 the selector CNAME targets of its DKIM signing
	// configuration (Get-DkimSigningConfig Selector1CNAME/Selector2CNAME).
	From string `json:"from,omitempty"`
}

// Sources of late-bound DNS values (DNSRecord.From).
const (
	FromServiceMX     = "service:mx"
	FromDKIMSelector1 = "dkim:selector1"
	FromDKIMSelector2 = "dkim:selector2"
)

// Domain is a domain registered in the tenant (an accepted domain once added).
//
// A domain added and verified through Microsoft Graph is not yet an Exchange
// Online accepted domain: "Verifying a domain through Microsoft Graph doesn't
// configure the domain for use with Office 365 services like Exchange"; its
// supported services must include Email first (Graph PATCH /domains/{id},
// learn.microsoft.com/graph/api/domain-verify and resources/domain), and then
// the accepted domain appears after a delay.
type Domain struct {
	Name string `json:"name"` // A-label, lower case
	// Type is the accepted domain's type, or "" while the domain is not (yet)
	// an accepted domain of Exchange Online.
	Type     DomainType `json:"type,omitempty"`
	Verified bool       `json:"verified"`
	// SupportedServices are Graph's supportedServices ("Email", ...).
	SupportedServices []string `json:"supportedServices,omitempty"`
	// VerificationRecords prove ownership (TXT "MS=ms...", or an MX alternative).
	VerificationRecords []DNSRecord `json:"verificationRecords,omitempty"`
	// ServiceRecords are the records mail and clients need once verified.
	ServiceRecords []DNSRecord `json:"serviceRecords,omitempty"`
}

// Accepted reports whether the domain is an Exchange Online accepted domain.
func (d Domain) Accepted() bool { return d.Type != "" }

// ServiceMX returns the MX host of the domain's service records: the only
// source of the Exchange Online MX value (since July 2026 new domains get
// hosts under mx.microsoft, Message Center MC1048624). ok is false when the
// service has not published one (the domain is not verified, or has no Email
// service).
func (d Domain) ServiceMX() (host string, ok bool) {
	for _, r := range d.ServiceRecords {
		if r.Type == "MX" && r.Value != "" {
			return r.Value, true
		}
	}
	return "", false
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
