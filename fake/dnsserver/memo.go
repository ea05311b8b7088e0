package dnsserver

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// The memo keeps the results of LookupMX and LookupHost whose every answer
// came from (or went into) the cache, until the first of those answers
// expires: a lookup the cache would answer again gives the same result, so
// it is not worked out again (no query messages, no copies). An expired
// entry stays until the lookup is made again: when that finds the very same
// records (or the same cached failure), the entry is renewed in place and
// the lookup keeps its result, slice and all, instead of making another.
// Flush and FlushName forget every entry.

type memoKey struct {
	name  string // as the caller gave it
	qtype uint16 // dns.TypeMX, or dns.TypeA for LookupHost
}

// memoEntry is one remembered lookup. Only until changes once it is
// remembered.
type memoEntry struct {
	mx    []MX
	hosts []string
	fail  failure // why the lookup failed (fail.err nil: it did not)
	ftype uint16  // the type of the query that failed
	// src holds the records the result was made from (the A and the AAAA
	// records for LookupHost), to tell whether a lookup made again finds
	// the same ones.
	src  [2][]dns.RR
	name string // the name asked, canonical
	// until is when the result stops holding, in nanoseconds since the
	// resolver's start.
	until atomic.Int64
}

// memoized returns the remembered result of a lookup, if any (nil: none),
// and whether it still holds.
func (r *Resolver) memoized(k memoKey) (*memoEntry, bool) {
	v, ok := r.memoOf(k).Load(k.name)
	if !ok {
		return nil, false
	}
	e := v.(*memoEntry)
	return e, int64(r.clk.Now().Sub(r.start)) < e.until.Load()
}

// remember keeps e, the result of a lookup, until expires (zero: not at
// all); old is the entry the lookup found expired (nil: none), which goes.
func (r *Resolver) remember(k memoKey, old, e *memoEntry, expires time.Time) {
	if expires.IsZero() {
		if old != nil {
			r.memoOf(k).CompareAndDelete(k.name, old)
		}
		return
	}
	e.until.Store(int64(expires.Sub(r.start)))
	r.memoOf(k).Store(k.name, e)
}

// renew keeps old, an expired entry whose lookup found the same result
// again, until expires (zero: not at all).
func (r *Resolver) renew(k memoKey, old *memoEntry, expires time.Time) {
	if expires.IsZero() {
		r.memoOf(k).CompareAndDelete(k.name, old)
		return
	}
	old.until.Store(int64(expires.Sub(r.start)))
}

// memoOf returns the memo of k's kind of lookup (keyed by name: a string
// key hashes faster than a struct in a sync.Map).
func (r *Resolver) memoOf(k memoKey) *sync.Map {
	if k.qtype == dns.TypeMX {
		return &r.memoMX
	}
	return &r.memoHost
}

// canonical returns the canonical form of name, the name of the lookup e
// remembers (nil: none), without making it again.
func (e *memoEntry) canonical(name string) (string, error) {
	if e != nil && e.name != "" {
		return e.name, nil
	}
	return canonical(name)
}

// sameResult reports whether e holds a successful result made from the very
// records src (the same pointers: records are never changed once answered,
// so a result made from them holds for both).
func (e *memoEntry) sameResult(src [2][]dns.RR) bool {
	if e == nil || e.fail.err != nil {
		return false
	}
	for i := range src {
		if len(e.src[i]) != len(src[i]) {
			return false
		}
		for j := range src[i] {
			if e.src[i][j] != src[i][j] {
				return false
			}
		}
	}
	return true
}

// sameFailure reports whether e holds the same failure, one a cache keeps
// (NXDOMAIN, NODATA, a CNAME loop), of a query of the same type.
func (e *memoEntry) sameFailure(f failure, ftype uint16) bool {
	if e == nil || e.ftype != ftype {
		return false
	}
	switch e.fail.err {
	case ErrNXDomain, ErrNoRecords, ErrCNAMELoop:
		return e.fail == f
	}
	return false
}
