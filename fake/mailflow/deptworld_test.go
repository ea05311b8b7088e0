package mailflow_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// This file builds, by hand and independently of the runbook package, the
// world the property tests run in: a university tenant on Exchange Online
// (org), one department's domain (dept) on its legacy server, a partner
// tenant, internet senders, a mailing-list server and devices behind the
// relay, with traffic between them all. migrate is the consolidation of
// DESIGN.md section 8 written out step by step through the Client, with
// variants that reproduce each known-bad sequence.

const (
	hwOrg     = "uni.example"
	hwDept    = "dept.uni.example"
	hwLegacy  = "mx.dept.uni.example"
	hwLists   = "lists.uni.example"
	hwRelay   = "relay.uni.example"
	hwPartner = "partner.example"
)

// hwParams are the random choices of one world.
type hwParams struct {
	seed    uint64
	people  int // people with Exchange Online mailboxes
	addrs   int // departmental addresses
	perHour float64
	hours   int
	mxTTL   time.Duration
	// Propagation upper bounds of the tenant; the hand-written sequence
	// waits this long after each kind of change.
	domainMax, recipMax, groupMax, connMax time.Duration
	groupMin, connMin                      time.Duration
	exoIgnoresPref                         bool
	loops                                  int     // people forwarding to an address whose group contains them
	legacyForwards                         int     // legacy mailboxes forwarding to their owner in EXO
	smtpFaults                             int     // transient faults at the legacy host
	lostReplies                            int     // replies lost after DATA at the legacy host (duplicates)
	tenantFaults                           float64 // random driver faults (throttling, unavailable, lost replies)
	retention                              mailflow.Retention
	keepEvents                             bool
	// observe, if set, observes the ledger from the world's start.
	observe func(mailflow.Event)
}

type hwAddr struct {
	addr     mailops.Address
	targets  []mailops.Address
	mailbox  bool // a legacy mailbox its targets read (else an alias)
	external bool // receives mail from outside
}

// hwLoop is a person forwarding (without a copy) to an address whose group
// will contain them.
type hwLoop struct{ person, addr mailops.Address }

type hwWorld struct {
	p        hwParams
	w        *mailflow.World
	legacy   *mailflow.Legacy
	people   []mailops.Address
	partner  []mailops.Address
	internet []mailops.Address
	addrs    []hwAddr
	loopers  []hwLoop
	admins   mailops.Group
	list     mailops.Address
	start    time.Time
}

func hwTenantConfig(p hwParams) fake.TenantConfig {
	tc := fake.DefaultTenantConfig()
	tc.Propagation = fake.Propagation{
		Domain:       fake.Uniform(30*time.Second, p.domainMax),
		Recipient:    fake.Uniform(time.Minute, p.recipMax),
		Group:        fake.Uniform(max(time.Minute, p.groupMin), p.groupMax),
		Connector:    fake.Uniform(max(time.Minute, p.connMin), p.connMax),
		RemoteDomain: fake.Uniform(time.Minute, 10*time.Minute),
	}
	if p.tenantFaults > 0 {
		tc.Faults = fake.RandomFaults{Throttle: p.tenantFaults, Unavailable: p.tenantFaults / 2, ReplyLost: p.tenantFaults / 2,
			ThrottleRetryAfter: fake.Uniform(time.Second, time.Minute)}
	}
	return tc
}

func hwClient(w *mailflow.World, t *fake.Tenant) *mailops.Client {
	return mailops.NewClient(t.Driver("admin"), mailops.Options{Clock: w.Scheduler(), Retry: mailops.RetryOptions{MaxAttempts: 60}})
}

