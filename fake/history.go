package fake

import (
	"slices"
	"sync/atomic"
	"time"
)

// version is one write of an object: its value (or a deletion), when it was
// written and when mail flow sees it.
type version[T any] struct {
	written time.Time
	visible time.Time
	deleted bool
	val     T
}

// history is every version of one object, in write order.
type history[T any] struct {
	vs []version[T]
}

func (h *history[T]) put(v version[T]) { h.vs = append(h.vs, v) }

// latest is the current admin state.
func (h *history[T]) latest() (T, bool) {
	var zero T
	if h == nil || len(h.vs) == 0 {
		return zero, false
	}
	v := h.vs[len(h.vs)-1]
	return v.val, !v.deleted
}

// asOf is the admin state at t (for lagging reads).
func (h *history[T]) asOf(t time.Time) (T, bool) {
	var zero T
	if h == nil {
		return zero, false
	}
	for i := len(h.vs) - 1; i >= 0; i-- {
		if !h.vs[i].written.After(t) {
			return h.vs[i].val, !h.vs[i].deleted
		}
	}
	return zero, false
}

// mail is what mail flow sees at now: the newest version (in write order)
// that has propagated. Propagation coalesces, like a sync pipeline: a version
// superseded by a newer write before it reached mail flow never reaches it
// (mail flow goes from the older state straight to the newer one).
func (h *history[T]) mail(now time.Time) (T, bool) {
	var zero T
	v := h.mailVersion(now)
	if v == nil {
		return zero, false
	}
	return v.val, !v.deleted
}

// mailVersion is mail without a copy: the version mail flow sees at now (a
// deletion included), or nil. Callers only read it.
func (h *history[T]) mailVersion(now time.Time) *version[T] {
	if h == nil {
		return nil
	}
	for i := len(h.vs) - 1; i >= 0; i-- {
		v := &h.vs[i]
		if v.visible.After(now) {
			continue
		}
		if i+1 < len(h.vs) && h.vs[i+1].written.Before(v.visible) {
			continue // superseded in flight
		}
		return v
	}
	return nil
}

// store is a keyed set of histories.
type store[K ~string, T any] struct {
	m      map[K]*history[T]
	keys   []K  // every key ever written; sorted when sorted is true
	sorted bool // keys are sorted (new keys are appended, sorted on demand)
	// gen counts writes; view is the read-only mail view's list (viewList).
	gen  uint64
	view viewCache[T]
	// epoch is the mail epoch of the part of the tenant's mail view the
	// store holds, which every write moves (MailSettled).
	epoch *mailEpoch
}

// mailEpoch is what Tenant.MailSettled reads without the tenant's lock: gen
// counts the writes to the stores mail flow reads, and settled is the latest
// time one of them becomes visible (Unix nanoseconds). A write updates
// settled before gen, so a reader that loads gen first and sees a new count
// sees that write's settled time too.
type mailEpoch struct {
	gen     atomic.Uint64
	settled atomic.Int64
}

// note records a write whose version becomes visible at visible. The
// caller holds the tenant's lock (writes are serialised).
func (e *mailEpoch) note(visible time.Time) {
	if visible.Year() >= 1700 { // earlier: visible from the beginning (UnixNano would not hold it)
		if n := visible.UnixNano(); n > e.settled.Load() {
			e.settled.Store(n)
		}
	}
	e.gen.Add(1)
}

// viewCache is a store's list as mail flow sees it, made at one time and
// right for every time in [from, until) (until zero: every later time) while
// the store has no new write (gen): what mail flow sees changes only when a
// version becomes visible.
type viewCache[T any] struct {
	ok          bool
	gen         uint64
	from, until time.Time
	list        []T
}

func newStore[K ~string, T any]() *store[K, T] {
	return &store[K, T]{m: map[K]*history[T]{}, sorted: true}
}

func (s *store[K, T]) get(k K) *history[T] { return s.m[k] }

func (s *store[K, T]) put(k K, v version[T]) {
	h := s.m[k]
	if h == nil {
		h = &history[T]{}
		s.m[k] = h
		s.sorted = s.sorted && (len(s.keys) == 0 || s.keys[len(s.keys)-1] < k)
		s.keys = append(s.keys, k)
	}
	h.put(v)
	s.gen++
	if s.epoch != nil {
		s.epoch.note(v.visible)
	}
}

// viewList returns what mail flow sees of the store at at, in key order,
// from the cache while it is right (see viewCache). The list is shared by
// every caller until it changes: callers must only read it.
func (s *store[K, T]) viewList(at time.Time) []T {
	c := &s.view
	if c.ok && c.gen == s.gen && !at.Before(c.from) && (c.until.IsZero() || at.Before(c.until)) {
		return c.list
	}
	var out []T
	s.each(func(h *history[T]) (T, bool) { return h.mail(at) }, func(_ K, x T) { out = append(out, x) })
	var from, until time.Time
	for _, h := range s.m {
		for _, v := range h.vs {
			switch {
			case v.visible.After(at):
				if until.IsZero() || v.visible.Before(until) {
					until = v.visible
				}
			case v.visible.After(from):
				from = v.visible
			}
		}
	}
	*c = viewCache[T]{ok: true, gen: s.gen, from: from, until: until, list: slices.Clip(out)}
	return c.list
}

// each visits every object's view (chosen by pick) in key order.
func (s *store[K, T]) each(pick func(*history[T]) (T, bool), fn func(K, T)) {
	if !s.sorted {
		slices.Sort(s.keys)
		s.sorted = true
	}
	for _, k := range s.keys {
		if v, ok := pick(s.m[k]); ok {
			fn(k, v)
		}
	}
}
