package mailflow

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// Config sets up a World.
type Config struct {
	Seed uint64
	// Start is when the world's virtual clock starts (default DefaultStart).
	// Domains added on or after fake.MXMicrosoftDate get mx.microsoft MX
	// hosts.
	Start time.Time
	// Tenant and Partner configure our tenant and the partner's tenant.
	Tenant, Partner fake.TenantConfig
	// HopDelay is the time one SMTP hop takes (default 2s).
	HopDelay time.Duration
	// RetryBase and RetryMax bound senders' retry backoff (default 5m, 1h);
	// GiveUp is when a sender gives up and bounces (default 48h).
	RetryBase, RetryMax, GiveUp time.Duration
	// EXOIgnoresPreference: senders hosted in Exchange Online deliver inside
	// Exchange Online when any MX of the recipient's domain points at it,
	// whatever its preference (the cutover seed's partner incident).
	EXOIgnoresPreference bool
	// EXOIgnoresMX: a domain verified in a tenant receives the mail of other
	// tenants inside Exchange Online whatever its MX (exo-facts 9.1, third-party
	// reports).
	EXOIgnoresMX bool
	// KeepEvents keeps every ledger event (hops, deferrals), not only outcomes.
	KeepEvents bool
	// Retention bounds what the ledger keeps for long runs (labs, soaks);
	// the zero value keeps everything.
	Retention Retention
}

// DefaultStart is when a world's clock starts unless Config.Start says
// otherwise: a current date, after Exchange Online began handing out
// mx.microsoft hosts.
var DefaultStart = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	if c.HopDelay == 0 {
		c.HopDelay = 2 * time.Second
	}
	if c.RetryBase == 0 {
		c.RetryBase = 5 * time.Minute
	}
	if c.RetryMax == 0 {
		c.RetryMax = time.Hour
	}
	if c.GiveUp == 0 {
		c.GiveUp = 48 * time.Hour
	}
	if c.Retention.SettleAfter == 0 {
		c.Retention.SettleAfter = c.GiveUp + c.RetryMax + time.Hour
	}
	if c.Retention.TraceFor == 0 {
		c.Retention.TraceFor = c.Retention.SettleAfter
	}
	return c
}

// World is one simulated mail world on one scheduler, from one seed.
type World struct {
	cfg     Config
	s       *sim.Scheduler
	cloud   *fake.Cloud
	tenant  *fake.Tenant
	partner *fake.Tenant
	// tenantView and partnerView are their mail views for the hot path
	// (memoview.go).
	tenantView, partnerView *memoView
	// owners remembers which tenant holds which domain (tenantOf).
	owners  ownersMemo
	dns     *wireDNS
	ledger  *Ledger
	expect  *Expectations
	faults  faults
	exo     *exo
	hosts   map[string]Host
	nextID  int
	resolvr map[string]Resolver
	// msgIDs maps the Message-ID of messages submitted over SMTP sessions
	// to their message, so that a retry is the same message (smtp.go).
	msgIDs map[string]*Message
	// msgIDOrder lists msgIDs' keys in order, to forget them under a
	// bounded retention.
	msgIDOrder []string
	// exoHosts are the Exchange Online MX hosts the DNS publishes;
	// noCache resolves for senders without a resolver (exohosts.go).
	exoHosts exoHosts
	noCache  Resolver
	// trace holds the message trace rows (trace.go).
	trace traceLog
	// routes interns route names; routeBuf is routeOf's scratch space.
	routes   map[string]string
	routeBuf []byte
	// senders are the internet senders' queues, by domain; devices the
	// devices' queues and routes to their relay.
	senders map[string]*outbound
	devices map[deviceKey]*device
	// parsed remembers parsed addresses (smtp.go); mailboxes interns
	// mailbox names.
	parsed    map[string]parsedAddress
	mailboxes map[string]map[string]map[mailops.Address]Mailbox
	// hopNames (by kind, then subject; hopNamesN counts them) and
	// hostInfos are names worked out once (hopnames.go).
	hopNames  map[string]map[string]string
	hopNamesN int
	hostInfos map[string]hostInfo
	// envPool holds the storage of copies whose last event has run
	// (envpool.go).
	envPool []*envelope
	// greetings and clientHops are SMTP sessions' greeting texts by host
	// and hop names by client address (smtp.go).
	greetings  map[string]string
	clientHops map[netip.Addr]string
	// trails, headers and msgs hand out trail nodes, copy headers and
	// messages (slab.go).
	trails  slab[trail]
	headers slab[copyHeader]
	msgs    slab[Message]
}

