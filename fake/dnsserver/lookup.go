package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Lookup errors, told apart so that a failure is never taken for "no such
// record". A *LookupError matches one of them with errors.Is.
var (
	// ErrNXDomain: the name does not exist (NXDOMAIN).
	ErrNXDomain = errors.New("dnsserver: no such domain (NXDOMAIN)")
	// ErrNoRecords: the name exists but has no record of the type (NODATA).
	ErrNoRecords = errors.New("dnsserver: no records of that type")
	// ErrServFail: the server failed (SERVFAIL); nothing is known.
	ErrServFail = errors.New("dnsserver: server failure (SERVFAIL)")
	// ErrRefused: the server refused the query (REFUSED).
	ErrRefused = errors.New("dnsserver: query refused (REFUSED)")
	// ErrTimeout: no answer came in time (the context ended, or the network
	// client timed out).
	ErrTimeout = errors.New("dnsserver: no answer in time")
	// ErrCNAMELoop: the CNAME chain loops or is longer than 8.
	ErrCNAMELoop = errors.New("dnsserver: CNAME chain loops or is longer than 8")
)

// LookupError says which lookup failed and why; it matches one of the Err
// values above with errors.Is (an invalid name matches mailops.ErrInvalid,
// an ended context also context.DeadlineExceeded or context.Canceled).
type LookupError struct {
	Resolver string // the resolver's name
	Name     string // the name asked, as given
	Type     string // "MX", "TXT", "A", "AAAA"
	Rcode    int    // the answer's rcode (dns.RcodeNameError...), -1 without an answer
	Err      error
}

func (e *LookupError) Error() string {
	return fmt.Sprintf("lookup %s %s: %v", e.Type, e.Name, e.Err)
}

// Unwrap returns the kind of failure.
func (e *LookupError) Unwrap() error { return e.Err }

// failure is why a query found no records of its type: the kind of failure
// (ErrNXDomain...; nil: none) and the answer's rcode (-1 without an
// answer). A lookup makes it a *LookupError only when it reports it.
type failure struct {
	err   error
	rcode int
}

// lookupError reports a failed lookup of name (as the caller gave it).
func (r *Resolver) lookupError(name string, qtype uint16, f failure) error {
	return &LookupError{Resolver: r.name, Name: name, Type: typeName(qtype), Rcode: f.rcode, Err: f.err}
}

// validity tracks until when every answer a lookup used stays in the cache.
type validity struct {
	until          time.Time
	used, uncached bool
}

// see counts an answer cached until t (zero: not cached).
func (v *validity) see(t time.Time) {
	v.used = true
	switch {
	case t.IsZero():
		v.uncached = true
	case v.until.IsZero() || t.Before(v.until):
		v.until = t
	}
}

// expires is until when the lookup's result holds (zero: an answer it used
// was not cached).
func (v *validity) expires() time.Time {
	if !v.used || v.uncached {
		return time.Time{}
	}
	return v.until
}

// query asks for name/qtype, following CNAMEs (at most maxChain, loops
// stop), and returns the records of qtype.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	n, err := canonical(name)
	if err != nil {
		return nil, r.lookupError(name, qtype, failure{err, -1})
	}
	rrs, f := r.queryWith(ctx, n, qtype, &validity{})
	if f.err != nil {
		return nil, r.lookupError(name, qtype, f)
	}
	return rrs, nil
}