// hwProvision adds and verifies a domain in a tenant and creates mailboxes.
func hwProvision(ctx context.Context, w *mailflow.World, c *mailops.Client, domain string, people []mailops.Address) error {
	dom, err := c.AddDomain(ctx, domain)
	if err != nil {
		return err
	}
	if !dom.Verified {
		if err := w.DNS().Publish(ctx, mailops.DNSChange{Domain: domain, Add: dom.VerificationRecords[:1]}); err != nil {
			return err
		}
		if _, err := c.VerifyDomain(ctx, domain); err != nil {
			return err
		}
	}
	// A subdomain of a verified domain is verified at once, but Exchange
	// Online accepts it only after Email is among its services.
	if err := c.EnableEmail(ctx, domain); err != nil {
		return err
	}
	if err := c.AwaitAccepted(ctx, domain); err != nil {
		return err
	}
	for _, p := range people {
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: "利用者 " + p.Local(),
			SimpleDisplayName: "User " + p.Local()}); err != nil {
			return err
		}
	}
	return nil
}

// runProc runs fn as a simulated process until the loop is idle and returns
// fn's error.
func runProc(w *mailflow.World, name string, fn func(ctx context.Context) error) error {
	var err error
	w.Scheduler().GoNamed(name, func() { err = fn(context.Background()) })
	if rerr := w.Scheduler().Run(); rerr != nil {
		return rerr
	}
	return err
}

