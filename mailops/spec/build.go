package spec

import (
	"fmt"
	"net/netip"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

func addrs(xs []string) []mailops.Address {
	out := make([]mailops.Address, len(xs))
	for i, x := range xs {
		out[i] = mailops.Address(x)
	}
	return out
}

// ConsolidationRunbooks returns one consolidation spec per department
// (Consolidation and University files).
func (f *File) ConsolidationRunbooks() ([]runbook.ConsolidationSpec, error) {
	var out []runbook.ConsolidationSpec
	for i, d := range f.Departments {
		s := runbook.ConsolidationSpec{
			Domain: d.Domain, LegacyMX: d.LegacyMX, LegacyMXTTL: d.LegacyMXTTL.D(), LegacySPF: d.LegacySPF,
			TakeOver: d.TakeOver,
		}
		if len(d.Admins.Mailboxes) > 0 {
			s.AdminOwners = addrs(d.Admins.Mailboxes)
		} else {
			name := d.Admins.Name
			if name == "" {
				name = d.Domain + " admins"
			}
			s.AdminGroup = mailops.Group{PrimaryAddress: mailops.Address(d.Admins.Group), Name: name, Type: mailops.Security,
				Members: addrs(d.Admins.Members), Owners: addrs(d.Admins.Owners), RequireSenderAuthentication: true}
		}
		for _, a := range d.Addresses {
			s.Addresses = append(s.Addresses, runbook.AddressSpec{Address: mailops.Address(a.Address), DisplayName: a.DisplayName,
				Targets: addrs(a.Targets), SendAs: addrs(a.SendAs), External: a.External})
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("departments[%d]: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// CutoverRunbook returns the cutover spec (kind Cutover).
func (f *File) CutoverRunbook() (runbook.CutoverSpec, error) {
	c := f.Cutover
	if c == nil {
		return runbook.CutoverSpec{}, invalid("cutover", "", "no cutover section")
	}
	s := runbook.CutoverSpec{Domain: c.Domain, LegacyMX: c.LegacyMX, LegacyMXTTL: c.LegacyMXTTL.D(), LegacySPF: c.LegacySPF,
		Admin: mailops.Address(c.Admin), ParallelRun: c.ParallelRun.D(), Decommission: c.Decommission.D()}
	for _, u := range c.Users {
		s.Users = append(s.Users, runbook.UserSpec{Address: mailops.Address(u.Address), DisplayName: u.DisplayName, SimpleDisplayName: u.SimpleDisplayName})
	}
	for _, d := range c.Departments {
		s.Departments = append(s.Departments, runbook.DepartmentSpec{Address: mailops.Address(d.Address), DisplayName: d.DisplayName, Members: addrs(d.Members), External: d.External})
	}
	if f.Devices != nil {
		s.RelayAccount = mailops.Address(f.Devices.RelayAccount)
		for _, n := range f.Devices.Networks {
			p, err := netip.ParsePrefix(n)
			if err != nil {
				return runbook.CutoverSpec{}, invalid("devices.networks", n, "not a network")
			}
			s.DeviceNetworks = append(s.DeviceNetworks, p)
		}
	}
	if err := s.Validate(); err != nil {
		return runbook.CutoverSpec{}, fmt.Errorf("cutover: %w", err)
	}
	return s, nil
}

// ListDomainRunbook returns the list-domain spec (kind ListDomain).
func (f *File) ListDomainRunbook() (runbook.ListDomainSpec, error) {
	l := f.ListDomain
	if l == nil {
		return runbook.ListDomainSpec{}, invalid("listDomain", "", "no listDomain section")
	}
	s := runbook.ListDomainSpec{Domain: l.Domain, ListServer: l.ListServer, LegacyMX: l.LegacyMX, LegacyMXTTL: l.LegacyMXTTL.D(), LegacySPF: l.LegacySPF}
	for i, ip := range l.ListServerIPs {
		p, err := netip.ParsePrefix(ip)
		if err != nil {
			a, aerr := netip.ParseAddr(ip)
			if aerr != nil {
				return runbook.ListDomainSpec{}, invalid(fmt.Sprintf("listDomain.listServerIPs[%d]", i), ip, "not an IPv4 address or range")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		s.ListServerIPs = append(s.ListServerIPs, p)
	}
	if err := s.Validate(); err != nil {
		return runbook.ListDomainSpec{}, fmt.Errorf("listDomain: %w", err)
	}
	return s, nil
}

// Recipients returns the tenant's mailboxes and contacts as the model has
// them, with their forwarding.
func (f *File) Recipients() []mailops.Recipient {
	fwd := map[string]Forward{}
	for _, x := range f.Tenant.Forwarding {
		fwd[x.Mailbox] = x
	}
	var out []mailops.Recipient
	for _, p := range f.Tenant.Mailboxes {
		dn := p.DisplayName
		if dn == "" {
			dn = mailops.Address(p.Address).Local()
		}
		r := mailops.Recipient{Address: mailops.Address(p.Address), Kind: mailops.Mailbox, DisplayName: dn, SimpleDisplayName: p.SimpleDisplayName}
		if x, ok := fwd[p.Address]; ok {
			r.ForwardingAddress, r.ForwardingSmtpAddress, r.DeliverToMailboxAndForward = mailops.Address(x.Address), mailops.Address(x.SmtpAddress), x.KeepCopy
		}
		out = append(out, r)
	}
	for _, c := range f.Tenant.Contacts {
		dn := c.DisplayName
		if dn == "" {
			dn = c.Address
		}
		out = append(out, mailops.Recipient{Address: mailops.Address(c.Address), Kind: mailops.MailContact, DisplayName: dn})
	}
	return out
}
