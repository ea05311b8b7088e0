package mailflow

import (
	"sort"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// EventKind names a ledger event.
type EventKind string

// Ledger event kinds.
const (
	EvSubmit  EventKind = "submit"
	EvHop     EventKind = "hop"
	EvDefer   EventKind = "defer"
	EvDeliver EventKind = "deliver"
	EvBounce  EventKind = "bounce"
	EvLoop    EventKind = "loop"
	// EvDrop: accepted and then delivered to nobody, without a bounce (for
	// example a group with no members).
	EvDrop EventKind = "drop"
)

// Event is one ledger entry for one copy of a message: which message, for
// which intended recipient (as the sender addressed it), what happened where.
type Event struct {
	At   time.Time
	Kind EventKind
	Msg  int
	Orig mailops.Address
	// Rcpt is the envelope recipient at this point (after group expansion
	// and forwarding; equal to Orig before them).
	Rcpt    mailops.Address
	Host    string
	Mailbox Mailbox
	Reply   Reply
	Route   string
	// Trail is the hops the copy took, first hop first. The ledger keeps
	// trails shared (see trail.go) and spells them out when its events are
	// read (Events); the oracle spells out the trails of violations.
	Trail []string
	// Detail explains a drop; FromDisplay is the From display name the
	// recipient sees.
	Detail      string
	FromDisplay string

	hops *trail
	// origin is a delivery's message origin, from which the ledger names
	// its Route when the event is read (Events, the observer): working the
	// route out costs a walk of the trail, and most deliveries are only
	// ever counted.
	origin string
}

// pairState is what the ledger knows about one (message, intended
// recipient), kept with its message: its outcome events (deliveries,
// bounces, loops, drops) as indexes into the ledger's events when it keeps
// every event, or as its own copies under a bounded retention, and how often
// it was deferred.
type pairState struct {
	orig      mailops.Address
	n         int32 // outcome events kept as indexes
	deferrals int32
	idx       [2]int32 // the first two indexes
	extra     *pairExtra
}

// pairExtra is what few pairs need: more than two outcome indexes, or their
// own copies of outcome events under a bounded retention. It lives apart so
// that the usual pair (and the message that holds it) stays small.
type pairExtra struct {
	more []int32 // outcome indexes after the first two
	own  []kept
}

// ext returns the pair's extra state, made on first use.
func (st *pairState) ext() *pairExtra {
	if st.extra == nil {
		st.extra = &pairExtra{}
	}
	return st.extra
}

// outcomes is a pair's outcome events sorted by kind, for the oracle.
type outcomes struct {
	deliveries []Event
	bounces    []Event
	loops      []Event
	drops      []Event
	deferrals  int
}

// Retention says what a world's ledger keeps (Config.Retention). The oracle's
// verdicts are the same under every retention: counts of every kind, and
// every violation with its cause and trail.
type Retention struct {
	// Keep chooses what is kept; the zero value keeps every event.
	Keep RetentionKind
	// Last is how many recent events RetainLast keeps (default 1,000).
	Last int
	// SettleAfter is, under a bounded retention, the age of a message at
	// which its (message, recipient) pairs are settled: classified by the
	// oracle and forgotten, except for the counts and, for a violation, its
	// verdict, cause and trail. Default: Config.GiveUp + Config.RetryMax +
	// one hour, by when every sender has delivered, bounced or given up.
	// Expectations about a message (a verification gap, for example) must be
	// declared before it settles; an event for a settled pair is counted by
	// Ledger.Late and otherwise ignored.
	SettleAfter time.Duration
	// SettleDoneAfter, when positive, also settles a message as soon as it
	// is that old and every copy of it has ended: delivered, bounced,
	// dropped, looped or given up, none in flight or in any queue, so no
	// event can come for it any more (settle.go). Messages submitted over
	// an SMTP session (a client may send the same Message-ID again) and the
	// probes of a differential check wait for SettleAfter. Expectations
	// about a message must then be declared within SettleDoneAfter of its
	// copies ending; the world's own late declaration, a migration's
	// verification gap, holds settling until it is made (World.HoldSettling
	// does the same for a caller's own late declarations). Zero leaves
	// settling to SettleAfter.
	SettleDoneAfter time.Duration
	// TraceFor is, under a bounded retention, how long message trace
	// answers for a copy after Exchange Online received it (default
	// SettleAfter; Exchange Online's own message trace covers 90 days).
	TraceFor time.Duration
}

// RetentionKind is what a ledger keeps.
type RetentionKind int

// Retentions.
const (
	// RetainAll keeps every event (Ledger.Events; hops and deferrals too
	// with Config.KeepEvents) and every pair until the end: memory grows
	// with the messages.
	RetainAll RetentionKind = iota
	// RetainViolations keeps no events: pairs are settled as they age, and
	// only counts and violations (with their trails) remain, so memory stays
	// flat however long the world runs. Message trace answers for the
	// messages not settled yet.
	RetainViolations
	// RetainLast is RetainViolations plus the last Retention.Last events
	// (Ledger.Events).
	RetainLast
)

// chunkSize is how many values a chunk of a chunked list holds.
const chunkSize = 256

// chunked is an append-only list in chunks of fixed size: appending never
// moves what is already there (no growing copies of a large slice), and a
// prefix can be dropped chunk by chunk.
type chunked[T any] struct {
	chunks [][]T
	n      int // values ever added
	first  int // values before first are dropped
}

func (c *chunked[T]) add(x T) int {
	if c.n%chunkSize == 0 {
		c.chunks = append(c.chunks, make([]T, 0, chunkSize))
	}
	k := len(c.chunks) - 1
	c.chunks[k] = append(c.chunks[k], x)
	c.n++
	return c.n - 1
}

// at returns value i (first <= i < n).
func (c *chunked[T]) at(i int) *T { return &c.chunks[i/chunkSize][i%chunkSize] }

// drop forgets the values before i, freeing the chunks that held them.
func (c *chunked[T]) drop(i int) {
	for k := c.first / chunkSize; k < i/chunkSize; k++ {
		c.chunks[k] = nil
	}
	c.first = i
}

// Ledger records everything that happens to every message.
type Ledger struct {
	msgs    []*Message
	msgBase int // msgs[i] is message msgBase+i+1
	keep    bool
	ret     Retention
	bounded bool
	// events are the kept events under RetainAll; flat is the part of them
	// Events has handed out, with trails spelt out. ring and ringNext are
	// RetainLast's last events.
	events   chunked[kept]
	flat     []Event
	ring     []Event
	ringNext int
	// expect classifies pairs as they settle; settled holds the counts
	// and violations of settled pairs, late the events that came after.
	expect  *Expectations
	settled Report
	viols   []Violation
	late    int
	// gather is scratch space for a pair's outcomes.
	gather outcomes
	// observer sees every event kept (observe.go).
	observer func(Event)
	// routeOf names a delivery's route from its origin and trail (the
	// world's routeOf; nil: deliveries have no Route).
	routeOf func(origin string, t *trail) string
	// Settling messages whose copies have ended (settle.go).
	early early
	// causes are the settled violations' causes, each text once.
	causes map[string]string
}

// NewLedger returns an empty ledger that keeps every event. With keepEvents
// false only outcomes are recorded as events (deliveries, bounces, loops,
// drops), not submissions, hops and deferrals.
func NewLedger(keepEvents bool) *Ledger { return &Ledger{keep: keepEvents} }

// newBoundedLedger returns a ledger with retention r (defaults applied),
// settling pairs against e.
func newBoundedLedger(keepEvents bool, r Retention, e *Expectations) *Ledger {
	l := NewLedger(keepEvents)
	l.ret, l.expect = r, e
	l.bounded = r.Keep != RetainAll
	l.early.on = l.bounded && r.SettleDoneAfter > 0
	if r.Keep == RetainLast && l.ret.Last <= 0 {
		l.ret.Last = 1000
	}
	return l
}

// Late returns how many events came for pairs already settled (always 0
// when the ledger keeps everything, and when Retention.SettleAfter is long
// enough).
func (l *Ledger) Late() int { return l.late }

// Unsettled returns how many (message, recipient) pairs the ledger holds
// open: all of them under RetainAll, the young ones under a bounded retention.
func (l *Ledger) Unsettled() int {
	n := 0
	l.eachOpen(func(m *Message) { n += len(m.pairs) })
	return n
}

// pair returns the state of (message m, orig), or nil.
func (m *Message) pair(orig mailops.Address) *pairState {
	for i := range m.pairs {
		if m.pairs[i].orig == orig {
			return &m.pairs[i]
		}
	}
	return nil
}

// newPair adds the state of (message m, orig); the pointer is good until the
// next pair of m is added.
func (m *Message) newPair(orig mailops.Address) *pairState {
	m.pairs = append(m.pairs, pairState{orig: orig})
	return &m.pairs[len(m.pairs)-1]
}

// pairOf returns the state of (message id, orig), or nil.
func (l *Ledger) pairOf(id int, orig mailops.Address) *pairState {
	if m := l.message(id); m != nil {
		return m.pair(orig)
	}
	return nil
}

func (l *Ledger) submit(m *Message) {
	if l.bounded {
		l.settle(m.Submitted)
	}
	l.msgs = append(l.msgs, m)
	if len(m.To) <= len(m.pairsInline) {
		m.pairs = m.pairsInline[:0:len(m.pairsInline)]
	} else {
		m.pairs = make([]pairState, 0, len(m.To))
	}
	for _, to := range m.To {
		if m.pair(to) == nil {
			m.newPair(to)
		}
	}
	if l.keep {
		for _, to := range m.To {
			l.keepEvent(Event{At: m.Submitted, Kind: EvSubmit, Msg: m.ID, Orig: to, Host: m.Origin})
		}
	}
}

// keepEvent keeps an event for Events, as the retention says, and returns
// its index when the ledger keeps every event (else -1).
func (l *Ledger) keepEvent(e Event) int {
	if l.observer != nil {
		l.notify(e)
	}
	switch l.ret.Keep {
	case RetainViolations:
		return -1
	case RetainLast:
		if len(l.ring) < l.ret.Last {
			l.ring = append(l.ring, e)
			return -1
		}
		l.ring[l.ringNext] = e
		l.ringNext = (l.ringNext + 1) % len(l.ring)
		return -1
	}
	return l.events.add(keep(&e))
}

func (l *Ledger) record(e Event) {
	m := l.message(e.Msg)
	if m == nil {
		l.late++ // settled and forgotten (bounded retention)
		return
	}
	st := m.pair(e.Orig)
	if st == nil {
		st = m.newPair(e.Orig)
	}
	outcome := e.Kind == EvDeliver || e.Kind == EvBounce || e.Kind == EvLoop || e.Kind == EvDrop
	if e.Kind == EvDefer {
		st.deferrals++
	}
	if !l.keep && !outcome {
		return
	}
	i := l.keepEvent(e)
	switch {
	case !outcome:
	case i < 0:
		x := st.ext()
		x.own = append(x.own, keep(&e))
	case int(st.n) < len(st.idx):
		st.idx[st.n] = int32(i)
		st.n++
	default:
		x := st.ext()
		x.more = append(x.more, int32(i))
		st.n++
	}
}

// outcomes sorts a pair's outcome events by kind, into scratch space that
// the next call reuses.
func (l *Ledger) outcomes(st *pairState) *outcomes {
	o := &l.gather
	o.deliveries, o.bounces, o.loops, o.drops = o.deliveries[:0], o.bounces[:0], o.loops[:0], o.drops[:0]
	o.deferrals = int(st.deferrals)
	add := func(e *Event) {
		switch e.Kind {
		case EvDeliver:
			o.deliveries = append(o.deliveries, *e)
		case EvBounce:
			o.bounces = append(o.bounces, *e)
		case EvLoop:
			o.loops = append(o.loops, *e)
		case EvDrop:
			o.drops = append(o.drops, *e)
		}
	}
	for j := 0; j < int(st.n); j++ {
		var i int32
		if j < len(st.idx) {
			i = st.idx[j]
		} else {
			i = st.extra.more[j-len(st.idx)]
		}
		e := l.events.at(int(i)).event()
		add(&e)
	}
	if st.extra != nil {
		for i := range st.extra.own {
			e := st.extra.own[i].event()
			add(&e)
		}
	}
	return o
}

// Events returns the recorded events in the order they happened (deliveries,
// bounces, loops and drops always; submissions, hops and deferrals when the
// ledger keeps every event): all of them under RetainAll, the last
// Retention.Last under RetainLast, none under RetainViolations. Under
// RetainAll the events are spelt out (trails included) into one slice as
// they are first read, which then grows with later calls.
func (l *Ledger) Events() []Event {
	if l.ret.Keep == RetainLast {
		out := append(append([]Event(nil), l.ring[l.ringNext:]...), l.ring[:l.ringNext]...)
		for i := range out {
			l.spell(&out[i])
		}
		return out
	}
	for i := len(l.flat); i < l.events.n; i++ {
		e := l.events.at(i).event()
		l.spell(&e)
		l.flat = append(l.flat, e)
	}
	return l.flat
}

// spell spells out what a read event shows and the ledger keeps shared or
// derives: its Trail, and a delivery's Route.
func (l *Ledger) spell(e *Event) {
	e.Trail = e.hops.strings()
	if e.Route == "" && e.origin != "" && l.routeOf != nil {
		e.Route = l.routeOf(e.origin, e.hops)
	}
}

// RouteCounts buckets deliveries and bounces by route over time, for a
// timeline: bucket start → route → count.
func (l *Ledger) RouteCounts(start time.Time, bucket time.Duration) map[time.Time]map[string]int {
	out := map[time.Time]map[string]int{}
	for _, e := range l.Events() {
		if e.Kind != EvDeliver && e.Kind != EvBounce && e.Kind != EvLoop {
			continue
		}
		b := start.Add(e.At.Sub(start) / bucket * bucket)
		if out[b] == nil {
			out[b] = map[string]int{}
		}
		r := e.Route
		if e.Kind != EvDeliver {
			r = "bounce"
		}
		out[b][r]++
	}
	return out
}

// Routes lists every route seen in deliveries, sorted.
func (l *Ledger) Routes() []string {
	seen := map[string]bool{}
	for _, e := range l.Events() {
		if e.Kind == EvDeliver {
			seen[e.Route] = true
		}
	}
	var out []string
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