// pushHop is t.push(hop) with the node from the world's slab.
func (w *World) pushHop(t *trail, hop string) *trail {
	n := w.trails.get()
	*n = trail{prev: t, hop: hop, n: t.len() + 1}
	return n
}

type deviceKey struct {
	client netip.Addr
	relay  string
}

type device struct {
	out   *outbound
	route func() ([]string, Reply)
}

// mailbox returns a mailbox name ("legacy", "exo" with a tenant, or
// "internet"), made once per mailbox.
func (w *World) mailbox(kind, tenant string, a mailops.Address) Mailbox {
	byAddr := w.mailboxes[kind][tenant]
	if mb, ok := byAddr[a]; ok {
		return mb
	}
	var mb Mailbox
	switch kind {
	case "legacy":
		mb = LegacyMailbox(a)
	case "exo":
		mb = EXOMailbox(tenant, a)
	default:
		mb = InternetMailbox(a)
	}
	if byAddr == nil {
		if w.mailboxes == nil {
			w.mailboxes = map[string]map[string]map[mailops.Address]Mailbox{}
		}
		if w.mailboxes[kind] == nil {
			w.mailboxes[kind] = map[string]map[mailops.Address]Mailbox{}
		}
		byAddr = map[mailops.Address]Mailbox{}
		w.mailboxes[kind][tenant] = byAddr
	}
	byAddr[a] = mb
	return mb
}

// NewWorld makes a world: a cloud with our tenant ("ours") and a partner
// tenant ("partner"), DNS, Exchange Online's edge, a ledger and empty
// expectations. Add legacy servers, internet domains and traffic next.
func NewWorld(cfg Config) *World {
	cfg = cfg.withDefaults()
	s := sim.NewAt(cfg.Seed, cfg.Start)
	w := &World{cfg: cfg, s: s, expect: NewExpectations(), hosts: map[string]Host{}, resolvr: map[string]Resolver{}}
	w.ledger = newBoundedLedger(cfg.KeepEvents, cfg.Retention, w.expect)
	w.ledger.routeOf = w.routeOf
	if r := cfg.Retention; r.SettleDoneAfter > 0 || r.TraceFor > r.SettleAfter {
		// Message trace answers for messages settled before their rows
		// are forgotten (otherwise a row outlives its message by the
		// seconds between submission and receipt only).
		w.ledger.early.onSettle = w.settleTrace
	}
	w.dns = newWireDNS(s)
	w.dns.beforeQuery = w.beforeDNSQuery
	w.cloud = fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	w.cloud.SetProofChecker(proofChecker{w.dns})
	w.tenant = w.cloud.NewTenant("ours", cfg.Tenant)
	w.partner = w.cloud.NewTenant("partner", cfg.Partner)
	for _, t := range w.tenants() {
		t.SetTraceSource(w.traceSource(t))
	}
	w.exo = &exo{w: w}
	w.exo.out = &outbound{w: w, from: "exo", resolver: w.Resolver("exo")}
	return w
}

// Scheduler, Cloud, Tenant, Partner, DNS, Ledger and Expect give access to
// the parts.
func (w *World) Scheduler() *sim.Scheduler   { return w.s }
func (w *World) Cloud() *fake.Cloud          { return w.cloud }
func (w *World) Tenant() *fake.Tenant        { return w.tenant }
func (w *World) Partner() *fake.Tenant       { return w.partner }
func (w *World) DNS() DNS                    { return w.dns }
func (w *World) Ledger() *Ledger             { return w.ledger }
func (w *World) Expect() *Expectations       { return w.expect }
func (w *World) Seed() uint64                { return w.cfg.Seed }
func (w *World) InjectSMTPFault(f SMTPFault) { w.faults.add(f) }

// Resolver returns the caching resolver of one sender (made on first use).
func (w *World) Resolver(sender string) Resolver {
	r, ok := w.resolvr[sender]
	if !ok {
		r = w.dns.NewResolver(sender)
		w.resolvr[sender] = r
	}
	return r
}

func (w *World) hostByName(name string) Host { return w.hostOf(w.hostInfoOf(name)) }

// hostOf returns the host a name reaches (nil: none).
func (w *World) hostOf(hi hostInfo) Host {
	if hi.exoHost {
		return w.exo
	}
	return w.hosts[hi.norm]
}

// AddLegacy adds a legacy server for domains and points their MX at it.
func (w *World) AddLegacy(host string, ttl time.Duration, domains ...string) *Legacy {
	l := &Legacy{w: w, host: host, domains: map[string]bool{}, addrs: map[mailops.Address]*legacyAddr{}}
	l.out = &outbound{w: w, from: host, resolver: w.Resolver(host)}
	for _, d := range domains {
		l.domains[d] = true
		w.dns.SetMX(d, ttl, MX{Host: host, Pref: 10})
	}
	w.hosts[host] = l
	return l
}

