package dnsserver

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// Exchanger answers DNS queries: an Authority in-process, a Resolver, or a
// network client. (dnscheck.Exchanger is the same shape.) It only reads the
// query: a Resolver sends the same question message again.
type Exchanger interface {
	Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error)
}

// Resolver is a caching resolver with its own cache: answers are kept for
// their smallest TTL, negative answers (NXDOMAIN, NODATA) for the TTL of the
// SOA they carry (RFC 2308; without an SOA they are not cached), measured on
// the Clock (virtual time under fake/sim). SERVFAIL, REFUSED, truncated
// answers and errors are never cached. It is safe for concurrent use.
type Resolver struct {
	name     string
	upstream Exchanger
	clk      mailops.Clock
	minTTL   time.Duration
	maxTTL   time.Duration

	// readOnlyBackground is withReadOnly(context.Background()), made once:
	// the context of most lookups.
	readOnlyBackground context.Context

	mu    sync.Mutex
	cache map[cacheKey]cached
	// memoMX and memoHost keep the results of LookupMX and LookupHost
	// (memo.go): the name asked to *memoEntry. Lookups read them without
	// the lock (a caching resolver's hot path).
	memoMX, memoHost sync.Map
	// start is when the resolver was made: memo entries count their
	// expiry from it.
	start time.Time
}

type cacheKey struct {
	name  string
	qtype uint16
}

type cached struct {
	msg     *dns.Msg
	expires time.Time
	// question is the resolver's own query that got msg (nil: a caller's),
	// sent again once msg expires.
	question *dns.Msg
}

// ResolverOption configures a Resolver.
type ResolverOption func(*Resolver)

// WithTTLClamp keeps every cached answer, positive or negative, at least
// min and at most max (0: no bound), like unbound's cache-min-ttl and
// cache-max-ttl. The TTLs the resolver hands out count down from the
// clamped time.
func WithTTLClamp(min, max time.Duration) ResolverOption {
	return func(r *Resolver) { r.minTTL, r.maxTTL = min, max }
}

// NewResolver returns a resolver named name (for reports) asking upstream,
// with an empty cache.
func NewResolver(name string, upstream Exchanger, clk mailops.Clock, opts ...ResolverOption) *Resolver {
	r := &Resolver{name: name, upstream: upstream, clk: clk, cache: map[cacheKey]cached{}, start: clk.Now(),
		readOnlyBackground: withReadOnly(context.Background())}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Name returns the resolver's name.
func (r *Resolver) Name() string { return r.name }

// Flush empties the cache.
func (r *Resolver) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.cache)
	r.memoMX.Clear()
	r.memoHost.Clear()
}

// FlushName forgets the cached answers for name (every type), like
// unbound-control flush.
func (r *Resolver) FlushName(name string) {
	n, err := canonical(name)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.memoMX.Clear()
	r.memoHost.Clear()
	for k := range r.cache {
		if k.name == n {
			delete(r.cache, k)
		}
	}
}

// Exchange answers from the cache or asks upstream and caches the answer.
// The message returned is the caller's to change.
func (r *Resolver) Exchange(ctx context.Context, q *dns.Msg) (*dns.Msg, error) {
	m, _, err := r.exchange(ctx, q, false)
	return m, err
}

