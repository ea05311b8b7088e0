package mailflow

import (
	"math"
	"net/netip"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Traffic describes a seeded stream of messages.
type Traffic struct {
	// PerHour is the mean number of messages per hour (Poisson arrivals).
	PerHour float64
	From    time.Time
	Until   time.Time
	// Senders by kind; a kind with no senders sends nothing.
	Internet []mailops.Address // internet senders
	Partner  []mailops.Address // users of the partner tenant
	Internal []mailops.Address // users of our tenant
	Devices  []Device          // devices sending through a relay
	// To are the addresses traffic goes to; Outside are external addresses
	// internal users also write to.
	To      []mailops.Address
	Outside []mailops.Address
	// InternalOnly are addresses only internal senders write to.
	InternalOnly []mailops.Address
}

// Device is a device that sends through the relay.
type Device struct {
	Relay  string
	Client netip.Addr
	From   mailops.Address
}

// StartTraffic schedules the traffic; randomness comes from the world's seed
// (subsystem "traffic:"+name).
func (w *World) StartTraffic(name string, tr Traffic) {
	r := w.s.Rand("traffic:" + name)
	if tr.PerHour <= 0 {
		return
	}
	mean := float64(time.Hour) / tr.PerHour
	intn := r.IntN
	event := "traffic " + name
	var next func()
	next = func() {
		if !w.s.Now().Before(tr.Until) {
			return
		}
		w.sendOne(r.Float64(), intn, tr)
		gap := time.Duration(-math.Log(1-r.Float64()) * mean)
		w.s.Schedule(max(gap, time.Millisecond), event, next)
	}
	w.s.At(tr.From, event, next)
}

func pick[T any](intn func(int) int, xs []T) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[intn(len(xs))], true
}

// pickAmong is pick over the concatenation of lists, without building it.
func pickAmong[T any](intn func(int) int, lists ...[]T) (T, bool) {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	var zero T
	if n == 0 {
		return zero, false
	}
	i := intn(n)
	for _, l := range lists {
		if i < len(l) {
			return l[i], true
		}
		i -= len(l)
	}
	return zero, false
}

func (w *World) sendOne(x float64, intn func(int) int, tr Traffic) {
	// Kinds in turn from a random one: internet, partner, internal,
	// device; a kind with no senders or recipients passes to the next.
	start := int(x * 4)
	for i := 0; i < 4; i++ {
		if w.sendKind((start+i)%4, intn, tr) {
			return
		}
	}
}

func (w *World) sendKind(kind int, intn func(int) int, tr Traffic) bool {
	switch kind {
	case 0:
		from, ok := pick(intn, tr.Internet)
		to, ok2 := pick(intn, tr.To)
		if ok && ok2 {
			w.SendFromInternet(from, "Internet sender", to)
		}
		return ok && ok2
	case 1:
		from, ok := pick(intn, tr.Partner)
		to, ok2 := pick(intn, tr.To)
		if ok && ok2 {
			w.SendFromTenant(w.partner, from, "Partner", to)
		}
		return ok && ok2
	case 2:
		from, ok := pick(intn, tr.Internal)
		to, ok2 := pickAmong(intn, tr.To, tr.InternalOnly, tr.Outside)
		if ok && ok2 {
			w.SendFromTenant(w.tenant, from, "社内ユーザー", to)
		}
		return ok && ok2
	default:
		d, ok := pick(intn, tr.Devices)
		to, ok2 := pick(intn, tr.To)
		if ok && ok2 {
			w.SendFromDevice(d.Relay, d.Client, d.From, to)
		}
		return ok && ok2
	}
}