// AddInternetDomain makes an ordinary internet domain whose mail lands in
// internet mailboxes.
func (w *World) AddInternetDomain(domain string) {
	host := "mx." + domain
	h, ok := w.hosts[host].(*internet)
	if !ok {
		h = &internet{w: w, host: host, domains: map[string]bool{}}
		w.hosts[host] = h
	}
	h.domains[domain] = true
	w.dns.SetMX(domain, time.Hour, MX{Host: host, Pref: 10})
}

// HoldSettling keeps messages whose copies end from now on from settling
// early (Retention.SettleDoneAfter) until release is called (once; later
// calls do nothing). Call it where an expectation will be declared after
// the fact: at the start of a verification gap that is declared with
// Expectations.Gap when it closes, for example. Without SettleDoneAfter it
// does nothing.
func (w *World) HoldSettling() (release func()) { return w.ledger.hold() }

// probe keeps m open in the ledger until Retention.SettleAfter: a
// differential check reads where it landed after the run.
func (w *World) probe(m *Message) *Message {
	m.keepOpen = true
	return m
}

func (w *World) newMessage(origin string, from mailops.Address, name string, to []mailops.Address) *Message {
	w.nextID++
	m := w.msgs.get()
	*m = Message{ID: w.nextID, From: from, FromName: name, Origin: origin, Submitted: w.s.Now(), Size: 4096}
	if len(to) == 1 {
		m.toInline[0] = to[0]
		m.To = m.toInline[:1:1]
	} else {
		m.To = append([]mailops.Address(nil), to...)
	}
	w.ledger.submit(m)
	if w.ledger.bounded {
		w.forget()
	}
	return m
}

// SendFromInternet submits a message from an internet sender: its MTA looks
// the recipients' MX up through its own resolver.
func (w *World) SendFromInternet(from mailops.Address, name string, to ...mailops.Address) *Message {
	m := w.newMessage("internet", from, name, to)
	out := w.senders[from.Domain()]
	if out == nil {
		out = &outbound{w: w, from: "internet:" + from.Domain(), resolver: w.Resolver("internet:" + from.Domain())}
		if w.senders == nil {
			w.senders = map[string]*outbound{}
		}
		w.senders[from.Domain()] = out
	}
	for _, rcpt := range to {
		env := newEnvelope(w, m, rcpt, from, name, netip.Addr{})
		out.send(env, out.mxRoute(rcpt.Domain()), 0)
	}
	return m
}

// SendFromTenant submits a message from a user of tenant t (ours or the
// partner's): an authenticated submission to Exchange Online.
func (w *World) SendFromTenant(t *fake.Tenant, from mailops.Address, name string, to ...mailops.Address) *Message {
	origin := "internal"
	if t != w.tenant {
		origin = "partner"
	}
	m := w.newMessage(origin, from, name, to)
	for _, rcpt := range to {
		env := newEnvelope(w, m, rcpt, from, name, netip.Addr{})
		// The user's session is authenticated to t from the start (the
		// header is not shared yet): exo.submit then has nothing to change.
		env.hdr.auth = t
		env.schedule(w, w.cfg.HopDelay, "submit", pending{step: stepSubmit, target: t, out: w.exo.out})
	}
	return m
}

// deliversInside says whether Exchange Online keeps mail for a domain held by
// another tenant inside the service (see Config).
func (w *World) deliversInside(domain string) bool {
	if w.cfg.EXOIgnoresMX {
		return true
	}
	if !w.cfg.EXOIgnoresPreference {
		return false
	}
	mxs, err := w.Resolver("exo").LookupMX(context.Background(), domain)
	if err != nil {
		return false
	}
	for _, m := range mxs {
		if isEXOHost(m.Host) {
			return true
		}
	}
	return false
}

func (w *World) deliver(env *envelope, mb Mailbox) {
	w.ledger.record(Event{At: w.s.Now(), Kind: EvDeliver, Msg: env.msg.ID, Orig: env.hdr.orig, Mailbox: mb,
		origin: env.msg.Origin, hops: env.path(), FromDisplay: env.hdr.fromDisplay})
}

func (w *World) bounce(env *envelope, host string, r Reply) {
	w.ledger.record(Event{At: w.s.Now(), Kind: EvBounce, Msg: env.msg.ID, Orig: env.hdr.orig, Rcpt: env.rcpt, Host: host, Reply: r, hops: env.path()})
}

