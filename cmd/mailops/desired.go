package main

import (
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// desiredState is the tenant as the spec wants it once the migration is
// done: the migrated domains Authoritative; every address a group with its
// members, owners and SendAs (internal-only addresses accepting only
// authenticated senders); the spec's mailboxes and contacts with their
// forwarding, except forwarding into a migrated domain (the runbooks remove
// it: it would loop); the cutover's users and relay account as mailboxes;
// and the groups of the absent: list removed.
func desiredState(sf *spec.File) (mailops.DesiredState, error) {
	var want mailops.DesiredState
	var migrated []string
	switch sf.Kind {
	case spec.Consolidation, spec.University:
		rbs, err := sf.ConsolidationRunbooks()
		if err != nil {
			return want, err
		}
		for _, s := range rbs {
			migrated = append(migrated, s.Domain)
			want.Domains = append(want.Domains, mailops.Domain{Name: s.Domain, Type: mailops.Authoritative})
			owners := s.AdminOwners
			if s.AdminGroup.PrimaryAddress != "" {
				want.Groups = append(want.Groups, s.AdminGroup)
				owners = []mailops.Address{s.AdminGroup.PrimaryAddress}
			}
			for _, a := range s.Addresses {
				want.Groups = append(want.Groups, addressGroup(s.Domain, a, owners))
			}
		}
	case spec.Cutover:
		s, err := sf.CutoverRunbook()
		if err != nil {
			return want, err
		}
		migrated = append(migrated, s.Domain)
		want.Domains = append(want.Domains, mailops.Domain{Name: s.Domain, Type: mailops.Authoritative})
		for _, u := range s.Users {
			dn := u.DisplayName
			if dn == "" {
				dn = u.Address.Local()
			}
			sdn := u.SimpleDisplayName
			if sdn == "" {
				// the cutover gives every user an ASCII name for
				// external recipients, derived from the address
				sdn, _ = runbook.DeriveSimpleDisplayName(u.Address)
			}
			want.Recipients = append(want.Recipients, mailops.Recipient{Address: u.Address, Kind: mailops.Mailbox, DisplayName: dn, SimpleDisplayName: sdn})
		}
		if s.RelayAccount != "" {
			// named as the cutover runbook creates it
			want.Recipients = append(want.Recipients, mailops.Recipient{Address: s.RelayAccount, Kind: mailops.Mailbox, DisplayName: "Device relay", SimpleDisplayName: "Device relay"})
		}
		for _, d := range s.Departments {
			g := mailops.Group{PrimaryAddress: d.Address, Name: groupName(d.DisplayName, d.Address, ""), DisplayName: d.DisplayName,
				Members: slices.Clone(d.Members), Owners: []mailops.Address{s.Admin}, SendAs: slices.Clone(d.Members),
				RequireSenderAuthentication: !d.External}
			if sdn, err := runbook.DeriveSimpleDisplayName(d.Address); err == nil {
				g.SimpleDisplayName = sdn
			}
			want.Groups = append(want.Groups, g)
		}
	}
	for _, r := range sf.Recipients() {
		for _, f := range []*mailops.Address{&r.ForwardingAddress, &r.ForwardingSmtpAddress} {
			if *f != "" && slices.Contains(migrated, f.Domain()) {
				*f = ""
			}
		}
		if r.ForwardingAddress == "" && r.ForwardingSmtpAddress == "" {
			r.DeliverToMailboxAndForward = false
		}
		want.Recipients = append(want.Recipients, r)
	}
	for _, a := range sf.Absent {
		if strings.Contains(a, "@") {
			want.Remove.Groups = append(want.Remove.Groups, mailops.Address(a))
		}
	}
	return want, nil
}

// groupName names a group as the runbooks do: its display name, or its
// local part (with the domain, for a department's address).
func groupName(display string, a mailops.Address, domain string) string {
	name := display
	if name == "" {
		name = a.Local()
		if domain != "" {
			name += " (" + domain + ")"
		}
	}
	if r := []rune(name); len(r) > mailops.MaxNameLen {
		name = string(r[:mailops.MaxNameLen])
	}
	return name
}

// addressGroup is a consolidated address's group in its end state.
func addressGroup(domain string, a runbook.AddressSpec, owners []mailops.Address) mailops.Group {
	return mailops.Group{PrimaryAddress: a.Address, Name: groupName(a.DisplayName, a.Address, domain), DisplayName: a.DisplayName,
		Members: slices.Clone(a.Targets), Owners: slices.Clone(owners), SendAs: slices.Clone(a.SendAs),
		RequireSenderAuthentication: !a.External}
}
