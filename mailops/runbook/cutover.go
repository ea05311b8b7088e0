package runbook

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"

	"github.com/mailops-dev/mailops/mailops"
)

// CutoverSpec describes replacing an on-premises server by Exchange Online for
// one domain (DESIGN.md section 8, the manufacturer): accounts first, client
// autoconfiguration, parallel running, the MX switch, a relay for devices,
// department addresses as groups, ASCII display names for external
// recipients, and the legacy server stopped a month later.
type CutoverSpec struct {
	Domain string
	// LegacyMX is the on-premises server's host; LegacyMXPreference and
	// LegacyMXTTL its current MX record; LegacySPF the current SPF record.
	LegacyMX           string
	LegacyMXPreference int
	LegacyMXTTL        time.Duration
	LegacySPF          string
	// Users get mailboxes before anything else.
	Users []UserSpec
	// Departments are shared department addresses: groups with no
	// external members, the sender shown as the group (SendAs).
	Departments []DepartmentSpec
	// Admin owns the department groups.
	Admin mailops.Address
	// DeviceNetworks may send through the device relay without
	// authentication (port 587); the relay submits to Exchange Online with
	// the credentials of RelayAccount, a mailbox created for it. An empty
	// RelayAccount skips the relay step.
	DeviceNetworks []netip.Prefix
	RelayAccount   mailops.Address
	// ParallelRun is how long both systems run before the switch (two
	// weeks in the source migration); Decommission how long after the switch
	// the legacy server stops (a month).
	ParallelRun  time.Duration
	Decommission time.Duration
	// LowTTL is the MX TTL set ahead of the switch (default 5 minutes).
	LowTTL        time.Duration
	InitialDomain string
	Timing        Timing
	Gates         Gates
	Unsafe        Unsafe
	// DefaultRemoteDomain is the Default remote domain as read before the
	// plan (ObserveCutover fills it): the simple-display-name step's
	// rollback restores exactly these settings. Nil: the rollback restores
	// Exchange Online's documented defaults (UseSimpleDisplayName $false).
	DefaultRemoteDomain *mailops.RemoteDomain
}

// ObserveCutover reads what the cutover's rollbacks restore (the Default
// remote domain) into the spec.
func ObserveCutover(ctx context.Context, d mailops.Driver, spec *CutoverSpec) error {
	rd, err := d.GetRemoteDomain(ctx, mailops.DefaultRemoteDomain)
	if err != nil {
		return fmt.Errorf("runbook: reading the Default remote domain: %w", err)
	}
	spec.DefaultRemoteDomain = &rd
	return nil
}

// UserSpec is one person moving to Exchange Online.
type UserSpec struct {
	Address     mailops.Address
	DisplayName string // may be Japanese
	// SimpleDisplayName is the ASCII name external recipients see. Empty:
	// derived from the address ("taro.yamada" → "Taro Yamada") and validated.
	SimpleDisplayName string
}

// DepartmentSpec is one shared department address.
type DepartmentSpec struct {
	Address     mailops.Address
	DisplayName string
	Members     []mailops.Address
	// External: the address receives mail from outside.
	External bool
}

// DeriveSimpleDisplayName turns an address's local part into an ASCII simple
// display name: separators become spaces, words are capitalised, anything
// outside Exchange Online's allowed set is dropped. The result is validated.
func DeriveSimpleDisplayName(a mailops.Address) (string, error) {
	var words []string
	for _, w := range strings.FieldsFunc(a.Local(), func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' }) {
		var b strings.Builder
		for _, r := range w {
			if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
			}
		}
		if s := b.String(); s != "" {
			words = append(words, strings.ToUpper(s[:1])+s[1:])
		}
	}
	name := strings.Join(words, " ")
	if name == "" {
		return "", &mailops.ValidationError{Field: "SimpleDisplayName", Value: string(a), Reason: "nothing ASCII to derive a name from; give one explicitly"}
	}
	return name, mailops.ValidateSimpleDisplayName(name)
}

func (s *CutoverSpec) withDefaults() CutoverSpec {
	c := *s
	c.Timing = s.Timing.orDefault()
	if c.ParallelRun == 0 {
		c.ParallelRun = 14 * 24 * time.Hour
	}
	if c.Decommission == 0 {
		c.Decommission = 30 * 24 * time.Hour
	}
	if c.LowTTL == 0 {
		c.LowTTL = 5 * time.Minute
	}
	if c.LegacyMXTTL == 0 {
		c.LegacyMXTTL = 24 * time.Hour
	}
	if c.LegacyMXPreference == 0 {
		c.LegacyMXPreference = 10
	}
	return c
}

