package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Lookup failures, told apart from a record that is simply missing (which is
// an empty answer and no error).
var (
	ErrTimeout  = errors.New("dnscheck: no answer in time")
	ErrServFail = errors.New("dnscheck: server failure (SERVFAIL)")
	ErrRefused  = errors.New("dnscheck: query refused (REFUSED)")
	ErrNXDomain = errors.New("dnscheck: no such domain (NXDOMAIN)")
	ErrInvalid  = errors.New("dnscheck: invalid name")
)

// LookupError names the failed lookup.
type LookupError struct {
	Name, Type string
	Err        error
}

func (e *LookupError) Error() string { return fmt.Sprintf("lookup %s %s: %v", e.Type, e.Name, e.Err) }

// Unwrap returns the kind of failure.
func (e *LookupError) Unwrap() error { return e.Err }

type querier struct {
	x       Exchanger
	queries int
}

// rr asks name/qtype and returns the answer records of that type (CNAMEs
// separately). An empty result with a nil error means "no such record";
// NXDOMAIN is returned as ErrNXDomain so callers decide what it means.
func (q *querier) rr(ctx context.Context, name string, qtype uint16) ([]dns.RR, []*dns.CNAME, error) {
	t := dns.TypeToString[qtype]
	fq := dns.Fqdn(name)
	if _, ok := dns.IsDomainName(fq); !ok || len(fq) > 254 {
		return nil, nil, &LookupError{name, t, ErrInvalid}
	}
	q.queries++
	m := new(dns.Msg)
	m.SetQuestion(fq, qtype)
	r, err := q.x.Exchange(ctx, m)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return nil, nil, &LookupError{name, t, fmt.Errorf("%w: %v", ErrTimeout, err)}
		}
		return nil, nil, &LookupError{name, t, err}
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, nil, &LookupError{name, t, ErrNXDomain}
	case dns.RcodeServerFailure:
		return nil, nil, &LookupError{name, t, ErrServFail}
	case dns.RcodeRefused:
		return nil, nil, &LookupError{name, t, ErrRefused}
	default:
		return nil, nil, &LookupError{name, t, fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])}
	}
	var out []dns.RR
	var cn []*dns.CNAME
	for _, a := range r.Answer {
		if c, ok := a.(*dns.CNAME); ok {
			cn = append(cn, c)
			continue
		}
		if a.Header().Rrtype == qtype {
			out = append(out, a)
		}
	}
	return out, cn, nil
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// txt returns TXT values (each record's strings joined).
func (q *querier) txt(ctx context.Context, name string) ([]string, uint32, error) {
	rrs, _, err := q.rr(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	var ttl uint32
	for _, r := range rrs {
		out = append(out, strings.Join(r.(*dns.TXT).Txt, ""))
		ttl = r.Header().Ttl
	}
	return out, ttl, nil
}

type mxRec struct {
	Host string
	Pref uint16
	TTL  uint32
}

func (q *querier) mx(ctx context.Context, name string) ([]mxRec, error) {
	rrs, _, err := q.rr(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	var out []mxRec
	for _, r := range rrs {
		m := r.(*dns.MX)
		out = append(out, mxRec{Host: strings.ToLower(strings.TrimSuffix(m.Mx, ".")), Pref: m.Preference, TTL: m.Hdr.Ttl})
	}
	return out, nil
}

// cname returns the CNAME target at name, "" if none.
func (q *querier) cname(ctx context.Context, name string) (string, error) {
	_, cn, err := q.rr(ctx, name, dns.TypeCNAME)
	if err != nil {
		return "", err
	}
	for _, c := range cn {
		if strings.EqualFold(c.Hdr.Name, dns.Fqdn(name)) {
			return strings.ToLower(strings.TrimSuffix(c.Target, ".")), nil
		}
	}
	return "", nil
}

// addrs returns A and AAAA addresses.
func (q *querier) addrs(ctx context.Context, name string) ([]string, error) {
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, _, err := q.rr(ctx, name, t)
		if err != nil {
			return nil, err
		}
		for _, r := range rrs {
			switch v := r.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.AAAA:
				out = append(out, v.AAAA.String())
			}
		}
	}
	return out, nil
}
