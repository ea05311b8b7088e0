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
}

type pairKey struct {
	msg  int
	orig mailops.Address
}

type pairState struct {
	deliveries []Event
	bounces    []Event
	loops      []Event
	drops      []Event
	deferrals  int
}

// Ledger records everything that happens to every message.
type Ledger struct {
	msgs   []*Message
	events []Event
	pairs  map[pairKey]*pairState
	order  []pairKey
	keep   bool
	// spelt is how many of events have their Trail spelt out.
	spelt int
}

// NewLedger returns an empty ledger. With keepEvents false only the per-pair
// outcomes are kept (enough for the oracle, cheaper for large runs).
func NewLedger(keepEvents bool) *Ledger {
	return &Ledger{pairs: map[pairKey]*pairState{}, keep: keepEvents}
}

func (l *Ledger) submit(m *Message) {
	l.msgs = append(l.msgs, m)
	for _, to := range m.To {
		k := pairKey{m.ID, to}
		if _, ok := l.pairs[k]; !ok {
			l.pairs[k] = &pairState{}
			l.order = append(l.order, k)
		}
	}
	if l.keep {
		for _, to := range m.To {
			l.events = append(l.events, Event{At: m.Submitted, Kind: EvSubmit, Msg: m.ID, Orig: to, Host: m.Origin})
		}
	}
}

func (l *Ledger) record(e Event) {
	k := pairKey{e.Msg, e.Orig}
	st := l.pairs[k]
	if st == nil {
		st = &pairState{}
		l.pairs[k] = st
		l.order = append(l.order, k)
	}
	switch e.Kind {
	case EvDeliver:
		st.deliveries = append(st.deliveries, e)
	case EvBounce:
		st.bounces = append(st.bounces, e)
	case EvLoop:
		st.loops = append(st.loops, e)
	case EvDrop:
		st.drops = append(st.drops, e)
	case EvDefer:
		st.deferrals++
	}
	if l.keep || e.Kind != EvHop {
		if l.keep || e.Kind == EvDeliver || e.Kind == EvBounce || e.Kind == EvLoop || e.Kind == EvDrop {
			l.events = append(l.events, e)
		}
	}
}

// Messages returns the submitted messages.
func (l *Ledger) Messages() []*Message { return l.msgs }

// Events returns the recorded events in the order they happened (deliveries,
// bounces and loops always; submissions, hops and deferrals when the ledger
// keeps every event).
func (l *Ledger) Events() []Event {
	for i := l.spelt; i < len(l.events); i++ {
		if l.events[i].Trail == nil {
			l.events[i].Trail = l.events[i].hops.strings()
		}
	}
	l.spelt = len(l.events)
	return l.events
}

// RouteCounts buckets deliveries and bounces by route over time, for a
// timeline: bucket start → route → count.
func (l *Ledger) RouteCounts(start time.Time, bucket time.Duration) map[time.Time]map[string]int {
	out := map[time.Time]map[string]int{}
	for _, e := range l.events {
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
	for _, e := range l.events {
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