// newHW builds the world before any migration and starts its traffic.
func newHW(p hwParams) (*hwWorld, error) {
	w := mailflow.NewWorld(mailflow.Config{Seed: p.seed, Tenant: hwTenantConfig(p), Partner: fake.InstantTenantConfig(),
		EXOIgnoresPreference: p.exoIgnoresPref, Retention: p.retention, KeepEvents: p.keepEvents})
	if p.observe != nil {
		w.Ledger().Observe(p.observe)
	}
	r := rand.New(rand.NewPCG(p.seed, 0x6877))
	h := &hwWorld{p: p, w: w}
	for i := 0; i < p.people; i++ {
		h.people = append(h.people, mailops.Address(fmt.Sprintf("p%02d@%s", i, hwOrg)))
	}
	h.partner = []mailops.Address{"sato@" + hwPartner, "suzuki@" + hwPartner}
	h.internet = []mailops.Address{"alice@gmail.example", "bob@outside.example"}
	w.AddInternetDomain("gmail.example")
	w.AddInternetDomain("outside.example")
	// The admin group owns the address groups: it must be a mail-enabled
	// security group (New-DistributionGroup -ManagedBy).
	h.admins = mailops.Group{PrimaryAddress: "dept-admins@" + hwOrg, Name: "Dept admins", Type: mailops.Security, Members: h.people[:1], Owners: h.people[:1],
		RequireSenderAuthentication: true}
	err := runProc(w, "setup", func(ctx context.Context) error {
		c := hwClient(w, w.Tenant())
		if err := hwProvision(ctx, w, c, hwOrg, h.people); err != nil {
			return err
		}
		// The device relay's account, which it authenticates as.
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: "relay@" + hwOrg, Kind: mailops.Mailbox, DisplayName: "Device relay"}); err != nil {
			return err
		}
		// People forward their mailboxes to departmental addresses that
		// live outside the tenant until the department moves in. External
		// automatic forwarding is decided by the outbound spam filter
		// policy (Automatic means Off: 5.7.520), not by remote domains, so
		// the university turns it On.
		if err := c.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn}); err != nil {
			return err
		}
		return hwProvision(ctx, w, hwClient(w, w.Partner()), hwPartner, h.partner)
	})
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	for _, d := range []string{hwOrg, hwPartner} {
		if err := w.PointMXAtEXO(d, time.Hour); err != nil {
			return nil, err
		}
	}
	if err := w.Scheduler().RunFor(2 * time.Hour); err != nil { // everything propagates
		return nil, err
	}
	e := w.Expect()
	for _, x := range h.people {
		e.Address(x, string(x))
		e.Reads(string(x), mailflow.EXOMailbox("ours", x), time.Time{}, time.Time{})
	}
	for _, x := range h.partner {
		e.Address(x, string(x))
		e.Reads(string(x), mailflow.EXOMailbox("partner", x), time.Time{}, time.Time{})
	}
	for _, x := range h.internet {
		e.Address(x, string(x))
		e.Reads(string(x), mailflow.InternetMailbox(x), time.Time{}, time.Time{})
	}

	// The department on its legacy server.
	h.legacy = w.AddLegacy(hwLegacy, p.mxTTL, hwDept)
	forwards := p.legacyForwards
	for i := 0; i < p.addrs; i++ {
		a := hwAddr{addr: mailops.Address(fmt.Sprintf("a%03d@%s", i, hwDept)), external: r.IntN(3) > 0}
		loop := i < p.loops
		fwd := !loop && forwards > 0 && r.IntN(2) == 0
		n := 1 + r.IntN(min(3, len(h.people)))
		if fwd || loop {
			// A forwarded mailbox, or one its owner forwards to, has one
			// owner: a shared mailbox at either end of a forward gives
			// its other readers a second copy.
			n = 1
		}
		if fwd {
			forwards--
		}
		for _, j := range r.Perm(len(h.people))[:n] {
			a.targets = append(a.targets, h.people[j])
		}
		a.mailbox = loop || fwd || r.IntN(2) == 0
		var names []string
		for _, t := range a.targets {
			names = append(names, string(t))
		}
		e.Address(a.addr, names...)
		if a.mailbox {
			h.legacy.AddMailbox(a.addr)
			// The owner of a forwarded mailbox reads the forwarded copies;
			// a copy kept on the legacy server is an archive nobody reads.
			until := time.Time{}
			if fwd {
				until = w.Scheduler().Now()
			}
			for _, n := range names {
				e.Reads(n, mailflow.LegacyMailbox(a.addr), time.Time{}, until)
			}
		} else {
			h.legacy.SetAlias(a.addr, a.targets...)
		}
		if fwd {
			h.legacy.SetForward(a.addr, a.targets[0], r.IntN(2) == 0)
		}
		if loop && !h.looping(a.targets[0]) {
			h.loopers = append(h.loopers, hwLoop{a.targets[0], a.addr})
		}
		h.addrs = append(h.addrs, a)
	}
	// Forwarding that will loop once the address is a group containing the
	// person (the correct sequence removes it first).
	for _, l := range h.loopers {
		err := runProc(w, "setup-forward", func(ctx context.Context) error {
			return hwClient(w, w.Tenant()).SetForwarding(ctx, l.person, mailops.ForwardTo(l.addr, false))
		})
		if err != nil {
			return nil, fmt.Errorf("setup forwarding: %w", err)
		}
	}
	if err := w.Scheduler().RunFor(p.recipMax); err != nil {
		return nil, err
	}

	// A mailing list on its own domain, and devices behind the relay.
	ls := w.AddListServer("mx."+hwLists, time.Hour, false, hwLists)
	h.list = "all@" + hwLists
	members := h.people[:min(3, len(h.people))]
	ls.SetList(h.list, members...)
	var names []string
	for _, m := range members {
		names = append(names, string(m))
	}
	e.Address(h.list, names...)
	w.AddAuthRelay(hwRelay, "relay@"+hwOrg, netip.MustParsePrefix("10.0.0.0/8"))

	// Transient trouble at the legacy host: senders retry through it.
	stages := []string{mailflow.StageConnect, mailflow.StageMail, mailflow.StageRcpt, mailflow.StageData}
	for i := 0; i < p.smtpFaults; i++ {
		f := mailflow.SMTPFault{Host: hwLegacy, Stage: stages[r.IntN(len(stages))], Count: 1 + r.IntN(3)}
		if f.Stage == mailflow.StageRcpt || f.Stage == mailflow.StageData {
			f.Rcpt = h.addrs[r.IntN(len(h.addrs))].addr
		}
		w.InjectSMTPFault(f)
	}
	for i := 0; i < p.lostReplies; i++ {
		w.InjectSMTPFault(mailflow.SMTPFault{Host: hwLegacy, Stage: mailflow.StageDataReply, Rcpt: h.addrs[r.IntN(len(h.addrs))].addr, Count: 1})
	}

	h.start = w.Scheduler().Now()
	var to, internalOnly []mailops.Address
	for _, a := range h.addrs {
		if a.external {
			to = append(to, a.addr)
		} else {
			internalOnly = append(internalOnly, a.addr)
		}
	}
	to = append(append(to, h.people...), h.list)
	w.StartTraffic("hw", mailflow.Traffic{
		PerHour: p.perHour, From: h.start, Until: h.start.Add(time.Duration(p.hours) * time.Hour),
		Internet: h.internet, Partner: h.partner, Internal: h.people,
		Devices: []mailflow.Device{{Relay: hwRelay, Client: netip.MustParseAddr("10.1.2.3"), From: "nas@" + hwOrg}},
		To:      to, Outside: h.internet, InternalOnly: internalOnly,
	})
	return h, nil
}

