package lab

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// watch is what the lab keeps of the ledger as the world runs, fed event by
// event by the ledger's observer (mailflow.Ledger.Observe), so that nothing
// the lab shows needs the whole ledger: under the lab's retention the ledger
// forgets settled messages and keeps only its last events.
type watch struct {
	led *mailflow.Ledger
	// digest is a SHA-256 over every message (when its first event comes)
	// and every event, in order; buf is its scratch space and hashed the
	// last message it covers.
	digest hash.Hash
	buf    []byte
	hashed int
	// delivered counts deliveries per mailbox.
	delivered map[mailflow.Mailbox]int
	// windows count deliveries to an address for the delivered
	// checkpoints, by checkpoint.
	windows map[int]*deliveryWindow
	// pending are the outcomes since the engine last looked (for the
	// timeline and the read side), with their messages.
	pending []observed
	// keepDeliveries: deliveries are pending too (the read side wants
	// them).
	keepDeliveries func() bool
}

// observed is an event with its message (nil once settled).
type observed struct {
	ev  mailflow.Event
	msg *mailflow.Message
}

// deliveryWindow counts deliveries to addr from since on, until the
// checkpoint is evaluated.
type deliveryWindow struct {
	addr  mailops.Address
	since time.Time
	n     int
}

// newWatch observes led from now on. keepDeliveries says whether
// deliveries are wanted on the timeline's pass (a read side).
func newWatch(led *mailflow.Ledger, keepDeliveries func() bool) *watch {
	w := &watch{led: led, digest: sha256.New(), delivered: map[mailflow.Mailbox]int{}, windows: map[int]*deliveryWindow{},
		keepDeliveries: keepDeliveries}
	led.Observe(w.observe)
	return w
}

// observe takes one event, as the ledger records it.
func (w *watch) observe(ev mailflow.Event) {
	for ; w.hashed < ev.Msg; w.hashed++ {
		if m, ok := w.led.Message(w.hashed + 1); ok {
			w.hashMessage(m)
		}
	}
	w.hashEvent(&ev)
	switch ev.Kind {
	case mailflow.EvDeliver:
		w.delivered[ev.Mailbox]++
		for _, win := range w.windows {
			if ev.Orig == win.addr && !ev.At.Before(win.since) {
				win.n++
			}
		}
		if !w.keepDeliveries() {
			return
		}
	case mailflow.EvBounce, mailflow.EvLoop, mailflow.EvDrop:
	default:
		return
	}
	m, _ := w.led.Message(ev.Msg)
	w.pending = append(w.pending, observed{ev: ev, msg: m})
}

// take hands fn the pending outcomes, in order, and forgets them.
func (w *watch) take(fn func(observed)) {
	for _, o := range w.pending {
		fn(o)
	}
	clear(w.pending)
	w.pending = w.pending[:0]
}

// window opens checkpoint i's count of deliveries to addr from since on.
func (w *watch) window(i int, addr mailops.Address, since time.Time) {
	w.windows[i] = &deliveryWindow{addr: addr, since: since}
}

// closeWindow closes checkpoint i's count and returns it (0 if none is
// open).
func (w *watch) closeWindow(i int) int {
	win, ok := w.windows[i]
	if !ok {
		return 0
	}
	delete(w.windows, i)
	return win.n
}

// sum is the digest so far, in hex: two runs with the same digest recorded
// the same messages and events.
func (w *watch) sum() string { return hex.EncodeToString(w.digest.Sum(nil)) }

func (w *watch) hashMessage(m *mailflow.Message) {
	b := append(w.buf[:0], 'M')
	b = binary.AppendVarint(b, int64(m.ID))
	b = appendString(b, string(m.From))
	b = appendString(b, m.FromName)
	b = binary.AppendUvarint(b, uint64(len(m.To)))
	for _, to := range m.To {
		b = appendString(b, string(to))
	}
	b = appendString(b, m.Origin)
	b = binary.AppendVarint(b, m.Submitted.UnixNano())
	b = binary.AppendVarint(b, int64(m.Size))
	w.write(b)
}

func (w *watch) hashEvent(e *mailflow.Event) {
	b := append(w.buf[:0], 'E')
	b = binary.AppendVarint(b, e.At.UnixNano())
	b = appendString(b, string(e.Kind))
	b = binary.AppendVarint(b, int64(e.Msg))
	b = appendString(b, string(e.Orig))
	b = appendString(b, string(e.Rcpt))
	b = appendString(b, e.Host)
	b = appendString(b, string(e.Mailbox))
	b = binary.AppendVarint(b, int64(e.Reply.Code))
	b = appendString(b, e.Reply.Enhanced)
	b = appendString(b, e.Reply.Text)
	b = appendString(b, e.Route)
	b = binary.AppendUvarint(b, uint64(len(e.Trail)))
	for _, h := range e.Trail {
		b = appendString(b, h)
	}
	b = appendString(b, e.Detail)
	b = appendString(b, e.FromDisplay)
	w.write(b)
}

func (w *watch) write(b []byte) {
	w.digest.Write(b) // a hash.Hash never fails
	w.buf = b
}

// appendString appends s with its length (unambiguous).
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}
