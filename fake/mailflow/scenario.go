package mailflow

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// ConsolidationScenario is DESIGN.md's first migration as a world: a
// university tenant whose people already read Exchange Online, and one
// department (its own domain on a legacy server) to fold in.
type ConsolidationScenario struct {
	OrgDomain   string // e.g. example.ac.jp, on Exchange Online
	Dept        string // e.g. depta.example.ac.jp, on the legacy server
	LegacyHost  string // e.g. mx.depta.example.ac.jp
	People      int    // people with Exchange Online mailboxes
	Addresses   int    // departmental addresses
	LegacyMXTTL time.Duration
	// LoopAddresses is how many people forward their mailbox to a
	// departmental address that will come back to them (the loop the
	// preflight must fix).
	LoopAddresses int
	// PerHour is the traffic rate; Duration how long traffic runs.
	PerHour  float64
	Duration time.Duration
}

// Consolidation is a built scenario.
type Consolidation struct {
	*World
	Scenario ConsolidationScenario
	Legacy   *Legacy
	People   []mailops.Address
	Admins   mailops.Group
	Spec     runbook.ConsolidationSpec
	Partner  []mailops.Address
	Internet []mailops.Address
	// Start is when the scenario's traffic starts.
	Start time.Time
	// to are the addresses traffic goes to.
	to []mailops.Address
}

// DefaultConsolidationScenario returns a department of n addresses.
func DefaultConsolidationScenario(n int) ConsolidationScenario {
	return ConsolidationScenario{
		OrgDomain: "example.ac.jp", Dept: "depta.example.ac.jp", LegacyHost: "mx.depta.example.ac.jp",
		People: max(4, n/2), Addresses: n, LegacyMXTTL: time.Hour, LoopAddresses: 1,
		PerHour: 200, Duration: 12 * time.Hour,
	}
}

