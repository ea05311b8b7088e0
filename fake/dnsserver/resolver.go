package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// Exchanger answers DNS queries: an Authority in-process, a Resolver, or a
// network client. (dnscheck.Exchanger is the same shape.)
type Exchanger interface {
	Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error)
}

// Lookup errors, told apart so that a failure is never taken for "no such
// record".
var (
	ErrNXDomain  = errors.New("dnsserver: no such domain (NXDOMAIN)")
	ErrNoRecords = errors.New("dnsserver: no records of that type")
	ErrServFail  = errors.New("dnsserver: server failure (SERVFAIL)")
	ErrRefused   = errors.New("dnsserver: query refused (REFUSED)")
	ErrTimeout   = errors.New("dnsserver: no answer in time")
)

// LookupError says which lookup failed and why; it matches one of the Err
// values with errors.Is.
type LookupError struct {
	Name string
	Type string
	Err  error
}

func (e *LookupError) Error() string { return fmt.Sprintf("lookup %s %s: %v", e.Type, e.Name, e.Err) }

// Unwrap returns the kind of failure.
func (e *LookupError) Unwrap() error { return e.Err }

// Resolver is a caching resolver with its own cache: answers are kept for
// their TTL, negative answers for the SOA minimum (RFC 2308), measured on the
// Clock (virtual time under fake/sim).
type Resolver struct {
	name     string
	upstream Exchanger
	clk      mailops.Clock

	mu    sync.Mutex
	cache map[cacheKey]cached
}

type cacheKey struct {
	name  string
	qtype uint16
}

type cached struct {
	msg     *dns.Msg
	expires time.Time
}

// NewResolver returns a resolver asking upstream.
func NewResolver(name string, upstream Exchanger, clk mailops.Clock) *Resolver {
	return &Resolver{name: name, upstream: upstream, clk: clk, cache: map[cacheKey]cached{}}
}

// Name returns the resolver's name.
func (r *Resolver) Name() string { return r.name }

// Flush empties the cache.
func (r *Resolver) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cache = map[cacheKey]cached{}
}

// Exchange answers from the cache or asks upstream and caches the answer.
func (r *Resolver) Exchange(ctx context.Context, q *dns.Msg) (*dns.Msg, error) {
	if q == nil || len(q.Question) != 1 {
		return nil, errors.New("dnsserver: a query needs exactly one question")
	}
	k := cacheKey{canon(q.Question[0].Name), q.Question[0].Qtype}
	now := r.clk.Now()
	r.mu.Lock()
	if c, ok := r.cache[k]; ok && now.Before(c.expires) {
		m := c.msg.Copy()
		m.Id = q.Id
		// Like a real resolver, count the TTLs down while cached.
		left := uint32((c.expires.Sub(now) + time.Second - 1) / time.Second)
		for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
			for _, rr := range sec {
				rr.Header().Ttl = min(rr.Header().Ttl, left)
			}
		}
		r.mu.Unlock()
		return m, nil
	}
	r.mu.Unlock()
	m, err := r.upstream.Exchange(ctx, q)
	if err != nil {
		return nil, err
	}
	if ttl, ok := cacheTTL(m); ok {
		r.mu.Lock()
		r.cache[k] = cached{msg: m.Copy(), expires: now.Add(ttl)}
		r.mu.Unlock()
	}
	return m, nil
}

// cacheTTL is how long an answer may be kept: the smallest answer TTL, or for
// NXDOMAIN/NODATA the SOA minimum. SERVFAIL and REFUSED are not cached.
func cacheTTL(m *dns.Msg) (time.Duration, bool) {
	switch m.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return 0, false
	}
	if len(m.Answer) > 0 {
		ttl := m.Answer[0].Header().Ttl
		for _, rr := range m.Answer {
			ttl = min(ttl, rr.Header().Ttl)
		}
		return time.Duration(ttl) * time.Second, true
	}
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return time.Duration(min(soa.Minttl, soa.Hdr.Ttl)) * time.Second, true
		}
	}
	return 0, false
}

// query asks for name/qtype, following CNAMEs (at most 8), and returns the
// records of qtype.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	tname := dns.TypeToString[qtype]
	n := canon(name)
	if _, ok := dns.IsDomainName(n); !ok || len(n) > 254 {
		return nil, &LookupError{Name: name, Type: tname, Err: fmt.Errorf("invalid name")}
	}
	for depth := 0; depth < 8; depth++ {
		q := new(dns.Msg)
		q.SetQuestion(n, qtype)
		m, err := r.Exchange(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				return nil, &LookupError{Name: name, Type: tname, Err: fmt.Errorf("%w: %v", ErrTimeout, err)}
			}
			return nil, &LookupError{Name: name, Type: tname, Err: err}
		}
		switch m.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeNameError:
			return nil, &LookupError{Name: name, Type: tname, Err: ErrNXDomain}
		case dns.RcodeServerFailure:
			return nil, &LookupError{Name: name, Type: tname, Err: ErrServFail}
		case dns.RcodeRefused:
			return nil, &LookupError{Name: name, Type: tname, Err: ErrRefused}
		default:
			return nil, &LookupError{Name: name, Type: tname, Err: fmt.Errorf("rcode %s", dns.RcodeToString[m.Rcode])}
		}
		var out []dns.RR
		var next string
		for _, rr := range m.Answer {
			switch v := rr.(type) {
			case *dns.CNAME:
				if canon(v.Hdr.Name) == n {
					next = canon(v.Target)
				}
			default:
				if rr.Header().Rrtype == qtype {
					out = append(out, rr)
				}
			}
		}
		if len(out) > 0 {
			return out, nil
		}
		if next == "" {
			return nil, &LookupError{Name: name, Type: tname, Err: ErrNoRecords}
		}
		n = next
	}
	return nil, &LookupError{Name: name, Type: tname, Err: fmt.Errorf("CNAME chain longer than 8 (a loop?)")}
}

// LookupMX returns the MX records sorted by preference.
func (r *Resolver) LookupMX(ctx context.Context, domain string) ([]MX, error) {
	rrs, err := r.query(ctx, domain, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	out := make([]MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*dns.MX)
		out = append(out, MX{Host: strings.TrimSuffix(mx.Mx, "."), Pref: mx.Preference})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pref < out[j].Pref })
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

// LookupHost returns the A and AAAA addresses of a name.
func (r *Resolver) LookupHost(ctx context.Context, name string) ([]string, error) {
	var out []string
	var firstErr error
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := r.query(ctx, name, t)
		if err != nil {
			if !errors.Is(err, ErrNoRecords) && firstErr == nil {
				firstErr = err
			}
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
		if firstErr != nil {
			return nil, firstErr
		}
		return nil, &LookupError{Name: name, Type: "A/AAAA", Err: ErrNoRecords}
	}
	return out, nil
}
