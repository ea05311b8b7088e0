package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	// ErrTooManyQueries means one Check reached its query budget
	// (maxQueries); the remaining lookups were not made.
	ErrTooManyQueries = errors.New("dnscheck: query budget spent")
)

// maxQueries bounds the queries of one Check, whatever the zone holds (many
// MX hosts, SPF chains); the SPF limits stop far below it.
const maxQueries = 300

// LookupError names the failed lookup.
type LookupError struct {
	Name, Type string
	Err        error
}

func (e *LookupError) Error() string { return fmt.Sprintf("lookup %s %s: %v", e.Type, e.Name, e.Err) }

// Unwrap returns the kind of failure.
func (e *LookupError) Unwrap() error { return e.Err }

// querier turns Exchanger answers into records and typed errors. It and
// exchanger.go are the only places that handle miekg/dns messages.
type querier struct {
	x       Exchanger
	queries int
}

// answer is one successful lookup.
type answer struct {
	rrs    []dns.RR     // records of the asked type
	cnames []*dns.CNAME // the CNAME chain, if any
	// negTTL is how long a resolver may cache "no such record" (the SOA
	// minimum of a negative answer); zero when the answer is positive or
	// carries no SOA.
	negTTL time.Duration
}

// ttl is the largest TTL of the records (what a resolver may keep).
func (a answer) ttl() time.Duration {
	var t time.Duration
	for _, r := range a.rrs {
		t = max(t, time.Duration(r.Header().Ttl)*time.Second)
	}
	for _, c := range a.cnames {
		t = max(t, time.Duration(c.Hdr.Ttl)*time.Second)
	}
	if len(a.rrs) == 0 && len(a.cnames) == 0 {
		t = a.negTTL
	}
	return t
}

// validName reports whether name can be asked: a syntactically valid,
// ASCII domain name no longer than 253 characters.
func validName(name string) bool {
	fq := dns.Fqdn(name)
	if name == "" || len(fq) > 254 || strings.ContainsFunc(fq, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return false
	}
	_, ok := dns.IsDomainName(fq)
	return ok
}

// rr asks name/qtype. An empty answer with a nil error means "no such
// record"; NXDOMAIN is returned as ErrNXDomain (with the answer, for its
// negative TTL) so callers decide what it means.
func (q *querier) rr(ctx context.Context, name string, qtype uint16) (answer, error) {
	t := dns.TypeToString[qtype]
	if !validName(name) {
		return answer{}, &LookupError{name, t, ErrInvalid}
	}
	if q.queries >= maxQueries {
		return answer{}, &LookupError{name, t, ErrTooManyQueries}
	}
	if err := ctx.Err(); err != nil {
		return answer{}, &LookupError{name, t, ctxErr(err)}
	}
	q.queries++
	fq := dns.Fqdn(name)
	m := new(dns.Msg)
	m.SetQuestion(fq, qtype)
	r, err := q.x.Exchange(ctx, m)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return answer{}, &LookupError{name, t, fmt.Errorf("%w: %w", ErrTimeout, err)}
		}
		return answer{}, &LookupError{name, t, err}
	}
	if r == nil {
		return answer{}, &LookupError{name, t, errors.New("empty reply")}
	}
	var a answer
	for _, ns := range r.Ns {
		if soa, ok := ns.(*dns.SOA); ok {
			a.negTTL = time.Duration(min(soa.Minttl, soa.Hdr.Ttl)) * time.Second
		}
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return a, &LookupError{name, t, ErrNXDomain}
	case dns.RcodeServerFailure:
		return answer{}, &LookupError{name, t, ErrServFail}
	case dns.RcodeRefused:
		return answer{}, &LookupError{name, t, ErrRefused}
	default:
		return answer{}, &LookupError{name, t, fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])}
	}
	for _, rr := range r.Answer {
		if c, ok := rr.(*dns.CNAME); ok {
			a.cnames = append(a.cnames, c)
			continue
		}
		if rr.Header().Rrtype == qtype {
			a.rrs = append(a.rrs, rr)
		}
	}
	return a, nil
}

func ctxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// Query types, so that callers outside the adapter need not import miekg/dns.
const (
	typeMX    = dns.TypeMX
	typeTXT   = dns.TypeTXT
	typeCNAME = dns.TypeCNAME
)

// cnameAt returns the target of the CNAME owned by name in the answer.
func (a answer) cnameAt(name string) (string, bool) {
	for _, c := range a.cnames {
		if strings.EqualFold(c.Hdr.Name, dns.Fqdn(name)) {
			return hostName(c.Target), true
		}
	}
	return "", false
}

// mxHosts returns the MX hosts of the answer.
func (a answer) mxHosts() []string {
	var out []string
	for _, m := range mxRecords(a.rrs) {
		out = append(out, m.Host)
	}
	return out
}

// txtValues returns the TXT values of records (each record's strings joined).
func txtValues(rrs []dns.RR) []string {
	var out []string
	for _, r := range rrs {
		if t, ok := r.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out
}

// txt returns TXT values (each record's strings joined).
func (q *querier) txt(ctx context.Context, name string) ([]string, error) {
	a, err := q.rr(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	return txtValues(a.rrs), nil
}

type mxRec struct {
	Host string
	Pref uint16
	TTL  uint32
}

func mxRecords(rrs []dns.RR) []mxRec {
	var out []mxRec
	for _, r := range rrs {
		if m, ok := r.(*dns.MX); ok {
			out = append(out, mxRec{Host: hostName(m.Mx), Pref: m.Preference, TTL: m.Hdr.Ttl})
		}
	}
	return out
}

// hostName lower-cases a name and drops the trailing dot ("." becomes "").
func hostName(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

func (q *querier) mx(ctx context.Context, name string) ([]mxRec, error) {
	a, err := q.rr(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	return mxRecords(a.rrs), nil
}

// cname returns the CNAME target at name, "" if none.
func (q *querier) cname(ctx context.Context, name string) (string, error) {
	a, err := q.rr(ctx, name, dns.TypeCNAME)
	if err != nil {
		return "", err
	}
	t, _ := a.cnameAt(name)
	return t, nil
}

// addrs returns A and AAAA addresses.
func (q *querier) addrs(ctx context.Context, name string) ([]string, error) {
	var out []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		a, err := q.rr(ctx, name, t)
		if err != nil {
			return nil, err
		}
		for _, r := range a.rrs {
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