// NewConsolidation builds the world for a scenario: the tenant with the
// organisation's domain and people, the legacy server with the departmental
// addresses (shared mailboxes, aliases, forwarding), a partner on Exchange
// Online, internet senders, expectations, and traffic. It runs the set-up in
// virtual time and returns at time zero of the scenario (the set-up's own time
// is before it). The runbook spec for the department is in Spec.
func NewConsolidation(cfg Config, sc ConsolidationScenario) (*Consolidation, error) {
	w := NewWorld(cfg)
	r := rand.New(rand.NewPCG(cfg.Seed, 77))
	c := &Consolidation{World: w, Scenario: sc}
	org := sc.OrgDomain

	for i := 0; i < sc.People; i++ {
		c.People = append(c.People, mailops.Address(fmt.Sprintf("user%02d@%s", i, org)))
	}
	c.Admins = mailops.Group{PrimaryAddress: mailops.Address("depta-admins@" + org), Name: "DeptA admins", Type: mailops.Security,
		Members: []mailops.Address{c.People[0]}, Owners: []mailops.Address{c.People[0]}, RequireSenderAuthentication: true}

	// The tenant: the organisation's domain, verified, its MX at Exchange
	// Online, and the people's mailboxes. The partner on Exchange Online.
	for _, d := range []string{"gmail.example", "outside.example"} {
		w.AddInternetDomain(d)
	}
	c.Partner = []mailops.Address{"sato@partner.example", "suzuki@partner.example"}
	c.Internet = []mailops.Address{"alice@gmail.example", "bob@outside.example"}
	var setupErr error
	setup := func(ctx context.Context, t *fake.Tenant, domain string, people []mailops.Address) error {
		cl := mailops.NewClient(t.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
		dom, err := cl.AddDomain(ctx, domain)
		if err != nil {
			return err
		}
		if err := w.dns.Publish(ctx, mailops.DNSChange{Domain: domain, Add: dom.VerificationRecords[:1]}); err != nil {
			return err
		}
		if _, err := cl.VerifyDomain(ctx, domain); err != nil {
			return err
		}
		if err := cl.EnableEmail(ctx, domain); err != nil {
			return err
		}
		if err := cl.AwaitAccepted(ctx, domain); err != nil {
			return err
		}
		for _, p := range people {
			if err := cl.CreateRecipient(ctx, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: "利用者 " + p.Local()}); err != nil {
				return err
			}
		}
		return nil
	}
	w.s.GoNamed("setup", func() {
		ctx := context.Background()
		if setupErr = setup(ctx, w.tenant, org, c.People); setupErr != nil {
			return
		}
		setupErr = setup(ctx, w.partner, "partner.example", c.Partner)
	})
	if err := w.s.Run(); err != nil {
		return nil, err
	}
	if setupErr != nil {
		return nil, fmt.Errorf("mailflow: scenario set-up: %w", setupErr)
	}
	for _, d := range []string{org, "partner.example"} {
		if err := w.PointMXAtEXO(d, time.Hour); err != nil {
			return nil, err
		}
	}
	// Let everything propagate, then start the scenario clock.
	if err := w.s.RunFor(2 * time.Hour); err != nil {
		return nil, err
	}
	w.s.GoNamed("setup-admin-group", func() {
		cl := mailops.NewClient(w.tenant.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
		ctx := context.Background()
		if setupErr = cl.CreateRecipient(ctx, mailops.Recipient{Address: mailops.Address("it@" + org), Kind: mailops.Mailbox, DisplayName: "IT"}); setupErr != nil {
			return
		}
		// People forward their mailboxes to departmental addresses on the
		// legacy server, outside the tenant until the department moves in.
		// External automatic forwarding is decided by the outbound spam
		// filter policy (Automatic means Off: 5.7.520), not by remote
		// domains, so the university turns it On.
		setupErr = cl.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn})
	})
	if err := w.s.Run(); err != nil {
		return nil, err
	}
	if setupErr != nil {
		return nil, fmt.Errorf("mailflow: scenario set-up: %w", setupErr)
	}
	c.Admins.Owners = []mailops.Address{mailops.Address("it@" + org)}
	if err := w.s.RunFor(time.Hour); err != nil { // let the remote domain propagate
		return nil, err
	}
	start := w.s.Now()
	for _, p := range c.People {
		w.expect.Address(p, string(p))
		w.expect.Reads(string(p), EXOMailbox("ours", p), time.Time{}, time.Time{})
	}
	w.expect.Address(mailops.Address("it@"+org), "it")
	w.expect.Reads("it", EXOMailbox("ours", mailops.Address("it@"+org)), time.Time{}, time.Time{})
	for _, p := range c.Partner {
		w.expect.Address(p, string(p))
		w.expect.Reads(string(p), EXOMailbox("partner", p), time.Time{}, time.Time{})
	}
	for _, p := range c.Internet {
		w.expect.Address(p, string(p))
		w.expect.Reads(string(p), InternetMailbox(p), time.Time{}, time.Time{})
	}

	// The legacy server: each departmental address is a shared mailbox its
	// members read, or an alias to their main addresses.
	c.Legacy = w.AddLegacy(sc.LegacyHost, sc.LegacyMXTTL, sc.Dept)
	spec := runbook.ConsolidationSpec{Domain: sc.Dept, LegacyMX: sc.LegacyHost, LegacyMXTTL: sc.LegacyMXTTL, AdminGroup: c.Admins,
		InitialDomain: "example.onmicrosoft.com"}
	var tos []mailops.Address
	for i := 0; i < sc.Addresses; i++ {
		a := mailops.Address(fmt.Sprintf("addr%03d@%s", i, sc.Dept))
		n := 1 + r.IntN(min(3, len(c.People)))
		members := map[mailops.Address]bool{}
		for len(members) < n {
			members[c.People[r.IntN(len(c.People))]] = true
		}
		var targets []mailops.Address
		for _, p := range c.People {
			if members[p] {
				targets = append(targets, p)
			}
		}
		var people []string
		for _, t := range targets {
			people = append(people, string(t))
		}
		w.expect.Address(a, people...)
		if r.IntN(2) == 0 || i < sc.LoopAddresses {
			c.Legacy.AddMailbox(a)
			for _, p := range people {
				w.expect.Reads(p, LegacyMailbox(a), time.Time{}, time.Time{})
			}
		} else {
			c.Legacy.SetAlias(a, targets...)
		}
		external := r.IntN(3) > 0
		// As the university does, the members (all with tenant mailboxes)
		// may send as the address.
		spec.Addresses = append(spec.Addresses, runbook.AddressSpec{Address: a, DisplayName: fmt.Sprintf("DeptA %03d", i), Targets: targets,
			SendAs: slices.Clone(targets), External: external})
		if external {
			tos = append(tos, a)
		}
	}
	// Forwarding loops: a person forwards their mailbox to an address whose
	// group will deliver back to them (without keeping a copy: once the address
	// is a group in the tenant, this loops). Set up, like everything else,
	// before the scenario's clock starts, so admin reads have caught up.
	for i := 0; i < sc.LoopAddresses && i < len(spec.Addresses); i++ {
		a := spec.Addresses[i]
		c.loopForward(a.Address, a.Targets[0])
	}
	if err := w.s.RunFor(time.Hour); err != nil {
		return nil, err
	}
	start = w.s.Now()
	c.Spec = spec
	var internalOnly []mailops.Address
	for _, a := range spec.Addresses {
		if !a.External {
			internalOnly = append(internalOnly, a.Address)
		}
	}
	c.Start, c.to = start, append(append([]mailops.Address(nil), tos...), c.People...)
	w.StartTraffic("consolidation", Traffic{
		PerHour: sc.PerHour, From: start, Until: start.Add(sc.Duration),
		Internet: c.Internet, Partner: c.Partner, Internal: c.People,
		To: append(append([]mailops.Address(nil), tos...), c.People...), InternalOnly: internalOnly,
		Outside: c.Internet,
	})
	return c, nil
}