func (h *hwWorld) looping(person mailops.Address) bool {
	for _, l := range h.loopers {
		if l.person == person {
			return true
		}
	}
	return false
}

// variant names a known-bad departure from the correct sequence.
type variant string

const (
	correct            variant = ""
	emptyGroups        variant = "group created empty, members added later"
	earlyAuthoritative variant = "Authoritative before the groups propagated"
	forwardLoop        variant = "forwarding loop between a member and the group"
	senderAuthLeftOn   variant = "RequireSenderAuthentication left on for external addresses"
	noConnector        variant = "InternalRelay without a connector after the MX switch"
	restrictAtCreation variant = "internal-only groups restricted while internal mail can still come back from outside"
	connectorByMX      variant = "connector routing by MX instead of smart host"
	mxBeforeConnector  variant = "MX switched before the connector reached mail flow"
)

// hwGiveUp is how long senders keep retrying (mailflow.Config's default).
const hwGiveUp = 48 * time.Hour

// probe sends one message to every departmental address that can get it
// from the sender kind: internet senders to external addresses, tenant users
// to the rest. The property tests place probes where a bad sequence loses
// mail, so that the loss does not depend on the traffic's luck.
func (h *hwWorld) probe(tag string) {
	for _, a := range h.addrs {
		if a.external {
			h.w.SendFromInternet(h.internet[0], "Probe "+tag, a.addr)
		} else {
			h.w.SendFromTenant(h.w.Tenant(), h.people[len(h.people)-1], "Probe "+tag, a.addr)
		}
	}
	for _, l := range h.loopers {
		h.w.SendFromInternet(h.internet[1], "Probe "+tag, l.person)
	}
}

// migration is the outcome of migrate.
type migration struct {
	done     bool
	err      error
	switched time.Time // when the MX changed
}

