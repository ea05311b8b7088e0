package mailflow

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// ListDomainScenario is the university's mailing-list domain (DESIGN.md
// section 8) as a world: the list domain's MX is Exchange Online, which
// relays it (InternalRelay) through an outbound connector to the list server
// by smart host; the list server accepts mail only from Exchange Online and
// sends all its copies back through it, accepted by an OnPremises inbound
// connector for the list server's address; external subscribers' copies
// leave through Exchange Online. A departmental address (a group) has the
// first list as a member, through a mail user whose external address is the
// list.
type ListDomainScenario struct {
	OrgDomain  string     // e.g. uni.example
	ListDomain string     // e.g. lists.uni.example
	ListHost   string     // the list server
	ListAddr   netip.Addr // the list server's address
	People     int        // mailboxes in the tenant
	Lists      int
	// Internal and External are how many people and external subscribers
	// each list has (at least one of each).
	Internal, External int
	// NoInboundConnector leaves the inbound connector out: Exchange Online
	// then refuses to relay the list's external copies (5.7.64).
	NoInboundConnector bool
	PerHour            float64
	Duration           time.Duration
}

// DefaultListDomainScenario returns a list domain with n lists.
func DefaultListDomainScenario(n int) ListDomainScenario {
	return ListDomainScenario{OrgDomain: "uni.example", ListDomain: "lists.uni.example", ListHost: "mail.lists.uni.example",
		ListAddr: netip.AddrFrom4([4]byte{192, 0, 2, 25}), People: 6, Lists: n, Internal: 2, External: 3, PerHour: 30, Duration: 6 * time.Hour}
}

// ListDomain is a built list-domain world.
type ListDomain struct {
	*World
	Scenario ListDomainScenario
	Server   *ListServer
	People   []mailops.Address
	// Lists maps each list address to its members; Office is the
	// departmental group with the first list among its members.
	Lists       map[mailops.Address][]mailops.Address
	ListOrder   []mailops.Address
	Office      mailops.Address
	Subscribers []mailops.Address // external subscribers
	// Start is when traffic starts.
	Start time.Time
}

// NewListDomain builds the world, configures the tenant through a Client
// (domains, InternalRelay, the connectors, mailboxes, the mail user and the
// group), publishes both MX records from the service records, and starts
// traffic from internet and internal senders to the lists and the group.
func NewListDomain(cfg Config, sc ListDomainScenario) (*ListDomain, error) {
	w := NewWorld(cfg)
	r := rand.New(rand.NewPCG(cfg.Seed, 79))
	ld := &ListDomain{World: w, Scenario: sc, Lists: map[mailops.Address][]mailops.Address{}}
	org, lists := sc.OrgDomain, sc.ListDomain
	for i := 0; i < max(sc.People, 2); i++ {
		ld.People = append(ld.People, mailops.Address(fmt.Sprintf("p%02d@%s", i, org)))
	}
	for _, d := range []string{"gmail.example", "outside.example"} {
		w.AddInternetDomain(d)
	}
	// Internal members come from People[1:] (People[0] is the group's own
	// member, so nobody gets the group's mail twice); each list has its own
	// external subscribers.
	for i := 0; i < max(sc.Lists, 1); i++ {
		l := mailops.Address(fmt.Sprintf("list%d@%s", i, lists))
		var members []mailops.Address
		for _, j := range r.Perm(len(ld.People) - 1)[:min(max(sc.Internal, 1), len(ld.People)-1)] {
			members = append(members, ld.People[1+j])
		}
		for j := 0; j < max(sc.External, 1); j++ {
			x := mailops.Address(fmt.Sprintf("sub%d.%d@%s", i, j, []string{"gmail.example", "outside.example"}[j%2]))
			members = append(members, x)
			ld.Subscribers = append(ld.Subscribers, x)
		}
		ld.Lists[l], ld.ListOrder = members, append(ld.ListOrder, l)
	}
	ld.Office = mailops.Address("office@" + org)
	listUser := mailops.Address("list0-members@" + org)

	var err error
	w.s.GoNamed("setup", func() { err = ld.configure(context.Background(), listUser) })
	if rerr := w.s.Run(); rerr != nil || err != nil {
		return nil, fmt.Errorf("mailflow: list domain set-up: %v %w", rerr, err)
	}
	if err := w.s.RunFor(2 * time.Hour); err != nil { // everything propagates
		return nil, err
	}
	for _, d := range []string{org, lists} {
		if err := w.PointMXAtEXO(d, time.Hour); err != nil {
			return nil, err
		}
	}
	smart, err := w.ServiceMX(org)
	if err != nil {
		return nil, err
	}
	ld.Server = w.AddListServerBehindEXO(sc.ListHost, sc.ListAddr, smart, lists)
	for _, l := range ld.ListOrder {
		ld.Server.SetList(l, ld.Lists[l]...)
	}
	ld.declare()
	ld.Start = w.s.Now()
	senders := []mailops.Address{"sender@outside.example", "friend@gmail.example"}
	for _, s := range senders {
		w.expect.Address(s, string(s))
		w.expect.Reads(string(s), InternetMailbox(s), time.Time{}, time.Time{})
	}
	w.StartTraffic("lists", Traffic{PerHour: sc.PerHour, From: ld.Start, Until: ld.Start.Add(sc.Duration),
		Internet: senders, Internal: ld.People, To: append(append([]mailops.Address(nil), ld.ListOrder...), ld.Office)})
	return ld, nil
}

