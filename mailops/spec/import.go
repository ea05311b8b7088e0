package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/legacy"
)

// Expectation is what the legacy server does with mail to one address (from
// the importer's resolution): the differential check compares it with what
// Exchange Online delivers after the plan.
type Expectation struct {
	Address string `yaml:"address" json:"address"`
	// Deliveries are the mailboxes (tenant addresses or external
	// addresses) that receive a copy.
	Deliveries []string `yaml:"deliveries" json:"deliveries"`
	// Chain is the alias chain that produced them, for reports.
	Chain []legacy.Step `yaml:"chain,omitempty" json:"chain,omitempty"`
}

// ImportOptions say how to map a legacy server onto the tenant.
type ImportOptions struct {
	Kind Kind
	// Domain is the migrated domain (the department's, or the cutover's).
	Domain   string
	LegacyMX string
	// TenantDomains are the tenant's own domains: targets there are
	// tenant mailboxes, other targets become mail contacts. Empty: every
	// target outside Domain is taken for a tenant mailbox, and Assumptions
	// says so.
	TenantDomains []string
	// Addresses to migrate; empty: every key in Domain found in the
	// tables, plus the local users.
	Addresses []string
	// Admins: the admin group (with its owners) or admin mailboxes.
	Admins Admins
	// Admin owns the cutover's department groups.
	Admin string
}

// ImportResult is a spec made from a legacy server, with what could not be
// mapped and what was assumed.
type ImportResult struct {
	File        *File
	Assumptions []string
}

// Import resolves every address of the migrated domain as the legacy server
// delivers it and writes the spec: for a Consolidation each address becomes
// a departmental address whose targets are tenant mailboxes or mail
// contacts; for a Cutover local users become mailboxes and the other
// addresses shared department addresses. What cannot map (pipes, files,
// filters, error: entries, local mailboxes with no tenant mailbox) goes on
// the decisions list with its file and line, never dropped. The legacy
// side's deliveries are kept as expectations for the differential check.
func Import(s *legacy.Server, csv *legacy.Table, opts ImportOptions) (*ImportResult, error) {
	if _, err := mailops.ParseDomainName(opts.Domain); err != nil {
		return nil, invalid("--domain", opts.Domain, err.Error())
	}
	res := &ImportResult{File: &File{APIVersion: APIVersion, Kind: opts.Kind}}
	f := res.File
	tenantDomains := slices.Clone(opts.TenantDomains)
	if len(tenantDomains) == 0 {
		res.Assumptions = append(res.Assumptions, "no --tenant-domain given: every target outside "+opts.Domain+" is taken for a tenant mailbox")
	}
	known := map[string]string{}
	addMailbox := func(a string) {
		if known[a] != "" {
			return
		}
		known[a] = "mailbox"
		f.Tenant.Mailboxes = append(f.Tenant.Mailboxes, Person{Address: a})
		if d := mailops.Address(a).Domain(); !slices.Contains(tenantDomains, d) {
			tenantDomains = append(tenantDomains, d)
		}
	}
	addContact := func(a string) {
		if known[a] != "" {
			return
		}
		known[a] = "contact"
		f.Tenant.Contacts = append(f.Tenant.Contacts, Contact{Address: a})
	}
	isTenant := func(a string) bool {
		if len(opts.TenantDomains) == 0 {
			return true
		}
		return slices.Contains(opts.TenantDomains, mailops.Address(a).Domain())
	}
	addresses := opts.Addresses
	if len(addresses) == 0 {
		addresses = discover(s, csv, opts.Domain)
	}
	var dept Department
	var cut CutoverSpec
	for _, a := range addresses {
		r, targets, err := resolveOne(s, csv, a)
		if err != nil {
			return nil, err
		}
		f.Decisions = append(f.Decisions, r.Decisions...)
		var deliveries, mapped []string
		for _, d := range targets {
			switch {
			case d.Local && opts.Kind == Cutover:
				addr := d.Address + "@" + opts.Domain
				deliveries, mapped = append(deliveries, addr), append(mapped, addr)
			case d.Local:
				f.Decisions = append(f.Decisions, legacy.Decision{Address: a, What: d.Address,
					Reason: "delivered to a local mailbox on the legacy server: map it to a tenant mailbox (a CSV row) or create one"})
			case strings.HasSuffix(d.Address, "@"+opts.Domain):
				f.Decisions = append(f.Decisions, legacy.Decision{Address: a, What: d.Address, Reason: "resolves to another address of the migrated domain that delivers nowhere"})
			case isTenant(d.Address):
				addMailbox(d.Address)
				deliveries, mapped = append(deliveries, d.Address), append(mapped, d.Address)
			default:
				addContact(d.Address)
				deliveries, mapped = append(deliveries, d.Address), append(mapped, d.Address)
			}
		}
		if len(mapped) == 0 {
			f.Decisions = append(f.Decisions, legacy.Decision{Address: a, What: a, Reason: "no target Exchange Online can deliver to: not migrated"})
			continue
		}
		slices.Sort(deliveries)
		f.Expect = append(f.Expect, Expectation{Address: a, Deliveries: slices.Compact(deliveries), Chain: r.Chain})
		if opts.Kind == Cutover {
			// A cutover's department groups have no external members: an
			// outside target is a decision (a mail contact and an explicit
			// exception), not a member.
			var inside []string
			for _, m := range mapped {
				if strings.HasSuffix(m, "@"+opts.Domain) {
					inside = append(inside, m)
				} else {
					f.Decisions = append(f.Decisions, legacy.Decision{Address: a, What: m,
						Reason: "an external target of a department address: cutover groups have no external members (decide: a mail contact, forwarding, or drop it)"})
				}
			}
			if len(inside) == 0 {
				f.Decisions = append(f.Decisions, legacy.Decision{Address: a, What: a, Reason: "no member inside " + opts.Domain + ": not migrated"})
				continue
			}
			cut.addAddress(a, inside, opts.Domain, s)
			continue
		}
		// External: the legacy server accepts mail for every address from
		// anyone today; restricting an address to internal senders is a
		// decision to make in the spec, not an import default.
		dept.Addresses = append(dept.Addresses, Address{Address: a, Targets: slices.Compact(slices.Sorted(slices.Values(mapped))), External: true})
	}
	f.Tenant.Domains = tenantDomains
	switch opts.Kind {
	case Cutover:
		cut.Domain, cut.LegacyMX, cut.Admin = opts.Domain, opts.LegacyMX, opts.Admin
		if cut.Admin == "" && len(cut.Users) > 0 {
			cut.Admin = cut.Users[0].Address
			res.Assumptions = append(res.Assumptions, "no --admin given: "+cut.Admin+" owns the department groups")
		}
		f.Cutover = &cut
		f.Tenant.Mailboxes = nil
		if len(f.Tenant.Domains) == 0 {
			f.Tenant.Domains = []string{opts.Domain}
		}
	default:
		dept.Domain, dept.LegacyMX, dept.Admins = opts.Domain, opts.LegacyMX, opts.Admins
		f.Departments = []Department{dept}
	}
	return res, nil
}