// queryWith is query for a canonical name n, counting every answer it uses
// in v. The records returned may share the answer's array: they are only
// read.
func (r *Resolver) queryWith(ctx context.Context, n string, qtype uint16, v *validity) ([]dns.RR, failure) {
	seen := map[string]bool{}
	for range maxChain + 1 {
		if seen[n] {
			return nil, failure{ErrCNAMELoop, dns.RcodeSuccess}
		}
		seen[n] = true
		m, until, err := r.answer(ctx, n, qtype)
		v.see(until)
		if err != nil {
			var ne net.Error
			if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
				return nil, failure{fmt.Errorf("%w: %w", ErrTimeout, err), -1}
			}
			return nil, failure{err, -1}
		}
		switch m.Rcode {
		case dns.RcodeSuccess, dns.RcodeNameError:
		case dns.RcodeServerFailure:
			return nil, failure{ErrServFail, m.Rcode}
		case dns.RcodeRefused:
			return nil, failure{ErrRefused, m.Rcode}
		default:
			return nil, failure{fmt.Errorf("dnsserver: answer %s", dns.RcodeToString[m.Rcode]), m.Rcode}
		}
		// Walk the answer's chain from n: a CNAME for the current name
		// moves on (unless a record of qtype there came first); records
		// of qtype at the current name are the answer.
		cur, found := n, false
		for moved := true; moved && !found; {
			moved = false
			for _, rr := range m.Answer {
				h := rr.Header()
				if !strings.EqualFold(h.Name, cur) {
					continue
				}
				if h.Rrtype == qtype {
					found = true
				} else if cn, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME && !found {
					next := strings.ToLower(dns.Fqdn(cn.Target))
					if seen[next] {
						return nil, failure{ErrCNAMELoop, m.Rcode}
					}
					if len(seen) > maxChain {
						return nil, failure{ErrCNAMELoop, m.Rcode}
					}
					seen[next] = true
					cur, moved = next, true
					break
				}
			}
		}
		if found {
			return recordsAt(m.Answer, cur, qtype), failure{}
		}
		if m.Rcode == dns.RcodeNameError {
			return nil, failure{ErrNXDomain, m.Rcode}
		}
		if cur == n || answered(m, cur) {
			return nil, failure{ErrNoRecords, m.Rcode}
		}
		// The chain leaves what the upstream answered: ask for its end.
		delete(seen, cur)
		n = cur
	}
	return nil, failure{ErrCNAMELoop, dns.RcodeSuccess}
}

