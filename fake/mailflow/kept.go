package mailflow

import (
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// kept is how the ledger stores an event it keeps under RetainAll: what
// every event has, and apart what only bounces, deferrals, loops and drops
// carry (a reply, a detail). A world keeps one per outcome for its whole
// run, so it is kept small: 152 bytes where an Event is 232.
type kept struct {
	at          time.Time
	msg         int
	kind        kindCode
	orig, rcpt  mailops.Address
	host        string
	mailbox     Mailbox
	origin      string // a delivery's message origin (Event.origin)
	fromDisplay string
	rare        *keptRare
	hops        *trail
}

// keptRare is the part of a kept event that deliveries and hops never have.
type keptRare struct {
	reply  Reply
	detail string
	kind   EventKind // a kind without a code
}

// kindCode is an EventKind as a byte.
type kindCode uint8

const (
	kindOther kindCode = iota
	kindSubmit
	kindHop
	kindDefer
	kindDeliver
	kindBounce
	kindLoop
	kindDrop
)

var kindNames = [...]EventKind{kindSubmit: EvSubmit, kindHop: EvHop, kindDefer: EvDefer, kindDeliver: EvDeliver,
	kindBounce: EvBounce, kindLoop: EvLoop, kindDrop: EvDrop}

func codeOf(k EventKind) kindCode {
	switch k {
	case EvSubmit:
		return kindSubmit
	case EvHop:
		return kindHop
	case EvDefer:
		return kindDefer
	case EvDeliver:
		return kindDeliver
	case EvBounce:
		return kindBounce
	case EvLoop:
		return kindLoop
	case EvDrop:
		return kindDrop
	}
	return kindOther
}

// keep makes the stored form of e (its Trail is not kept: hops are).
func keep(e *Event) kept {
	k := kept{at: e.At, msg: e.Msg, kind: codeOf(e.Kind), orig: e.Orig, rcpt: e.Rcpt, host: e.Host,
		mailbox: e.Mailbox, origin: e.origin, fromDisplay: e.FromDisplay, hops: e.hops}
	if e.Reply != (Reply{}) || e.Detail != "" || k.kind == kindOther {
		k.rare = &keptRare{reply: e.Reply, detail: e.Detail}
		if k.kind == kindOther {
			k.rare.kind = e.Kind
		}
	}
	return k
}

// event is the Event k stores (Trail not spelt out).
func (k *kept) event() Event {
	e := Event{At: k.at, Kind: kindNames[k.kind], Msg: k.msg, Orig: k.orig, Rcpt: k.rcpt, Host: k.host,
		Mailbox: k.mailbox, origin: k.origin, FromDisplay: k.fromDisplay, hops: k.hops}
	if r := k.rare; r != nil {
		e.Reply, e.Detail = r.reply, r.detail
		if k.kind == kindOther {
			e.Kind = r.kind
		}
	}
	return e
}