// exchange is Exchange that also says until when the answer stays in the
// cache (zero: it was not cached). readOnly is for the resolver's own
// lookups, which only read the answer: a cached one is handed out as it is
// stored (no copy, TTLs not counted down), the upstream is told so
// (withReadOnly), and its answer is cached as it is, without a copy.
func (r *Resolver) exchange(ctx context.Context, q *dns.Msg, readOnly bool) (*dns.Msg, time.Time, error) {
	if q == nil || len(q.Question) != 1 {
		return nil, time.Time{}, errors.New("dnsserver: a query needs exactly one question")
	}
	n, err := canonical(q.Question[0].Name)
	if err != nil {
		return nil, time.Time{}, err
	}
	k := cacheKey{n, q.Question[0].Qtype}
	now := r.clk.Now()
	r.mu.Lock()
	c, ok := r.cache[k]
	if ok && !now.Before(c.expires) {
		delete(r.cache, k)
		ok = false
	}
	r.mu.Unlock()
	if ok && readOnly {
		return c.msg, c.expires, nil
	}
	if ok {
		m := c.msg.Copy()
		m.Id = q.Id
		m.Question = []dns.Question{q.Question[0]}
		m.Authoritative = false
		// Like a real resolver, count the TTLs down while cached.
		left := uint32((c.expires.Sub(now) + time.Second - 1) / time.Second)
		for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
			for _, rr := range sec {
				rr.Header().Ttl = min(rr.Header().Ttl, left)
			}
		}
		return m, c.expires, nil
	}
	up := ctx
	switch {
	case readOnly && ctx == context.Background():
		up = r.readOnlyBackground
	case readOnly:
		up = withReadOnly(ctx)
	}
	m, err := r.upstream.Exchange(up, q)
	if err != nil {
		return nil, time.Time{}, err
	}
	if m == nil {
		return nil, time.Time{}, errors.New("dnsserver: upstream returned no message")
	}
	if ttl, ok := cacheTTL(m); ok {
		if r.minTTL > 0 {
			ttl = max(ttl, r.minTTL)
		}
		if r.maxTTL > 0 {
			ttl = min(ttl, r.maxTTL)
		}
		if ttl > 0 {
			keep := m
			if !readOnly {
				keep = m.Copy() // the caller may change m
			}
			var own *dns.Msg
			if readOnly {
				own = q
			}
			r.mu.Lock()
			r.cache[k] = cached{msg: keep, expires: now.Add(ttl), question: own}
			r.mu.Unlock()
			return m, now.Add(ttl), nil
		}
	}
	return m, time.Time{}, nil
}

// answer is exchange for the resolver's own lookups of a canonical name,
// which only read the answer: a cached one is handed out as it is stored,
// else the question goes upstream through exchange.
func (r *Resolver) answer(ctx context.Context, name string, qtype uint16) (*dns.Msg, time.Time, error) {
	now := r.clk.Now()
	r.mu.Lock()
	c, ok := r.cache[cacheKey{name, qtype}]
	r.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.msg, c.expires, nil
	}
	q := c.question // the same question again, as it was sent
	if q == nil {
		q = r.question(name, qtype)
	}
	return r.exchange(ctx, q, true)
}

// question is the query the resolver sends for name and qtype: recursion
// desired, as SetQuestion makes it, in one allocation, and sent again each
// time the answer expires (upstreams only read queries). Its Id is a hash of
// the question rather than a random number (the resolver's upstreams are
// in-process or on loopback: there is no spoofing to make random Ids worth
// a read of crypto/rand), so that every resolver asks the same question the
// same way and an in-process Authority hands out its stored answer as it is.
func (r *Resolver) question(name string, qtype uint16) *dns.Msg {
	q := &struct {
		msg dns.Msg
		q   [1]dns.Question
	}{}
	q.q[0] = dns.Question{Name: name, Qtype: qtype, Qclass: dns.ClassINET}
	q.msg.Id = questionID(name, qtype)
	q.msg.RecursionDesired = true
	q.msg.Question = q.q[:]
	return &q.msg
}

// questionID hashes a question (FNV-1a, folded to 16 bits).
func questionID(name string, qtype uint16) uint16 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	h = (h ^ uint32(qtype>>8)) * 16777619
	h = (h ^ uint32(qtype&0xff)) * 16777619
	return uint16(h>>16) ^ uint16(h)
}

// cacheTTL is how long an answer may be kept: the smallest TTL in the
// answer section and, for a negative answer (NXDOMAIN, or no record of the
// type asked, also at the end of a CNAME chain), the smaller of the SOA's TTL
// and its minimum (RFC 2308 section 5). SERVFAIL, REFUSED, truncated answers
// and negative answers without an SOA are not cached.
func cacheTTL(m *dns.Msg) (time.Duration, bool) {
	if m.Truncated || len(m.Question) != 1 {
		return 0, false
	}
	switch m.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return 0, false
	}
	qtype := m.Question[0].Qtype
	ttl, positive := uint32(1<<31-1), false
	for _, rr := range m.Answer {
		ttl = min(ttl, rr.Header().Ttl)
		positive = positive || rr.Header().Rrtype == qtype || qtype == dns.TypeANY
	}
	if m.Rcode == dns.RcodeSuccess && positive {
		return time.Duration(ttl) * time.Second, true
	}
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return time.Duration(min(ttl, soa.Minttl, soa.Hdr.Ttl)) * time.Second, true
		}
	}
	return 0, false
}