func (w *World) loop(env *envelope, host string) {
	w.ledger.record(Event{At: w.s.Now(), Kind: EvLoop, Msg: env.msg.ID, Orig: env.hdr.orig, Host: host, Reply: ReplyHopCount, hops: env.path()})
}

func (w *World) drop(env *envelope, host, why string) {
	w.ledger.record(Event{At: w.s.Now(), Kind: EvDrop, Msg: env.msg.ID, Orig: env.hdr.orig, Host: host, Detail: why, hops: env.path()})
}

// Check runs the oracle over everything so far.
func (w *World) Check() Report { return Check(w.ledger, w.expect, w.cfg.Seed) }

// Admin runs fn as a simulated process with a Client acting as an admin of
// our tenant.
func (w *World) Admin(name string, opts mailops.Options, fn func(ctx context.Context, c *mailops.Client)) {
	opts.Clock = w.s
	c := mailops.NewClient(w.tenant.Driver(name), opts)
	w.s.GoNamed(name, func() { fn(context.Background(), c) })
}

// relay is the device relay: it accepts without authentication only from
// allowed networks and submits to Exchange Online with its account's
// credentials; it refuses everyone else (never an open relay).
type relay struct {
	w       *World
	host    string
	allowed []netip.Prefix
	account mailops.Address
}

func (r *relay) Name() string { return r.host }

func (r *relay) receive(env *envelope) Reply {
	ok := false
	for _, p := range r.allowed {
		ok = ok || p.Contains(env.hdr.client)
	}
	if !ok {
		return Reply{554, "5.7.1", "Relay access denied: " + env.hdr.client.String() + " is not an allowed network"}
	}
	e := env.via(r.w, "relay:"+r.host)
	e.setFrom(r.account)
	e.schedule(r.w, r.w.cfg.HopDelay, "relay submit", pending{step: stepRelaySubmit, target: r})
	return OK
}

// AddRelay adds the device relay on port 587 for devices in allowed networks;
// it submits as account (a mailbox of our tenant).
func (w *World) AddRelay(host string, account mailops.Address, allowed ...netip.Prefix) {
	w.hosts[host] = &relay{w: w, host: host, allowed: allowed, account: account}
}

// SendFromDevice submits a message from a device at client to the relay.
func (w *World) SendFromDevice(relayHost string, client netip.Addr, from mailops.Address, to ...mailops.Address) *Message {
	m := w.newMessage("device", from, "", to)
	d := w.devices[deviceKey{client, relayHost}]
	if d == nil {
		d = &device{out: &outbound{w: w, from: "device:" + client.String()}, route: fixedRoute(relayHost)}
		if w.devices == nil {
			w.devices = map[deviceKey]*device{}
		}
		w.devices[deviceKey{client, relayHost}] = d
	}
	for _, rcpt := range to {
		env := newEnvelope(w, m, rcpt, from, "", client)
		d.out.send(env, d.route, 0)
	}
	return m
}

// routeOf names a copy's route for timelines: the origin, then each kind of
// hop (EXO, group, alias, forward, connector, legacy, internet, device relay).
// Routes are interned: a route seen before costs no allocation.
func (w *World) routeOf(origin string, t *trail) string {
	var stack [32]string
	hops := stack[:0]
	if t.len() > len(stack) {
		hops = make([]string, 0, t.len())
	}
	for ; t != nil; t = t.prev {
		hops = append(hops, t.hop)
	}
	buf := append(w.routeBuf[:0], origin...)
	lastKind := origin
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		kind := h
		if i := strings.IndexByte(h, ':'); i > 0 {
			kind = h[:i]
		}
		switch kind {
		case "exo":
			kind = "EXO"
		case "relay":
			if !strings.Contains(h, ":") {
				continue // EXO's relay decision; the connector or MX hop follows
			}
			kind = "device-relay"
		case "group", "alias", "forward", "connector", "mailuser", "contact":
		default:
			switch w.hosts[h].(type) {
			case *Legacy:
				kind = "legacy"
			case *internet:
				kind = "internet"
			case *relay, *authRelay:
				kind = "device-relay"
			case *ListServer:
				kind = "list"
			}
		}
		if lastKind != kind {
			buf = append(buf, "→"...)
			buf = append(buf, kind...)
			lastKind = kind
		}
	}
	w.routeBuf = buf
	if r, ok := w.routes[string(buf)]; ok {
		return r
	}
	if w.routes == nil {
		w.routes = map[string]string{}
	}
	r := string(buf)
	w.routes[r] = r
	return r
}
