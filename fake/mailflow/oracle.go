package mailflow

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Expectations say, for every valid address, which people it reaches, and
// for every person which mailboxes they read when: the oracle's definition of
// "delivered to a mailbox its owner reads at that time".
type Expectations struct {
	people  map[mailops.Address][]*person
	persons map[string]*person
	gaps    map[string][]readSpan // domain → verification-gap windows (mb unused)
}

// person is one person of the expectations and what they read: addresses
// hold their people by pointer, so the oracle reads a person's spans
// without looking the name up for every delivery.
type person struct {
	name  string
	reads []readSpan
}

// person returns the named person, made on first mention.
func (e *Expectations) person(name string) *person {
	p := e.persons[name]
	if p == nil {
		p = &person{name: name}
		e.persons[name] = p
	}
	return p
}

type readSpan struct {
	mb          Mailbox
	from, until time.Time // until zero: open-ended
}

// NewExpectations returns empty expectations.
func NewExpectations() *Expectations {
	return &Expectations{people: map[mailops.Address][]*person{}, persons: map[string]*person{}, gaps: map[string][]readSpan{}}
}

// Address declares a valid address and the people it reaches (a mailbox: its
// owner; a group or alias: its members). An undeclared address is invalid:
// mail to it is expected to bounce.
func (e *Expectations) Address(a mailops.Address, people ...string) {
	ps := make([]*person, len(people))
	for i, name := range people {
		ps[i] = e.person(name)
	}
	e.people[a] = ps
}

// Reads declares that a person reads a mailbox from from until until (zero:
// for ever).
func (e *Expectations) Reads(person string, mb Mailbox, from, until time.Time) {
	p := e.person(person)
	p.reads = append(p.reads, readSpan{mb, from, until})
}

// Gap declares the documented verification gap of a domain: from when it is
// added to the tenant (and accepted, Authoritative) until its InternalRelay
// setting has reached mail flow. A 5.1.10 bounce for an address of the domain
// in that window is counted as a gap bounce: reported, not loss (DESIGN.md
// section 8: "check for bounces sent in the gap").
func (e *Expectations) Gap(domain string, from, until time.Time) {
	e.gaps[domain] = append(e.gaps[domain], readSpan{from: from, until: until})
}

func (e *Expectations) inGap(b Event) bool {
	if b.Reply.Enhanced != "5.1.10" {
		return false
	}
	for _, g := range e.gaps[b.Rcpt.Domain()] {
		if !b.At.Before(g.from) && (g.until.IsZero() || !b.At.After(g.until)) {
			return true
		}
	}
	return false
}

// Valid reports whether the address was declared.
func (e *Expectations) Valid(a mailops.Address) bool { _, ok := e.people[a]; return ok }

// readers counts, in got, the people (of those given) who read mb at time
// at, and reports whether any of them read it then (now) and whether any of
// them ever reads it.
func (e *Expectations) readers(people []*person, got *readCounts, mb Mailbox, at time.Time) (now, ever bool) {
	for _, p := range people {
		for i := range p.reads {
			s := &p.reads[i]
			if s.mb != mb {
				continue
			}
			ever = true
			if !at.Before(s.from) && (s.until.IsZero() || at.Before(s.until)) {
				got.add(p.name)
				now = true
				break
			}
		}
	}
	return now, ever
}

// readCounts counts copies read per person: in place for the few people an
// address usually has, in a map beyond.
type readCounts struct {
	names [8]string
	n     [8]int
	used  int
	more  map[string]int
}

func (c *readCounts) add(p string) {
	if c.more != nil {
		c.more[p]++
		return
	}
	for i := 0; i < c.used; i++ {
		if c.names[i] == p {
			c.n[i]++
			return
		}
	}
	if c.used < len(c.names) {
		c.names[c.used], c.n[c.used] = p, 1
		c.used++
		return
	}
	c.more = make(map[string]int, 2*len(c.names))
	for i := 0; i < c.used; i++ {
		c.more[c.names[i]] = c.n[i]
	}
	c.more[p]++
}

func (c *readCounts) get(p string) int {
	if c.more != nil {
		return c.more[p]
	}
	for i := 0; i < c.used; i++ {
		if c.names[i] == p {
			return c.n[i]
		}
	}
	return 0
}

// Class is the oracle's verdict on one (message, intended recipient).
type Class string

// Verdicts.
const (
	Delivered Class = "delivered"
	Bounced   Class = "bounced"
	// GapBounced: bounced 5.1.10 inside a domain's documented verification
	// gap (see Expectations.Gap).
	GapBounced     Class = "gap-bounced"
	ExpectedBounce Class = "expected-bounce" // the address was never valid
	Lost           Class = "lost"
	Duplicated     Class = "duplicated"
	Misdelivered   Class = "misdelivered"
	Looped         Class = "looped"
)

// Violation is one (message, recipient) that was not delivered as it should.
type Violation struct {
	Msg   int             `json:"msg"`
	To    mailops.Address `json:"to"`
	Class Class           `json:"class"`
	Cause string          `json:"cause"`
	Trail []string        `json:"trail"`
}

// Report is the oracle's summary. Counts are over (message, intended
// recipient) pairs.
type Report struct {
	Sent            int         `json:"sent"`
	Delivered       int         `json:"delivered"`
	Bounced         int         `json:"bounced"`
	GapBounced      int         `json:"gapBounced"` // of Bounced: inside a verification gap
	Lost            int         `json:"lost"`
	Duplicated      int         `json:"duplicated"`
	Misdelivered    int         `json:"misdelivered"`
	Looped          int         `json:"looped"`
	ExpectedBounces int         `json:"expectedBounces"`
	Violations      []Violation `json:"violations,omitempty"`
	Seed            uint64      `json:"seed"`
}