// configure sets the tenant up through a Client, as an admin would.
func (ld *ListDomain) configure(ctx context.Context, listUser mailops.Address) error {
	w, sc := ld.World, ld.Scenario
	if err := provisionTenant(ctx, w, w.tenant, sc.OrgDomain, ld.People); err != nil {
		return err
	}
	cl := mailops.NewClient(w.tenant.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
	// The list domain is a subdomain of a verified domain: verified at
	// once, accepted once Email is enabled; InternalRelay so that Exchange
	// Online relays its addresses (none is a recipient) to the list server.
	if _, err := cl.AddDomain(ctx, sc.ListDomain); err != nil {
		return err
	}
	if err := cl.EnableEmail(ctx, sc.ListDomain); err != nil {
		return err
	}
	if err := cl.AwaitAccepted(ctx, sc.ListDomain); err != nil {
		return err
	}
	if err := cl.SetDomainType(ctx, sc.ListDomain, mailops.InternalRelay); err != nil {
		return err
	}
	if err := cl.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "To list server", Type: mailops.OnPremises,
		RecipientDomains: []string{sc.ListDomain}, SmartHosts: []string{sc.ListHost}, Enabled: true}); err != nil {
		return err
	}
	if !sc.NoInboundConnector {
		if err := cl.CreateInboundConnector(ctx, mailops.InboundConnector{Name: "From list server", Type: mailops.OnPremises,
			SenderDomains: []string{"*"}, SenderIPAddresses: []netip.Prefix{netip.PrefixFrom(sc.ListAddr, 32)}, Enabled: true}); err != nil {
			return err
		}
	}
	// The first list as a group member: a mail user whose external
	// address is the list.
	if err := cl.CreateRecipient(ctx, mailops.Recipient{Address: listUser, Kind: mailops.MailUser, DisplayName: "List 0 members",
		ExternalAddress: ld.ListOrder[0]}); err != nil {
		return err
	}
	return cl.CreateGroup(ctx, mailops.Group{PrimaryAddress: ld.Office, Name: "Office", Members: []mailops.Address{ld.People[0], listUser},
		Owners: []mailops.Address{ld.People[0]}})
}

// declare says who reads what: people their Exchange Online mailboxes,
// subscribers their internet mailboxes; a list reaches its members, the
// group its member and the first list's members.
func (ld *ListDomain) declare() {
	e := ld.World.expect
	for _, p := range ld.People {
		e.Address(p, string(p))
		e.Reads(string(p), EXOMailbox("ours", p), time.Time{}, time.Time{})
	}
	for _, x := range ld.Subscribers {
		e.Address(x, string(x))
		e.Reads(string(x), InternetMailbox(x), time.Time{}, time.Time{})
	}
	people := func(as []mailops.Address) []string {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = string(a)
		}
		return out
	}
	for _, l := range ld.ListOrder {
		e.Address(l, people(ld.Lists[l])...)
	}
	e.Address(ld.Office, append([]string{string(ld.People[0])}, people(ld.Lists[ld.ListOrder[0]])...)...)
}