// loopForward makes person forward their mailbox to addr.
func (c *Consolidation) loopForward(addr, person mailops.Address) {
	w := c.World
	var err error
	w.s.GoNamed("setup-forward", func() {
		cl := mailops.NewClient(w.tenant.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
		err = cl.SetForwarding(context.Background(), person, mailops.ForwardTo(addr, false))
	})
	if rerr := w.s.Run(); rerr != nil || err != nil {
		panic(fmt.Sprintf("mailflow: scenario forwarding: %v %v", rerr, err))
	}
}

// AddDevices adds the organisation's device relay (allowed network
// 10.0.0.0/8, submitting to Exchange Online as relay@<org>) and n devices
// sending through it during the scenario's traffic.
func (c *Consolidation) AddDevices(n int) {
	host := "relay." + c.Scenario.OrgDomain
	c.AddRelay(host, mailops.Address("relay@"+c.Scenario.OrgDomain), netip.MustParsePrefix("10.0.0.0/8"))
	var ds []Device
	for i := 0; i < n; i++ {
		ds = append(ds, Device{Relay: host, Client: netip.AddrFrom4([4]byte{10, 0, 1, byte(10 + i)}), From: mailops.Address(fmt.Sprintf("device%02d@%s", i, c.Scenario.OrgDomain))})
	}
	c.StartTraffic("devices", Traffic{PerHour: c.Scenario.PerHour / 10, From: c.Start, Until: c.Start.Add(c.Scenario.Duration), Devices: ds, To: c.to})
}

// StopLegacyAt stops the legacy server at t, and records that its mailboxes
// are no longer read from then on.
func (c *Consolidation) StopLegacyAt(t time.Time) {
	c.s.At(t, "legacy stops", c.Legacy.Stop)
}
