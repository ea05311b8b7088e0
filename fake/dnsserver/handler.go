package dnsserver

import (
	"context"
	"errors"

	"github.com/miekg/dns"
)

// ServeDNS answers a query from the zones (dns.Handler). It never panics on
// malformed input: anything it cannot answer gets FORMERR, NOTIMP or
// REFUSED.
func (a *Authority) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	size := dns.MinMsgSize
	if o := r.IsEdns0(); o != nil {
		size = max(int(o.UDPSize()), dns.MinMsgSize)
	}
	m, silent := a.answer(r)
	if silent {
		return // a name set to never answer: the packet is dropped
	}
	if ra := w.RemoteAddr(); ra != nil && ra.Network() == "udp" {
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// Exchange answers in-process, without sockets. A name set to never answer
// blocks until ctx ends.
func (a *Authority) Exchange(ctx context.Context, r *dns.Msg) (*dns.Msg, error) {
	if r == nil {
		return nil, errors.New("dnsserver: nil query")
	}
	m, silent := a.answer(r)
	if silent {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return m, nil
}

func (a *Authority) answer(r *dns.Msg) (*dns.Msg, bool) {
	m := new(dns.Msg)
	if r.Response {
		m.SetRcodeFormatError(r)
		return m, false
	}
	if r.Opcode != dns.OpcodeQuery {
		m.SetRcode(r, dns.RcodeNotImplemented)
		return m, false
	}
	if len(r.Question) != 1 {
		m.SetRcodeFormatError(r)
		return m, false
	}
	m.SetReply(r)
	m.Authoritative = true
	q := r.Question[0]
	name := canon(q.Name)
	if _, ok := dns.IsDomainName(name); !ok || q.Qclass != dns.ClassINET {
		m.SetRcodeFormatError(r)
		return m, false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	switch a.fail[name] {
	case failServFail:
		m.SetRcode(r, dns.RcodeServerFailure)
		return m, false
	case failSilent:
		return nil, true
	}
	zone := a.zoneOf(name)
	if zone == "" {
		m.SetRcode(r, dns.RcodeRefused)
		m.Authoritative = false
		return m, false
	}
	// Follow CNAMEs inside the authority, at most 8 deep (loops stop).
	for depth := 0; depth < 8; depth++ {
		set := a.rrs[name]
		if rrs := set[q.Qtype]; len(rrs) > 0 {
			m.Answer = append(m.Answer, copyAll(rrs)...)
			return m, false
		}
		if cn := set[dns.TypeCNAME]; len(cn) > 0 && q.Qtype != dns.TypeCNAME {
			m.Answer = append(m.Answer, copyAll(cn)...)
			name = cn[0].(*dns.CNAME).Target
			if a.zoneOf(name) == "" {
				return m, false // the resolver follows it elsewhere
			}
			continue
		}
		if !a.exists(name) {
			m.Rcode = dns.RcodeNameError
		}
		break
	}
	// A negative answer (also at the end of a CNAME chain) carries the SOA
	// for negative caching.
	if soa := a.rrs[a.zoneOf(name)][dns.TypeSOA]; len(soa) > 0 {
		m.Ns = append(m.Ns, copyAll(soa)...)
	}
	return m, false
}

// exists reports whether name has records or descendants (an empty
// non-terminal is NODATA, not NXDOMAIN). Called with a.mu held.
func (a *Authority) exists(name string) bool {
	if len(a.rrs[name]) > 0 {
		for _, rrs := range a.rrs[name] {
			if len(rrs) > 0 {
				return true
			}
		}
	}
	for n, set := range a.rrs {
		if n != name && dns.IsSubDomain(name, n) && len(set) > 0 {
			return true
		}
	}
	return false
}

func copyAll(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}
