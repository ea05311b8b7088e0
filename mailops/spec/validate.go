package spec

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/mailops-dev/mailops/mailops"
)

func invalid(field, value, reason string) error {
	return &mailops.ValidationError{Field: field, Value: value, Reason: reason}
}

// Validate checks the spec and returns the first problem as a
// *mailops.ValidationError whose Field is the path in the file
// (departments[0].addresses[2].targets[1]).
func (f *File) Validate() error {
	if f.APIVersion != APIVersion {
		return invalid("apiVersion", f.APIVersion, "must be "+APIVersion)
	}
	if err := f.validateKind(); err != nil {
		return err
	}
	known, err := f.Tenant.validate()
	if err != nil {
		return err
	}
	for i, d := range f.Departments {
		if err := d.validate(fmt.Sprintf("departments[%d]", i), f.Tenant, known, f.Departments); err != nil {
			return err
		}
	}
	if f.Cutover != nil {
		if _, err := f.CutoverRunbook(); err != nil {
			return err
		}
	}
	if f.ListDomain != nil {
		if _, err := f.ListDomainRunbook(); err != nil {
			return err
		}
	}
	if f.Devices != nil {
		for i, n := range f.Devices.Networks {
			if _, err := netip.ParsePrefix(n); err != nil {
				return invalid(fmt.Sprintf("devices.networks[%d]", i), n, "not a network such as 10.0.0.0/8")
			}
		}
		if _, err := mailops.ParseAddress(f.Devices.RelayAccount); err != nil {
			return invalid("devices.relayAccount", f.Devices.RelayAccount, err.Error())
		}
	}
	for i, z := range f.DNS {
		if _, err := mailops.ParseDomainName(z.Origin); err != nil {
			return invalid(fmt.Sprintf("dns[%d].origin", i), z.Origin, err.Error())
		}
		if z.File == "" && len(z.Records) == 0 {
			return invalid(fmt.Sprintf("dns[%d]", i), z.Origin, "give a zone file or records")
		}
	}
	for i, a := range f.Absent {
		if _, err := mailops.ParseAddress(a); err != nil {
			return invalid(fmt.Sprintf("absent[%d]", i), a, "only addresses can be listed as absent (a domain is never deleted)")
		}
	}
	if f.Traffic.PerHour < 0 {
		return invalid("traffic.perHour", fmt.Sprint(f.Traffic.PerHour), "cannot be negative")
	}
	return nil
}

func (f *File) validateKind() error {
	switch f.Kind {
	case Consolidation:
		if len(f.Departments) != 1 {
			return invalid("departments", fmt.Sprint(len(f.Departments)), "a Consolidation has exactly one department (University for several)")
		}
	case University:
		if len(f.Departments) == 0 {
			return invalid("departments", "0", "a University has at least one department")
		}
	case Cutover:
		if f.Cutover == nil {
			return invalid("cutover", "", "a Cutover needs its cutover section")
		}
	case ListDomain:
		if f.ListDomain == nil {
			return invalid("listDomain", "", "a ListDomain needs its listDomain section")
		}
	default:
		return invalid("kind", string(f.Kind), "must be Consolidation, University, Cutover or ListDomain")
	}
	return nil
}

// recipientKinds maps each address the tenant knows to what it is.
type recipientKinds map[mailops.Address]string

func (t Tenant) validate() (recipientKinds, error) {
	if len(t.Domains) == 0 {
		return nil, invalid("tenant.domains", "", "name at least the organisation's domain")
	}
	for i, d := range t.Domains {
		if n, err := mailops.ParseDomainName(d); err != nil || n != d {
			return nil, invalid(fmt.Sprintf("tenant.domains[%d]", i), d, "not a domain name in canonical form")
		}
	}
	known := recipientKinds{}
	for i, p := range t.Mailboxes {
		field := fmt.Sprintf("tenant.mailboxes[%d]", i)
		a, err := mailops.ParseAddress(p.Address)
		if err != nil {
			return nil, invalid(field+".address", p.Address, err.Error())
		}
		if !slices.Contains(t.Domains, a.Domain()) {
			return nil, invalid(field+".address", p.Address, "not in one of tenant.domains")
		}
		if err := mailops.ValidateSimpleDisplayName(p.SimpleDisplayName); err != nil {
			return nil, invalid(field+".simpleDisplayName", p.SimpleDisplayName, err.Error())
		}
		if known[a] != "" {
			return nil, invalid(field+".address", p.Address, "listed twice")
		}
		known[a] = "mailbox"
	}
	for i, c := range t.Contacts {
		field := fmt.Sprintf("tenant.contacts[%d].address", i)
		a, err := mailops.ParseAddress(c.Address)
		if err != nil {
			return nil, invalid(field, c.Address, err.Error())
		}
		if slices.Contains(t.Domains, a.Domain()) {
			return nil, invalid(field, c.Address, "a mail contact is outside the tenant's domains")
		}
		if known[a] != "" {
			return nil, invalid(field, c.Address, "listed twice")
		}
		known[a] = "contact"
	}
	for i, fw := range t.Forwarding {
		field := fmt.Sprintf("tenant.forwarding[%d]", i)
		if known[mailops.Address(fw.Mailbox)] != "mailbox" {
			return nil, invalid(field+".mailbox", fw.Mailbox, "not one of tenant.mailboxes (only mailboxes forward)")
		}
		if fw.Address == "" && fw.SmtpAddress == "" {
			return nil, invalid(field, fw.Mailbox, "give address (a recipient) or smtpAddress")
		}
		for name, v := range map[string]string{".address": fw.Address, ".smtpAddress": fw.SmtpAddress} {
			if v == "" {
				continue
			}
			if _, err := mailops.ParseAddress(v); err != nil {
				return nil, invalid(field+name, v, err.Error())
			}
		}
	}
	for i, p := range t.Partners {
		for j, d := range p.Domains {
			if _, err := mailops.ParseDomainName(d); err != nil {
				return nil, invalid(fmt.Sprintf("tenant.partners[%d].domains[%d]", i, j), d, err.Error())
			}
		}
	}
	return known, nil
}