// Validate checks the spec, including every user's simple display name
// (explicit or derived) and that departments have members inside the domain's
// organisation (no external members).
func (s *CutoverSpec) Validate() error {
	if _, err := mailops.ParseDomainName(s.Domain); err != nil {
		return fmt.Errorf("CutoverSpec.Domain: %w", err)
	}
	if _, err := mailops.ParseDomainName(s.LegacyMX); err != nil {
		return fmt.Errorf("CutoverSpec.LegacyMX: %w", err)
	}
	if err := s.Admin.Validate(); err != nil {
		return fmt.Errorf("CutoverSpec.Admin: %w", err)
	}
	if len(s.Users) == 0 {
		return &mailops.ValidationError{Field: "CutoverSpec.Users", Reason: "no users"}
	}
	users := map[mailops.Address]bool{}
	for i, u := range s.Users {
		f := fmt.Sprintf("CutoverSpec.Users[%d]", i)
		r, err := s.recipient(u)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if u.Address.Domain() != s.Domain {
			return &mailops.ValidationError{Field: f + ".Address", Value: string(u.Address), Reason: "not in domain " + s.Domain}
		}
		if users[u.Address] {
			return &mailops.ValidationError{Field: f + ".Address", Value: string(u.Address), Reason: "listed twice"}
		}
		users[u.Address] = true
	}
	for i, d := range s.Departments {
		f := fmt.Sprintf("CutoverSpec.Departments[%d]", i)
		if d.Address.Domain() != s.Domain {
			return &mailops.ValidationError{Field: f + ".Address", Value: string(d.Address), Reason: "not in domain " + s.Domain}
		}
		if users[d.Address] {
			return &mailops.ValidationError{Field: f + ".Address", Value: string(d.Address), Reason: "also a user's address"}
		}
		if len(d.Members) == 0 {
			return &mailops.ValidationError{Field: f + ".Members", Value: string(d.Address), Reason: "a department address needs members: an empty group drops its mail"}
		}
		for j, m := range d.Members {
			if !users[m] {
				return &mailops.PolicyError{Field: fmt.Sprintf("%s.Members[%d]", f, j), Value: string(m), Reason: "department groups have no external members: every member must be one of the users"}
			}
		}
		if err := s.departmentGroup(d).Validate(); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	if s.RelayAccount != "" {
		if err := s.RelayAccount.Validate(); err != nil {
			return fmt.Errorf("CutoverSpec.RelayAccount: %w", err)
		}
		if users[s.RelayAccount] {
			return &mailops.ValidationError{Field: "CutoverSpec.RelayAccount", Value: string(s.RelayAccount), Reason: "also a user's address"}
		}
	}
	for i, p := range s.DeviceNetworks {
		if !p.IsValid() {
			return &mailops.ValidationError{Field: fmt.Sprintf("CutoverSpec.DeviceNetworks[%d]", i), Value: p.String(), Reason: "not a network"}
		}
	}
	switch s.Unsafe {
	case "", UnsafeLowPriorityMX, UnsafeSenderAuth, UnsafeEmptyGroup:
	default:
		return &mailops.ValidationError{Field: "CutoverSpec.Unsafe", Value: string(s.Unsafe), Reason: "unknown variant for the cutover runbook"}
	}
	return nil
}

func (s *CutoverSpec) recipient(u UserSpec) (mailops.Recipient, error) {
	sdn := u.SimpleDisplayName
	if sdn == "" {
		var err error
		if sdn, err = DeriveSimpleDisplayName(u.Address); err != nil {
			return mailops.Recipient{}, err
		}
	} else if err := mailops.ValidateSimpleDisplayName(sdn); err != nil {
		return mailops.Recipient{}, err
	}
	dn := u.DisplayName
	if dn == "" {
		dn = sdn
	}
	return mailops.Recipient{Address: u.Address, Kind: mailops.Mailbox, DisplayName: dn, SimpleDisplayName: sdn}, nil
}

func (s *CutoverSpec) departmentGroup(d DepartmentSpec) mailops.Group {
	name := d.DisplayName
	if name == "" {
		name = d.Address.Local()
	}
	if len([]rune(name)) > mailops.MaxNameLen {
		name = string([]rune(name)[:mailops.MaxNameLen])
	}
	g := mailops.Group{
		PrimaryAddress: d.Address, Name: name, DisplayName: d.DisplayName,
		Members: append([]mailops.Address(nil), d.Members...), Owners: []mailops.Address{s.Admin},
		SendAs:                      append([]mailops.Address(nil), d.Members...),
		RequireSenderAuthentication: !d.External || s.Unsafe == UnsafeSenderAuth,
	}
	// Mail sent as the group reaches external recipients under an ASCII
	// name (Set-DistributionGroup -SimpleDisplayName), like the users'.
	if sdn, err := DeriveSimpleDisplayName(d.Address); err == nil {
		g.SimpleDisplayName = sdn
	}
	if s.Unsafe == UnsafeEmptyGroup {
		g.Members = nil
	}
	return g
}