// recordsAt returns the records of qtype at name in answer, in order: a
// slice of answer itself when they stand together (the usual answer),
// capped so that appending copies.
func recordsAt(answer []dns.RR, name string, qtype uint16) []dns.RR {
	first, last, n := -1, -1, 0
	for i, rr := range answer {
		if h := rr.Header(); h.Rrtype == qtype && strings.EqualFold(h.Name, name) {
			if first < 0 {
				first = i
			}
			last, n = i, n+1
		}
	}
	if n == 0 || last-first+1 == n {
		if n == 0 {
			return nil
		}
		return answer[first : last+1 : last+1]
	}
	out := make([]dns.RR, 0, n)
	for _, rr := range answer[first : last+1] {
		if h := rr.Header(); h.Rrtype == qtype && strings.EqualFold(h.Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// answered reports whether m speaks for name: a negative answer whose chain
// ends there carries an SOA.
func answered(m *dns.Msg, name string) bool {
	for _, rr := range m.Ns {
		if _, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// LookupMX returns the MX records sorted by preference (stable among equal
// ones), hosts without the final dot; the null MX has Host "".
func (r *Resolver) LookupMX(ctx context.Context, domain string) ([]MX, error) {
	mxs, err := r.LookupMXShared(ctx, domain)
	return slices.Clone(mxs), err
}

// LookupMXShared is LookupMX for callers that only read the result, again
// and again (a simulated world's senders): while the answer stays cached it
// returns the same slice, shared with the resolver and with other callers,
// which must not be modified. A lookup made again after the answer expired
// returns the same slice too when the records it is made from are the same.
func (r *Resolver) LookupMXShared(ctx context.Context, domain string) ([]MX, error) {
	k := memoKey{domain, dns.TypeMX}
	old, fresh := r.memoized(k)
	if fresh {
		if old.fail.err != nil {
			return nil, r.lookupError(domain, old.ftype, old.fail)
		}
		return old.mx, nil
	}
	var v validity
	var rrs []dns.RR
	n, err := old.canonical(domain)
	f := failure{err, -1}
	if err == nil {
		rrs, f = r.queryWith(ctx, n, dns.TypeMX, &v)
	}
	if f.err != nil {
		if old.sameFailure(f, dns.TypeMX) {
			r.renew(k, old, v.expires())
		} else {
			r.remember(k, old, &memoEntry{fail: f, ftype: dns.TypeMX, name: n}, v.expires())
		}
		return nil, r.lookupError(domain, dns.TypeMX, f)
	}
	src := [2][]dns.RR{rrs}
	if old.sameResult(src) {
		r.renew(k, old, v.expires())
		return old.mx, nil
	}
	out := make([]MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*dns.MX)
		out = append(out, MX{Host: strings.TrimSuffix(strings.ToLower(mx.Mx), "."), Pref: mx.Preference})
	}
	slices.SortStableFunc(out, func(a, b MX) int { return int(a.Pref) - int(b.Pref) })
	r.remember(k, old, &memoEntry{mx: out, src: src, name: n}, v.expires())
	return out, nil
}

// LookupTXT returns the TXT values (each record's strings joined).
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, nil
}

// LookupHost returns the A then the AAAA addresses of a name. It fails only
// when it finds no address: with ErrNXDomain, with ErrNoRecords when
// neither type has records, or with the first failure.
func (r *Resolver) LookupHost(ctx context.Context, name string) ([]string, error) {
	hosts, err := r.LookupHostShared(ctx, name)
	return slices.Clone(hosts), err
}

// LookupHostShared is LookupHost for callers that only read the result: while
// the answers stay cached it returns the same slice, shared with the
// resolver and with other callers, which must not be modified (and after
// they expire, as LookupMXShared, while the records stay the same).
func (r *Resolver) LookupHostShared(ctx context.Context, name string) ([]string, error) {
	k := memoKey{name, dns.TypeA}
	old, fresh := r.memoized(k)
	if fresh {
		if old.fail.err != nil {
			return nil, r.lookupError(name, old.ftype, old.fail)
		}
		return old.hosts, nil
	}
	var v validity
	n, err := old.canonical(name)
	if err != nil {
		// Both queries would fail so: the first failure, the A query's
		// (not remembered).
		return nil, r.lookupError(name, dns.TypeA, failure{err, -1})
	}
	src, f, ftype := r.hostRecords(ctx, n, &v)
	if f.err != nil {
		if old.sameFailure(f, ftype) {
			r.renew(k, old, v.expires())
		} else {
			r.remember(k, old, &memoEntry{fail: f, ftype: ftype, name: n}, v.expires())
		}
		return nil, r.lookupError(name, ftype, f)
	}
	if old.sameResult(src) {
		r.renew(k, old, v.expires())
		return old.hosts, nil
	}
	hosts := make([]string, 0, len(src[0])+len(src[1]))
	for _, rrs := range src {
		for _, rr := range rrs {
			switch v := rr.(type) {
			case *dns.A:
				hosts = append(hosts, v.A.String())
			case *dns.AAAA:
				hosts = append(hosts, v.AAAA.String())
			}
		}
	}
	r.remember(k, old, &memoEntry{hosts: hosts, src: src, name: n}, v.expires())
	return hosts, nil
}

// hostRecords returns the A and the AAAA records of a canonical name, or,
// when neither holds an address, why (NXDOMAIN, the first failure, else no
// records), with the type of the query that said so.
func (r *Resolver) hostRecords(ctx context.Context, n string, v *validity) (src [2][]dns.RR, _ failure, ftype uint16) {
	var fail, nodata failure
	var failType, nodataType uint16
	addrs := 0
	for i, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, f := r.queryWith(ctx, n, t, v)
		switch {
		case errors.Is(f.err, ErrNXDomain):
			return [2][]dns.RR{}, f, t
		case errors.Is(f.err, ErrNoRecords):
			nodata, nodataType = f, t
			continue
		case f.err != nil:
			if fail.err == nil {
				fail, failType = f, t
			}
			continue
		}
		src[i] = rrs
		for _, rr := range rrs {
			switch rr.(type) {
			case *dns.A, *dns.AAAA:
				addrs++
			}
		}
	}
	if addrs == 0 {
		if fail.err != nil {
			return [2][]dns.RR{}, fail, failType
		}
		return [2][]dns.RR{}, nodata, nodataType
	}
	return src, failure{}, 0
}