func (d Department) validate(field string, t Tenant, known recipientKinds, all []Department) error {
	if n, err := mailops.ParseDomainName(d.Domain); err != nil || n != d.Domain {
		return invalid(field+".domain", d.Domain, "not a domain name in canonical form")
	}
	if _, err := mailops.ParseDomainName(d.LegacyMX); err != nil {
		return invalid(field+".legacyMX", d.LegacyMX, err.Error())
	}
	if err := d.Admins.validate(field+".admins", known); err != nil {
		return err
	}
	if len(d.Addresses) == 0 {
		return invalid(field+".addresses", "", "no addresses to move")
	}
	for i, a := range d.Addresses {
		af := fmt.Sprintf("%s.addresses[%d]", field, i)
		addr, err := mailops.ParseAddress(a.Address)
		if err != nil {
			return invalid(af+".address", a.Address, err.Error())
		}
		if addr.Domain() != d.Domain {
			return invalid(af+".address", a.Address, "not in domain "+d.Domain)
		}
		if len(a.Targets) == 0 {
			return invalid(af+".targets", a.Address, "an address needs at least one target: an empty group drops its mail")
		}
		for j, tg := range a.Targets {
			if !known.has(tg) && !departmental(all, tg) {
				return invalid(fmt.Sprintf("%s.targets[%d]", af, j), tg,
					"not a tenant mailbox, a contact or a departmental address: list it under tenant.mailboxes or tenant.contacts")
			}
		}
		for j, s := range a.SendAs {
			if known[mailops.Address(s)] != "mailbox" {
				return invalid(fmt.Sprintf("%s.sendAs[%d]", af, j), s, "SendAs goes to tenant mailboxes")
			}
		}
	}
	return nil
}

func (k recipientKinds) has(a string) bool { return k[mailops.Address(a)] != "" }

func departmental(all []Department, a string) bool {
	for _, d := range all {
		for _, x := range d.Addresses {
			if x.Address == a {
				return true
			}
		}
	}
	return false
}

func (a Admins) validate(field string, known recipientKinds) error {
	switch {
	case len(a.Mailboxes) > 0 && a.Group != "":
		return invalid(field, a.Group, "give either group or mailboxes, not both")
	case len(a.Mailboxes) > 0:
		for i, m := range a.Mailboxes {
			if known[mailops.Address(m)] != "mailbox" {
				return invalid(fmt.Sprintf("%s.mailboxes[%d]", field, i), m, "an owner must be a tenant mailbox")
			}
		}
		return nil
	case a.Group == "":
		return invalid(field, "", "give the admin group (a mail-enabled security group the plan creates) or the admins' mailboxes")
	}
	if _, err := mailops.ParseAddress(a.Group); err != nil {
		return invalid(field+".group", a.Group, err.Error())
	}
	if len(a.Owners) == 0 {
		return invalid(field+".owners", "", "the admin group needs an owner (a tenant mailbox)")
	}
	for i, o := range a.Owners {
		if known[mailops.Address(o)] != "mailbox" {
			return invalid(fmt.Sprintf("%s.owners[%d]", field, i), o, "an owner must be a tenant mailbox")
		}
	}
	for i, m := range a.Members {
		if !known.has(m) {
			return invalid(fmt.Sprintf("%s.members[%d]", field, i), m, "not a tenant mailbox or contact")
		}
	}
	return nil
}