// addAddress files a cutover address: a local user's own address is a
// user; any other is a shared department address.
func (c *CutoverSpec) addAddress(a string, mapped []string, domain string, s *legacy.Server) {
	local := strings.TrimSuffix(a, "@"+domain)
	if slices.Contains(s.Users, local) && len(mapped) == 1 && mapped[0] == a {
		c.Users = append(c.Users, Person{Address: a})
		return
	}
	c.Departments = append(c.Departments, CutoverAddress{Address: a, Members: mapped, External: true})
}

// discover lists the migrated domain's addresses the tables and users know.
func discover(s *legacy.Server, csv *legacy.Table, domain string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, t := range []*legacy.Table{csv, s.Virtual, s.Virtusertable} {
		for _, k := range t.Keys() {
			if strings.HasSuffix(k, "@"+domain) && !strings.HasPrefix(k, "@") {
				add(k)
			}
		}
	}
	if slices.Contains(s.LocalDomains, domain) {
		for _, k := range s.Aliases.Keys() {
			if !strings.Contains(k, "@") {
				add(k + "@" + domain)
			}
		}
		for _, u := range s.Users {
			if !strings.Contains(u, "@") {
				add(u + "@" + domain)
			}
		}
	}
	slices.Sort(out)
	return out
}

// resolveOne resolves an address through the CSV first (the admin tool's
// table wins), then the server.
func resolveOne(s *legacy.Server, csv *legacy.Table, a string) (legacy.Resolution, []legacy.Delivery, error) {
	if e, ok := csv.Lookup(a); ok {
		r := legacy.Resolution{Address: a}
		var ds []legacy.Delivery
		for _, t := range e.Targets {
			r.Chain = append(r.Chain, legacy.Step{Pos: e.Pos, From: a, To: t.String()})
			switch t.Kind {
			case legacy.TargetAddress:
				sub, err := s.Resolve(t.Value)
				if err != nil {
					return legacy.Resolution{}, nil, fmt.Errorf("spec: import %s: %w", a, err)
				}
				ds = append(ds, sub.Deliveries...)
				r.Chain = append(r.Chain, sub.Chain...)
				r.Decisions = append(r.Decisions, sub.Decisions...)
			default:
				r.Decisions = append(r.Decisions, legacy.Decision{Pos: e.Pos, Address: a, What: t.String(), Reason: "a CSV target must be an address"})
			}
		}
		return r, ds, nil
	}
	r, err := s.Resolve(a)
	if err != nil {
		return legacy.Resolution{}, nil, fmt.Errorf("spec: import %s: %w", a, err)
	}
	return r, r.Deliveries, nil
}