// migrate is the consolidation of DESIGN.md section 8, step by step through
// the Client, waiting each kind of change's propagation bound, or one of its
// known-bad variants. It runs as a simulated process from now.
func (h *hwWorld) migrate(v variant) *migration {
	w, p := h.w, h.p
	m := &migration{}
	sleep := func(ctx context.Context, d time.Duration) error { return w.Scheduler().Sleep(ctx, d) }
	settle := func(ctx context.Context, d time.Duration) error { return sleep(ctx, d+time.Minute) }
	w.Scheduler().GoNamed("migrate", func() {
		ctx := context.Background()
		c := hwClient(w, w.Tenant())
		defer func() { m.done = true }()
		m.err = func() error {
			// (1) the department's admin group.
			if err := c.CreateGroup(ctx, h.admins); err != nil {
				return err
			}
			// (2) the domain: a subdomain of a verified domain needs no proof.
			gapFrom := w.Scheduler().Now()
			release := w.HoldSettling() // the gap is declared when it closes
			defer release()
			if err := hwProvision(ctx, w, c, hwDept, nil); err != nil {
				return err
			}
			// (3) InternalRelay at once. Until it reaches mail flow the new
			// domain is Authoritative and internal senders get 5.1.10 for
			// its addresses: the documented gap (DESIGN.md section 8),
			// declared so that the oracle reports its bounces apart.
			if err := c.SetDomainType(ctx, hwDept, mailops.InternalRelay); err != nil {
				return err
			}
			if err := settle(ctx, p.domainMax); err != nil {
				return err
			}
			w.Expect().Gap(hwDept, gapFrom, w.Scheduler().Now())
			release()
			// (4) the connector to the legacy server, by smart host.
			conn := mailops.OutboundConnector{Name: "To dept legacy", Type: mailops.OnPremises, RecipientDomains: []string{hwDept},
				SmartHosts: []string{hwLegacy}, Enabled: true}
			if v == connectorByMX {
				conn.UseMXRecord, conn.SmartHosts = true, nil
			}
			if v != noConnector {
				if err := c.CreateOutboundConnector(ctx, conn); err != nil {
					return err
				}
				if v != mxBeforeConnector {
					if err := settle(ctx, p.connMax); err != nil {
						return err
					}
				}
			}
			// (5) the MX to Exchange Online, the host the domain's service
			// records name; resolvers drop the old one within its TTL.
			dom, err := c.GetDomain(ctx, hwDept)
			if err != nil {
				return err
			}
			exoMX, ok := dom.ServiceMX()
			if !ok {
				return fmt.Errorf("%s has no MX service record", hwDept)
			}
			if err := w.DNS().Publish(ctx, mailops.DNSChange{Domain: hwDept,
				Remove: []mailops.DNSRecord{{Type: "MX", Label: "@", Value: hwLegacy, Preference: 10}},
				Add:    []mailops.DNSRecord{{Type: "MX", Label: "@", Value: exoMX, Preference: 0, TTL: 3600}}}); err != nil {
				return err
			}
			m.switched = w.Scheduler().Now()
			if err := settle(ctx, p.mxTTL); err != nil {
				return err
			}
			h.probe("after the MX switch")
			// (6) forwarding that points back at an address goes first,
			// then one group per address with its members in the same
			// call. Every group accepts external senders for now (see
			// step 8).
			if v != forwardLoop && len(h.loopers) > 0 {
				for _, l := range h.loopers {
					if err := c.SetForwarding(ctx, l.person, mailops.Forwarding{}); err != nil {
						return err
					}
				}
				if err := settle(ctx, p.recipMax); err != nil {
					return err
				}
			}
			for _, a := range h.addrs {
				g := mailops.Group{PrimaryAddress: a.addr, Name: "Dept " + a.addr.Local(), Members: a.targets,
					Owners: []mailops.Address{h.admins.PrimaryAddress}}
				switch v {
				case emptyGroups:
					g.Members = nil
				case senderAuthLeftOn:
					g.RequireSenderAuthentication = true
				case restrictAtCreation:
					g.RequireSenderAuthentication = !a.external
				}
				if err := c.CreateGroup(ctx, g); err != nil {
					return err
				}
			}
			if v == emptyGroups {
				if err := settle(ctx, p.groupMax); err != nil {
					return err
				}
				h.probe("empty groups")
				for _, a := range h.addrs {
					if err := c.SetGroupMembers(ctx, a.addr, a.targets); err != nil {
						return err
					}
				}
			}
			if v != earlyAuthoritative {
				if err := settle(ctx, p.groupMax); err != nil {
					return err
				}
			}
			h.probe("groups")
			// (7) Authoritative, then the connector goes.
			if err := c.SetDomainType(ctx, hwDept, mailops.Authoritative); err != nil {
				return err
			}
			if err := settle(ctx, p.domainMax); err != nil {
				return err
			}
			h.probe("authoritative")
			if v != noConnector {
				if err := c.DeleteOutboundConnector(ctx, conn.Name); err != nil {
					return err
				}
			}
			if err := settle(ctx, p.connMax); err != nil {
				return err
			}
			h.probe("connector removed")
			// (8) internal-only groups accept only internal senders once
			// no internal message can still come back from outside: one
			// sent before the switch and deferred by the legacy server
			// re-enters Exchange Online by the new MX as unauthenticated
			// mail, and a restricted group bounces it (5.7.133).
			if v == restrictAtCreation || v == senderAuthLeftOn {
				return nil
			}
			if err := sleep(ctx, m.switched.Add(hwGiveUp+time.Minute).Sub(w.Scheduler().Now())); err != nil {
				return err
			}
			for _, a := range h.addrs {
				if !a.external {
					if err := c.SetGroupSenderAuthentication(ctx, a.addr, true); err != nil {
						return err
					}
				}
			}
			if err := settle(ctx, p.groupMax); err != nil {
				return err
			}
			h.probe("restricted")
			return nil
		}()
	})
	return m
}
