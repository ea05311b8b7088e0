package mailflow

import (
	"cmp"
	"slices"
	"time"
)

// Settling under a bounded retention (Retention). A message settles, its
// (message, recipient) pairs classified by the oracle and forgotten, when it
// is Retention.SettleAfter old (every sender has delivered, bounced or given
// up by then), or, with Retention.SettleDoneAfter, as soon as it is that old
// and every copy of it has ended.
//
// A copy (envelope) is the only thing that carries a message on: every event
// for a message is run by one of its copies, and a copy is only ever made
// from the message or from another live copy. So a world counts the live
// copies of each message (Message.live: made in newEnvelope and via, and the
// list server's own copy; ended in freeEnv), and when the count falls to
// zero nothing can happen to the message any more. A copy that is never
// ended (left to the collector) only delays settling to SettleAfter. Two
// kinds of message can come back with no copy alive and are left to
// SettleAfter: a message submitted over an SMTP session (its client may send
// the same Message-ID again after a lost reply) and a differential check's
// probe (read from the ledger after the run).
//
// Settled messages leave holes in the ledger's window of messages (msgs); a
// message that blocks the front of the window for longer than
// SettleDoneAfter (a copy queued for days) moves to a short list of
// stragglers, so that the window, and memory, stay the size of
// SettleDoneAfter's worth of messages however long the world runs.

// early is the ledger's state for settling messages whose copies have ended.
type early struct {
	on bool
	// ended are the messages whose copies have all ended, in the order they
	// ended, to settle once SettleDoneAfter old; held those that ended
	// while a hold was open (hold).
	ended []*Message
	held  []*Message
	holds int
	// stragglers are unsettled messages moved out of the window, by ID.
	stragglers []*Message
	// onSettle is told of each message as it settles, before its pairs
	// are forgotten (the world fixes its message trace rows).
	onSettle func(*Message)
}

// settle settles the messages that are due at now, and forgets them.
func (l *Ledger) settle(now time.Time) {
	due := func(m *Message, after time.Duration) bool { return !m.Submitted.Add(after).After(now) }
	// By age: stragglers first (older than the window), then the window.
	s := 0
	for s < len(l.early.stragglers) && (l.early.stragglers[s].settled || due(l.early.stragglers[s], l.ret.SettleAfter)) {
		l.settleMessage(l.early.stragglers[s])
		s++
	}
	if s > 0 {
		clear(l.early.stragglers[:s])
		l.early.stragglers = compact(l.early.stragglers, s)
	}
	d := 0
	for d < len(l.msgs) && (l.msgs[d] == nil || due(l.msgs[d], l.ret.SettleAfter)) {
		if m := l.msgs[d]; m != nil {
			l.settleMessage(m)
		}
		d++
	}
	if !l.early.on {
		l.dropFront(d)
		return
	}
	// Messages whose copies have all ended, once SettleDoneAfter old.
	e := 0
	for e < len(l.early.ended) && (l.early.ended[e].settled || due(l.early.ended[e], l.ret.SettleDoneAfter)) {
		// A message's copies can all end before its last recipient's
		// first copy is made; it is queued again when that one ends.
		if m := l.early.ended[e]; m.live == 0 && !m.keepOpen {
			l.settleMessage(m)
		}
		e++
	}
	if e > 0 {
		clear(l.early.ended[:e])
		l.early.ended = compact(l.early.ended, e)
	}
	// The window starts at the first message younger than SettleDoneAfter
	// or not settled yet; older unsettled ones become stragglers.
	for d < len(l.msgs) && (l.msgs[d] == nil || due(l.msgs[d], l.ret.SettleDoneAfter)) {
		if m := l.msgs[d]; m != nil {
			l.early.stragglers = append(l.early.stragglers, m)
		}
		d++
	}
	l.dropFront(d)
}

// dropFront drops the first n messages of the window (settled, or moved to
// the stragglers).
func (l *Ledger) dropFront(n int) {
	if n > 0 {
		clear(l.msgs[:n])
		l.msgBase += n
		l.msgs = compact(l.msgs, n)
	}
}

