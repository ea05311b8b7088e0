package mailflow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// Message trace from the ledger (Get-MessageTraceV2): the world plugs a trace
// source into each tenant (fake.Tenant.SetTraceSource), so Client.MessageTrace
// answers with one row per (message, recipient as the sender addressed it)
// that reached the tenant's edge or transport:
//
//   - Received is when Exchange Online first received the copy: at the edge
//     (even if it refused it there) or at submission;
//   - Status is Failed when Exchange Online refused or bounced it (the reply
//     in Detail, e.g. "550 5.4.1 ..." at the edge, "550 5.1.10 ..." or
//     "550 5.7.520 ..." in transport, 5.4.14 for a loop, the expiry of its own
//     queue), else Delivered once a copy was delivered in the tenant or handed
//     on by it, else Pending.
//
// A copy forwarded by a mailbox's forwarding is a row of its own, for the
// forwarding target, with the fate of that copy: Exchange Online resubmits
// the message to the new recipient ([inference]: forwarded copies appear in
// message trace under their new recipient).
//
// Not modelled: one row per expanded group member (a group is one row, by the
// address the sender used), Subject, the 90-day retention and the
// -MessageId, -FromIP and -ToIP filters. Rows come in the order received.

// traceKey is one trace row: a message to one recipient, in one tenant.
// via is "" for the copy as the sender addressed it, or the "forward:..."
// hop of a forwarded copy (whose recipient is rcpt).
type traceKey struct {
	tenant string
	msg    int
	orig   mailops.Address
	via    string
	rcpt   mailops.Address
}

// traceRow is what the edge or transport saw first.
type traceRow struct {
	key      traceKey
	received time.Time
	// refused is the edge's refusal, when it refused the copy (few rows
	// have one: it is kept apart so that a row stays small).
	refused *Reply
	// settled is the row's answer once the ledger has settled its message
	// and forgotten its pairs (bounded retention).
	settled *settledRow
}

// settledRow is what a row answers with once its message is settled.
type settledRow struct {
	sender mailops.Address
	status mailops.TraceStatus
	detail string
}

// settleTrace fixes the answers of a message's rows as the ledger settles
// it (nothing can change them any more) and forgets its Message-ID.
func (w *World) settleTrace(m *Message) {
	for _, i := range m.rows {
		if i >= w.trace.rows.first {
			row := w.trace.rows.at(i)
			st, detail := w.traceStatus(row)
			row.settled = &settledRow{sender: m.From, status: st, detail: detail}
		}
	}
}

// traceLog keeps the rows in the order received.
// Each message lists the indexes of its rows (Message.rows).
type traceLog struct {
	rows chunked[traceRow]
}

// traceReceived records that tenant t's edge or transport received a copy.
func (w *World) traceReceived(t *fake.Tenant, env *envelope) *traceRow {
	return w.traceRow(env.msg, traceKey{t.Name(), env.msg.ID, env.hdr.orig, "", env.hdr.orig})
}

// traceForwarded records a copy forwarded inside tenant t (env's last hop is
// its "forward:..." step).
func (w *World) traceForwarded(t *fake.Tenant, env *envelope) {
	w.traceRow(env.msg, traceKey{t.Name(), env.msg.ID, env.hdr.orig, env.path().last(0), env.rcpt})
}

// traceRow returns k's row, made now if it is new; the pointer is good
// until the next row is made.
func (w *World) traceRow(m *Message, k traceKey) *traceRow {
	for _, i := range m.rows {
		if i >= w.trace.rows.first {
			if r := w.trace.rows.at(i); r.key == k {
				return r
			}
		}
	}
	i := w.trace.rows.add(traceRow{key: k, received: w.s.Now()})
	if m.rows == nil {
		m.rows = m.rowsInline[:0:len(m.rowsInline)]
	}
	m.rows = append(m.rows, i)
	return w.trace.rows.at(i)
}

// forget drops, under a bounded retention, the message trace rows older
// than Retention.TraceFor and the Message-IDs of messages the ledger has
// settled.
func (w *World) forget() {
	rows := &w.trace.rows
	i := rows.first
	for i < rows.n && !rows.at(i).received.Add(w.cfg.Retention.TraceFor).After(w.s.Now()) {
		i++
	}
	rows.drop(i)
	n := 0
	for n < len(w.msgIDOrder) && w.msgIDs[w.msgIDOrder[n]].settled {
		delete(w.msgIDs, w.msgIDOrder[n])
		n++
	}
	if n > 0 {
		w.msgIDOrder = compact(w.msgIDOrder, n)
	}
}

// traceRefused records the edge's refusal of a copy for tenant t.
func (w *World) traceRefused(t *fake.Tenant, env *envelope, r Reply) {
	row := w.traceReceived(t, env)
	if row.refused == nil {
		row.refused = &r
	}
}

// traceSource answers tenant t's message trace queries from the ledger.
func (w *World) traceSource(t *fake.Tenant) fake.TraceSource {
	return func(q mailops.TraceQuery) []mailops.TraceEntry {
		var out []mailops.TraceEntry
		for i := w.trace.rows.first; i < w.trace.rows.n; i++ {
			row := w.trace.rows.at(i)
			k := row.key
			if k.tenant != t.Name() {
				continue
			}
			if row.received.Before(q.Start) || !row.received.Before(q.End) {
				continue
			}
			e := mailops.TraceEntry{Received: row.received, MessageID: fmt.Sprintf("<%d@mailflow.invalid>", k.msg), Recipient: k.rcpt}
			if s := row.settled; s != nil {
				e.Sender, e.Status, e.Detail = s.sender, s.status, s.detail
			} else if m := w.ledger.message(k.msg); m != nil {
				e.Sender = m.From
				e.Status, e.Detail = w.traceStatus(row)
			} else {
				continue // settled and forgotten (bounded retention)
			}
			if matchesTrace(q, e) {
				out = append(out, e)
			}
		}
		return out
	}
}

// traceStatus reads a row's status from the ledger.
func (w *World) traceStatus(row *traceRow) (mailops.TraceStatus, string) {
	if row.refused != nil {
		return mailops.TraceFailed, row.refused.String()
	}
	ps := w.ledger.pairOf(row.key.msg, row.key.orig)
	if ps == nil {
		return mailops.TracePending, ""
	}
	st := w.ledger.outcomes(ps)
	hop := "exo:" + row.key.tenant
	// A forwarded copy's row follows only the events of that copy.
	ours := func(t *trail) bool { return row.key.via == "" || t.contains(row.key.via) }
	for _, d := range st.deliveries {
		if d.hops.contains(hop) && ours(d.hops) {
			return mailops.TraceDelivered, ""
		}
	}
	for _, b := range append(append([]Event(nil), st.bounces...), st.loops...) {
		if (b.Host == hop || (b.Host == "exo" || strings.HasPrefix(b.Host, "exo:")) && b.hops.contains(hop)) && ours(b.hops) {
			return mailops.TraceFailed, b.Reply.String()
		}
	}
	return mailops.TracePending, ""
}

// matchesTrace applies the query's recipient, sender and status filters.
func matchesTrace(q mailops.TraceQuery, e mailops.TraceEntry) bool {
	match := func(patterns []string, a mailops.Address) bool {
		if len(patterns) == 0 {
			return true
		}
		for _, p := range patterns {
			if mailops.MatchesRecipient(strings.ToLower(p), a) {
				return true
			}
		}
		return false
	}
	if !match(q.Recipients, e.Recipient) || !match(q.Senders, e.Sender) {
		return false
	}
	return len(q.Status) == 0 || slices.Contains(q.Status, e.Status)
}
