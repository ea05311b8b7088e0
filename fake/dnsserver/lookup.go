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

// query asks for name/qtype, following CNAMEs (at most maxChain, loops
// stop), and returns the records of qtype.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	rrs, _, err := r.queryUntil(ctx, name, qtype)
	return rrs, err
}

// queryUntil is query that also says until when every answer it used stays
// in the cache (zero: one of them was not cached).
func (r *Resolver) queryUntil(ctx context.Context, name string, qtype uint16) ([]dns.RR, time.Time, error) {
	var until time.Time
	used, uncached := false, false
	rrs, err := r.queryWith(ctx, name, qtype, func(t time.Time) {
		used = true
		switch {
		case t.IsZero():
			uncached = true
		case until.IsZero() || t.Before(until):
			until = t
		}
	})
	if !used || uncached {
		until = time.Time{}
	}
	return rrs, until, err
}

func (r *Resolver) queryWith(ctx context.Context, name string, qtype uint16, seenUntil func(time.Time)) ([]dns.RR, error) {
	fail := func(rcode int, err error) error {
		return &LookupError{Resolver: r.name, Name: name, Type: typeName(qtype), Rcode: rcode, Err: err}
	}
	n, err := canonical(name)
	if err != nil {
		return nil, fail(-1, err)
	}
	seen := map[string]bool{}
	for range maxChain + 1 {
		if seen[n] {
			return nil, fail(dns.RcodeSuccess, ErrCNAMELoop)
		}
		seen[n] = true
		m, until, err := r.answer(ctx, n, qtype)
		seenUntil(until)
		if err != nil {
			var ne net.Error
			if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
				return nil, fail(-1, fmt.Errorf("%w: %w", ErrTimeout, err))
			}
			return nil, fail(-1, err)
		}
		switch m.Rcode {
		case dns.RcodeSuccess, dns.RcodeNameError:
		case dns.RcodeServerFailure:
			return nil, fail(m.Rcode, ErrServFail)
		case dns.RcodeRefused:
			return nil, fail(m.Rcode, ErrRefused)
		default:
			return nil, fail(m.Rcode, fmt.Errorf("dnsserver: answer %s", dns.RcodeToString[m.Rcode]))
		}
		// Walk the answer's chain from n: a CNAME for the current name
		// moves on; records of qtype at the current name are the answer.
		var out []dns.RR
		cur := n
		for moved := true; moved; {
			moved = false
			for _, rr := range m.Answer {
				h := rr.Header()
				if !strings.EqualFold(h.Name, cur) {
					continue
				}
				if h.Rrtype == qtype {
					out = append(out, rr)
				} else if cn, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME && len(out) == 0 {
					next := strings.ToLower(dns.Fqdn(cn.Target))
					if seen[next] {
						return nil, fail(m.Rcode, ErrCNAMELoop)
					}
					if len(seen) > maxChain {
						return nil, fail(m.Rcode, ErrCNAMELoop)
					}
					seen[next] = true
					cur, moved = next, true
					break
				}
			}
		}
		if len(out) > 0 {
			return out, nil
		}
		if m.Rcode == dns.RcodeNameError {
			return nil, fail(m.Rcode, ErrNXDomain)
		}
		if cur == n || answered(m, cur) {
			return nil, fail(m.Rcode, ErrNoRecords)
		}
		// The chain leaves what the upstream answered: ask for its end.
		delete(seen, cur)
		n = cur
	}
	return nil, fail(dns.RcodeSuccess, ErrCNAMELoop)
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
// which must not be modified.
func (r *Resolver) LookupMXShared(ctx context.Context, domain string) ([]MX, error) {
	k := memoKey{domain, dns.TypeMX}
	if e, ok := r.memoized(k); ok {
		if e.err != nil {
			return nil, lookupErr(e.err)
		}
		return e.mx, nil
	}
	rrs, until, err := r.queryUntil(ctx, domain, dns.TypeMX)
	if err != nil {
		r.remember(k, memoEntry{err: err, expires: until})
		return nil, lookupErr(err)
	}
	out := make([]MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*dns.MX)
		out = append(out, MX{Host: strings.TrimSuffix(strings.ToLower(mx.Mx), "."), Pref: mx.Preference})
	}
	slices.SortStableFunc(out, func(a, b MX) int { return int(a.Pref) - int(b.Pref) })
	r.remember(k, memoEntry{mx: out, expires: until})
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
// resolver and with other callers, which must not be modified.
func (r *Resolver) LookupHostShared(ctx context.Context, name string) ([]string, error) {
	k := memoKey{name, dns.TypeA}
	if e, ok := r.memoized(k); ok {
		if e.err != nil {
			return nil, lookupErr(e.err)
		}
		return e.hosts, nil
	}
	var until time.Time
	cached := true
	hosts, err := r.lookupHost(ctx, name, func(t time.Time) {
		switch {
		case t.IsZero():
			cached = false
		case until.IsZero() || t.Before(until):
			until = t
		}
	})
	if !cached {
		until = time.Time{}
	}
	r.remember(k, memoEntry{hosts: hosts, err: err, expires: until})
	if err != nil {
		return nil, lookupErr(err)
	}
	return hosts, nil
}

func (r *Resolver) lookupHost(ctx context.Context, name string, seenUntil func(time.Time)) ([]string, error) {
	var out []string
	var failure, nodata error
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, until, err := r.queryUntil(ctx, name, t)
		seenUntil(until)
		switch {
		case errors.Is(err, ErrNXDomain):
			return nil, err
		case errors.Is(err, ErrNoRecords):
			nodata = err
			continue
		case err != nil:
			failure = cmpOr(failure, err)
			continue
		}
		for _, rr := range rrs {
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.AAAA:
				out = append(out, v.AAAA.String())
			}
		}
	}
	if len(out) == 0 {
		if failure != nil {
			return nil, failure
		}
		return nil, nodata
	}
	return out, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