// settleMessage classifies m's pairs into the settled counts and
// violations and forgets them; a message already settled is left alone.
func (l *Ledger) settleMessage(m *Message) {
	if m.settled {
		return
	}
	if l.early.onSettle != nil {
		l.early.onSettle(m)
	}
	for i := range m.pairs {
		st := &m.pairs[i]
		cls, cause, tr := classify(l.outcomes(st), l.expect, st.orig)
		if count(&l.settled, cls) {
			l.viols = append(l.viols, Violation{Msg: m.ID, To: st.orig, Class: cls, Cause: l.cause(cause), Trail: tr.strings()})
		}
	}
	m.pairs, m.settled = nil, true
	if i := m.ID - l.msgBase - 1; i >= 0 && i < len(l.msgs) {
		l.msgs[i] = nil
	}
}

// compact drops the first n elements, copying the rest down once the dead
// part is large, so that the array does not grow for ever.
func compact[T any](xs []T, n int) []T {
	xs = xs[n:]
	if cap(xs) < len(xs)*2 || cap(xs) < 64 {
		return xs
	}
	return append(make([]T, 0, len(xs)*2), xs...)
}

// message returns message id, or nil once it is settled and forgotten.
func (l *Ledger) message(id int) *Message {
	if id > l.msgBase {
		if id-l.msgBase > len(l.msgs) {
			return nil
		}
		return l.msgs[id-l.msgBase-1]
	}
	i, ok := slices.BinarySearchFunc(l.early.stragglers, id, func(m *Message, id int) int { return cmp.Compare(m.ID, id) })
	if ok && !l.early.stragglers[i].settled {
		return l.early.stragglers[i]
	}
	return nil
}

// eachOpen calls fn for every message not settled yet, in order.
func (l *Ledger) eachOpen(fn func(*Message)) {
	for _, m := range l.early.stragglers {
		if !m.settled {
			fn(m)
		}
	}
	for _, m := range l.msgs {
		if m != nil {
			fn(m)
		}
	}
}

// Messages returns the submitted messages (under a bounded retention, those
// not settled yet), in order.
func (l *Ledger) Messages() []*Message {
	if !l.early.on {
		return l.msgs
	}
	var out []*Message
	l.eachOpen(func(m *Message) { out = append(out, m) })
	return out
}

// copyMade counts a new live copy of m.
func (l *Ledger) copyMade(m *Message) { m.live++ }

// copyEnded counts the end of a copy of m; under SettleDoneAfter the last
// one queues m to settle.
func (l *Ledger) copyEnded(m *Message) {
	if m == nil {
		return
	}
	m.live--
	if !l.early.on || m.live > 0 || m.settled || m.keepOpen || m.Origin == "smtp" {
		return
	}
	if l.early.holds > 0 {
		l.early.held = append(l.early.held, m)
		return
	}
	l.early.ended = append(l.early.ended, m)
}

// hold keeps the messages whose copies end from now on from settling early
// until the returned release is called (once; later calls do nothing): for
// an expectation about them that can only be declared later, such as a
// migration's verification gap, which is declared when it closes.
func (l *Ledger) hold() (release func()) {
	if !l.early.on {
		return func() {}
	}
	l.early.holds++
	done := false
	return func() {
		if done {
			return
		}
		done = true
		l.early.holds--
		if l.early.holds == 0 {
			l.early.ended = append(l.early.ended, l.early.held...)
			clear(l.early.held)
			l.early.held = l.early.held[:0]
		}
	}
}

// cause returns the settled violations' copy of a cause: a long run keeps
// every violation, and their causes are few texts repeated.
func (l *Ledger) cause(c string) string {
	if k, ok := l.causes[c]; ok {
		return k
	}
	if l.causes == nil {
		l.causes = map[string]string{}
	}
	l.causes[c] = c
	return c
}