// NoLoss reports whether nothing was lost, bounced (outside the documented
// verification gap), looped or misdelivered. Duplicates and gap bounces are
// reported but are not loss.
func (r Report) NoLoss() bool {
	return r.Bounced == r.GapBounced && r.Lost == 0 && r.Looped == 0 && r.Misdelivered == 0
}

// Causes counts violations by cause.
func (r Report) Causes() map[string]int {
	out := map[string]int{}
	for _, v := range r.Violations {
		out[v.Cause]++
	}
	return out
}

// String is a human summary with the first violations in full.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent %d  delivered %d  bounced %d  lost %d  duplicated %d  misdelivered %d  looped %d  (expected bounces %d)\n",
		r.Sent, r.Delivered, r.Bounced, r.Lost, r.Duplicated, r.Misdelivered, r.Looped, r.ExpectedBounces)
	if r.GapBounced > 0 {
		fmt.Fprintf(&b, "%d of the bounces are 5.1.10 in a domain's documented verification gap (the sender was told; see docs/guarantees.md)\n", r.GapBounced)
	}
	for i, v := range r.Violations {
		if i == 5 {
			fmt.Fprintf(&b, "... and %d more violations\n", len(r.Violations)-5)
			break
		}
		fmt.Fprintf(&b, "  message %d to %s: %s: %s\n    trail: %s\n", v.Msg, v.To, v.Class, v.Cause, strings.Join(v.Trail, " | "))
	}
	if !r.NoLoss() {
		fmt.Fprintf(&b, "reproduce with seed=%d\n", r.Seed)
	}
	return b.String()
}

// Check classifies every (message, intended recipient) in the ledger. Under
// a bounded retention the pairs already settled come from the ledger's
// settled counts and violations, in the same order as if it had kept
// everything.
func Check(l *Ledger, e *Expectations, seed uint64) Report {
	rep := l.settled
	rep.Seed = seed
	rep.Violations = nil
	rep.Violations = append(rep.Violations, l.viols...)
	l.eachOpen(func(m *Message) {
		for i := range m.pairs {
			st := &m.pairs[i]
			cls, cause, trail := classify(l.outcomes(st), e, st.orig)
			if count(&rep, cls) {
				rep.Violations = append(rep.Violations, Violation{Msg: m.ID, To: st.orig, Class: cls, Cause: cause, Trail: trail.strings()})
			}
		}
	})
	sort.SliceStable(rep.Violations, func(i, j int) bool { return rep.Violations[i].Msg < rep.Violations[j].Msg })
	return rep
}

// count adds a verdict to the report's counts and reports whether it is a
// violation.
func count(rep *Report, cls Class) bool {
	rep.Sent++
	switch cls {
	case Delivered:
		rep.Delivered++
	case ExpectedBounce:
		rep.ExpectedBounces++
	case Bounced:
		rep.Bounced++
	case GapBounced:
		rep.Bounced++
		rep.GapBounced++
	case Lost:
		rep.Lost++
	case Duplicated:
		rep.Duplicated++
	case Misdelivered:
		rep.Misdelivered++
	case Looped:
		rep.Looped++
	}
	return cls != Delivered && cls != ExpectedBounce
}

func classify(st *outcomes, e *Expectations, orig mailops.Address) (Class, string, *trail) {
	if len(st.loops) > 0 {
		return Looped, st.loops[0].Reply.String(), st.loops[0].hops
	}
	people, valid := e.people[orig]
	var got readCounts
	var unread *Event
	for i := range st.deliveries {
		d := &st.deliveries[i]
		now, ever := e.readers(people, &got, d.Mailbox, d.At)
		switch {
		case now:
		case ever:
			if unread == nil {
				unread = &st.deliveries[i]
			}
		default:
			return Misdelivered, "delivered to " + string(d.Mailbox) + ", which is not a mailbox of " + string(orig), d.hops
		}
	}
	if !valid {
		if len(st.bounces) > 0 {
			return ExpectedBounce, "", nil
		}
		if unread != nil {
			return Misdelivered, "mail to an invalid address was delivered to " + string(unread.Mailbox), unread.hops
		}
		return Lost, "mail to an invalid address neither bounced nor delivered", nil
	}
	dup := false
	for _, p := range people {
		if got.get(p.name) == 0 {
			switch {
			case len(st.bounces) > 0:
				b := st.bounces[0]
				all := true
				for _, x := range st.bounces {
					all = all && e.inGap(x)
				}
				if all {
					return GapBounced, b.Reply.String() + " at " + b.Host + " in the verification gap of " + b.Rcpt.Domain(), b.hops
				}
				return Bounced, b.Reply.String() + " at " + b.Host, b.hops
			case unread != nil:
				return Lost, "delivered to " + string(unread.Mailbox) + " while its owner did not read it", unread.hops
			case len(st.drops) > 0:
				return Lost, st.drops[0].Detail, st.drops[0].hops
			default:
				cause := "neither delivered nor bounced by the horizon"
				if st.deferrals > 0 {
					cause += fmt.Sprintf(" (deferred %d times)", st.deferrals)
				}
				return Lost, cause, nil
			}
		}
		if got.get(p.name) > 1 {
			dup = true
		}
	}
	if dup {
		return Duplicated, "delivered more than once", st.deliveries[0].hops
	}
	return Delivered, "", nil
}
