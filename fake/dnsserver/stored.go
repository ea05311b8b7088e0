package dnsserver

import (
	"context"

	"github.com/miekg/dns"
)

// maxStoredAnswers bounds the questions an Authority keeps answers to for
// read-only callers; when full, they are all dropped and stored again as
// asked.
const maxStoredAnswers = 1 << 14

// readOnlyKey marks a context whose query's answer the caller only reads
// (see withReadOnly).
type readOnlyKey struct{}

// withReadOnly says to an in-process Authority, through any Exchanger that
// passes the context on, that the caller only reads the answer to its query:
// the answer may then share records with the Authority and with other such
// callers. Only the package's own Resolver lookups ask this way.
func withReadOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

// isReadOnly reports whether ctx was made by withReadOnly.
func isReadOnly(ctx context.Context) bool {
	return ctx.Value(readOnlyKey{}) != nil
}

// storedKey is a plain query: everything its answer depends on.
type storedKey struct {
	name   string // canonical, as asked
	qtype  uint16
	rd, cd bool // the header bits SetReply copies
}

// plainKey returns the key of a plain query (opcode QUERY, one question of
// class IN with a canonical name, no other section, no EDNS0); other
// queries are answered afresh.
func plainKey(r *dns.Msg) (storedKey, bool) {
	if r.Response || r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 ||
		len(r.Answer) != 0 || len(r.Ns) != 0 || len(r.Extra) != 0 {
		return storedKey{}, false
	}
	q := r.Question[0]
	if q.Qclass != dns.ClassINET || !isCanonical(q.Name) {
		return storedKey{}, false
	}
	return storedKey{name: q.Name, qtype: q.Qtype, rd: r.RecursionDesired, cd: r.CheckingDisabled}, true
}

// storedReply is an answer stored for read-only callers, and the version
// of the zones it was made from.
type storedReply struct {
	m       *dns.Msg
	version uint64
}

// storedAnswer answers a plain query for a read-only caller from the
// answers stored for the zones' current version, storing it first if it is
// not there: the stored message itself when its Id is the query's, else a
// header of the caller's own (its Id) over sections shared with the
// Authority and other callers; never changed. It returns nil for any other
// query, and for a name set to FaultSilent: those go the usual way. Every
// change to the zones or faults makes a new version (lockForChange), so an
// answer never outlives the zones it came from.
func (a *Authority) storedAnswer(r *dns.Msg) *dns.Msg {
	k, ok := plainKey(r)
	if !ok {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	a.storedMu.Lock()
	s := a.stored[k]
	a.storedMu.Unlock()
	m := s.m
	if m == nil || s.version != a.version {
		reply, name, done := prepare(r)
		if !done {
			var silent bool
			if reply, silent, _ = a.fill(reply, k.qtype, name, true); silent {
				return nil
			}
		}
		m = reply
		a.storedMu.Lock()
		if len(a.stored) >= maxStoredAnswers {
			clear(a.stored)
		}
		a.stored[k] = storedReply{m, a.version}
		a.storedMu.Unlock()
	}
	if m.Id == r.Id {
		return m // the same question again (a Resolver's Ids are hashes of it)
	}
	c := *m
	c.Id = r.Id
	return &c
}

// lockForChange takes the lock for a change to the zones or faults, which
// makes a new version of them: the answers stored for the last one are
// stale.
func (a *Authority) lockForChange() {
	a.mu.Lock()
	a.version++
}
