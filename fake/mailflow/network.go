package mailflow

import (
	"context"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// MX is one mail exchanger.
type MX struct {
	Host string
	Pref uint16
}

// Resolver answers MX questions, each sender through its own caching
// resolver, so an MX change reaches different senders at different times.
// fake/dnsserver's caching resolvers satisfy it through an adapter.
type Resolver interface {
	LookupMX(ctx context.Context, domain string) ([]MX, error)
	// LookupHost returns a host's addresses (an error for NXDOMAIN).
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// envelope is one copy of a message on its way to one recipient. A hop makes
// a new envelope (via, child), so it is kept small: what copies rarely change
// is in a header they share.
type envelope struct {
	msg  *Message
	hdr  *copyHeader
	rcpt mailops.Address // the current envelope recipient
	// trail is the copy's hops (shared, immutable: see trail.go). The
	// ledger keeps trails, not copies: once a copy's last event has run its
	// storage is reused (envpool.go), and only its small trail node lives
	// on.
	trail *trail
	// pending is what the copy's scheduled event does (see Run): a copy is
	// in at most one event at a time, so it carries the event's state and
	// the loop needs no closure per hop.
	pending pending
	hops    int32
}

// copyHeader is what the copies of a message share until one of them
// changes it; it is never changed in place (the setters make a new one).
type copyHeader struct {
	orig mailops.Address // the recipient as the sender addressed it
	from mailops.Address
	// fromDisplay is the From display name as the final recipient sees it.
	fromDisplay string
	auth        *fake.Tenant // tenant the sender is authenticated in; nil for unauthenticated
	client      netip.Addr
}

// newEnvelope is a message's first copy for one recipient.
func newEnvelope(w *World, m *Message, rcpt, from mailops.Address, fromDisplay string, client netip.Addr) *envelope {
	e := w.newEnv()
	h := w.headers.get()
	*h = copyHeader{orig: rcpt, from: from, fromDisplay: fromDisplay, client: client}
	e.msg, e.rcpt, e.hdr = m, rcpt, h
	w.ledger.copyMade(m)
	return e
}

// setAuth, setFrom, setFromDisplay and setClient change the copy's header.
func (e *envelope) setAuth(t *fake.Tenant) {
	setHeader(e, func(h *copyHeader) **fake.Tenant { return &h.auth }, t)
}

func (e *envelope) setFrom(a mailops.Address) {
	setHeader(e, func(h *copyHeader) *mailops.Address { return &h.from }, a)
}

func (e *envelope) setFromDisplay(s string) {
	setHeader(e, func(h *copyHeader) *string { return &h.fromDisplay }, s)
}

func (e *envelope) setClient(a netip.Addr) {
	setHeader(e, func(h *copyHeader) *netip.Addr { return &h.client }, a)
}

// setHeader gives the copy a header whose field (chosen by field) is v:
// the same header when it already is, else a changed copy (headers are
// shared and never changed in place).
func setHeader[T comparable](e *envelope, field func(*copyHeader) *T, v T) {
	if *field(e.hdr) == v {
		return
	}
	h := *e.hdr
	*field(&h) = v
	e.hdr = &h
}

// step names what an envelope's pending event does.
type step uint8

const (
	stepTry             step = iota + 1 // out.try(env, route, attempt)
	stepTransport                       // exo transport in tenant
	stepSubmit                          // exo submission by a user of tenant
	stepCrossTenant                     // exo hands the copy to tenant inside the service
	stepExternal                        // exo relays an attributed copy out of tenant
	stepLegacyLocal                     // the legacy host delivers locally (host)
	stepInternetLocal                   // an internet host delivers (host)
	stepRelaySubmit                     // a device relay submits (host)
	stepAuthRelaySubmit                 // an AUTH relay submits (host, attempt)
)

// pending is an envelope's scheduled step and its arguments.
type pending struct {
	step    step
	attempt int32
	// out is the sending queue of stepTry, and Exchange Online's own for
	// the steps inside the service.
	out   *outbound
	route func() ([]string, Reply)
	// target is the tenant of the steps inside Exchange Online, the host
	// of the steps at a host.
	target any
}

// schedule runs step p for the copy d from now, as the named event.
func (e *envelope) schedule(w *World, d time.Duration, name string, p pending) {
	e.pending = p
	w.s.ScheduleRun(d, name, e)
}

// Run does the copy's pending step (sim.Runner). A copy that the step did
// not schedule again has had its last event: its storage goes back to the
// world's pool.
func (e *envelope) Run() {
	p := e.pending
	e.pending = pending{}
	w := p.world()
	switch p.step {
	case stepTry:
		p.out.try(e, p.route, int(p.attempt))
	case stepTransport:
		w.exo.transport(p.target.(*fake.Tenant), e)
	case stepSubmit:
		w.exo.submit(p.target.(*fake.Tenant), e)
	case stepCrossTenant:
		w.traceReceived(p.target.(*fake.Tenant), e)
		w.exo.transport(p.target.(*fake.Tenant), e)
	case stepExternal:
		t := p.target.(*fake.Tenant)
		w.exo.external(t, w.view(t), e)
	case stepLegacyLocal:
		p.target.(*Legacy).local(e, 0)
	case stepInternetLocal:
		w.deliver(e, w.mailbox("internet", "", e.rcpt))
	case stepRelaySubmit:
		w.exo.submit(w.tenant, e)
	case stepAuthRelaySubmit:
		p.target.(*authRelay).submit(e, int(p.attempt))
	}
	if e.pending.step == 0 {
		w.freeEnv(e)
	}
}

// world returns the world a pending step runs in.
func (p pending) world() *World {
	switch t := p.target.(type) {
	case *Legacy:
		return t.w
	case *internet:
		return t.w
	case *relay:
		return t.w
	case *authRelay:
		return t.w
	}
	if p.out == nil {
		panic("mailflow: an envelope's event has no step")
	}
	return p.out.w
}

// path is the copy's hop trail (nil before its first hop).
func (e *envelope) path() *trail { return e.trail }

func (e *envelope) child(w *World, rcpt mailops.Address, via string) *envelope {
	c := e.via(w, via)
	c.rcpt = rcpt
	return c
}

// via returns a new copy with one more hop (storage from w's pool).
func (e *envelope) via(w *World, h string) *envelope {
	c := w.newEnv()
	*c = *e
	c.trail = w.pushHop(e.trail, h)
	c.pending = pending{}
	w.ledger.copyMade(c.msg)
	return c
}

// Host is one mail server in the simulated world. Receive is one SMTP
// transaction for one recipient: a positive reply means the host took the
// message (and will deliver, relay or bounce it itself).
type Host interface {
	Name() string
	receive(env *envelope) Reply
}

// maxHops is where Exchange Online stops a loop (5.4.14, "after 20
// iterations", exo-facts 11).
const maxHops = 20

// outbound is a sender's queue: it tries each target in order, defers on
// 4xx or no answer, retries with backoff and gives up at the horizon.
type outbound struct {
	w        *World
	from     string   // sending host, for the trail
	resolver Resolver // nil: targets must be fixed hosts
	// addr is the sending host's address, which receiving hosts see (zero:
	// the envelope's client is left as it is).
	addr netip.Addr
	// sendName and retryName name the sender's events (made once); routes
	// are its MX routes by domain (mxRoute).
	sendName, retryName string
	routes              map[string]func() ([]string, Reply)
}

// names returns the names of the sender's events.
func (o *outbound) names() (send, retry string) {
	if o.sendName == "" {
		o.sendName, o.retryName = "smtp "+o.from, "retry "+o.from
	}
	return o.sendName, o.retryName
}

// send delivers env to the hosts that route returns, now and on retries.
func (o *outbound) send(env *envelope, route func() ([]string, Reply), attempt int) {
	w := o.w
	name, _ := o.names()
	env.schedule(w, w.cfg.HopDelay, name, pending{step: stepTry, out: o, route: route, attempt: int32(attempt)})
}

func (o *outbound) try(env *envelope, route func() ([]string, Reply), attempt int) {
	w := o.w
	targets, rerr := route()
	last := rerr
	for _, name := range targets {
		hi := w.hostInfoOf(name)
		if hi.exoName && !w.resolvesEXO(o.resolver, hi.norm) {
			// No address: the host was built from the domain name, not
			// taken from the domain's service records.
			last = ReplyHostNotFound(name)
			continue
		}
		h := w.hostOf(hi)
		if h == nil {
			last = Reply{451, "4.4.1", "no answer from " + name}
			continue
		}
		r := w.faults.before(h.Name(), env.rcpt)
		if r.Code == 0 {
			e := env.via(w, h.Name())
			if o.addr.IsValid() {
				e.setClient(o.addr)
			}
			r = h.receive(e)
			w.done(e) // unless the host scheduled it, nothing keeps it (envpool.go)
		}
		if r.Positive() {
			w.hop(env, o.from, h.Name())
			if lost := w.faults.apply(h.Name(), StageDataReply, env.rcpt); lost.Code != 0 {
				// The host took the message, the sender never heard: it
				// will send it again (a duplicate, not a loss).
				w.ledger.record(Event{At: w.s.Now(), Kind: EvDefer, Msg: env.msg.ID, Orig: env.hdr.orig, Host: h.Name(), Reply: lost, hops: env.path()})
				o.retry(env, route, attempt)
			}
			return
		}
		if r.Permanent() {
			c := env.via(w, h.Name())
			w.bounce(c, h.Name(), r)
			w.freeEnv(c)
			return
		}
		last = r
	}
	if last.Code == 0 {
		last = Reply{451, "4.4.0", "no route"}
	}
	if last.Permanent() {
		w.bounce(env, o.from, last)
		return
	}
	w.ledger.record(Event{At: w.s.Now(), Kind: EvDefer, Msg: env.msg.ID, Orig: env.hdr.orig, Host: o.from, Reply: last, hops: env.path()})
	o.retry(env, route, attempt)
}

func (o *outbound) retry(env *envelope, route func() ([]string, Reply), attempt int) {
	w := o.w
	delay := w.cfg.RetryBase << min(attempt, 8)
	if delay > w.cfg.RetryMax {
		delay = w.cfg.RetryMax
	}
	if w.s.Now().Add(delay).Sub(env.msg.Submitted) > w.cfg.GiveUp {
		w.bounce(env, o.from, ReplyExpired)
		return
	}
	_, name := o.names()
	env.schedule(w, delay, name, pending{step: stepTry, out: o, route: route, attempt: int32(attempt + 1)})
}

// mxRoute resolves the recipient's domain through the sender's resolver and
// returns the MX hosts in preference order.
func (o *outbound) mxRoute(domain string) func() ([]string, Reply) {
	if r, ok := o.routes[domain]; ok {
		return r
	}
	r := o.newMXRoute(domain)
	if o.routes == nil {
		o.routes = map[string]func() ([]string, Reply){}
	}
	o.routes[domain] = r
	return r
}

// newMXRoute makes mxRoute's route for a domain (made once per sender and
// domain: it keeps no state of its own).
func (o *outbound) newMXRoute(domain string) func() ([]string, Reply) {
	if wr, ok := o.resolver.(*wireResolver); ok {
		return func() ([]string, Reply) {
			hosts, err := wr.mxHostsOf(context.Background(), domain)
			if err != nil || len(hosts) == 0 {
				return nil, ReplyNoRoute
			}
			return hosts, Reply{}
		}
	}
	return func() ([]string, Reply) {
		mxs, err := o.resolver.LookupMX(context.Background(), domain)
		if err != nil || len(mxs) == 0 {
			return nil, ReplyNoRoute
		}
		return mxHosts(mxs), Reply{}
	}
}

func mxHosts(mxs []MX) []string {
	s := append([]MX(nil), mxs...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Pref < s[j].Pref })
	out := make([]string, len(s))
	for i, m := range s {
		out[i] = strings.ToLower(strings.TrimSuffix(m.Host, "."))
	}
	return out
}

func fixedRoute(hosts ...string) func() ([]string, Reply) {
	return func() ([]string, Reply) { return hosts, Reply{} }
}

// isEXOHost reports whether a host name reaches Exchange Online: an MX
// target, or the client submission host.
func isEXOHost(h string) bool {
	return dnscheck.IsEXOMX(h) || strings.EqualFold(strings.TrimSuffix(h, "."), "smtp.office365.com")
}
