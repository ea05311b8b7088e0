package dnsserver

import (
	"context"
	"errors"
	"slices"

	"github.com/miekg/dns"
)

const (
	// maxChain bounds CNAME chains, in the authority and in resolvers.
	maxChain = 8
	// advertisedUDPSize is the buffer size the server states in its EDNS0
	// answers (the DNS flag day 2020 value).
	advertisedUDPSize = 1232
)

// ServeDNS answers a query from the zones (dns.Handler). It never panics on
// malformed input: anything it cannot answer gets FORMERR, NOTIMP or
// REFUSED. Over UDP an answer bigger than the client's buffer (512 bytes,
// or its EDNS0 size) is truncated with the TC bit set, so the client asks
// again over TCP. A name set to FaultSilent gets no answer at all.
func (a *Authority) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m, silent, broken := a.answer(r, true)
	if silent {
		return // the packet is dropped
	}
	if broken {
		// Data that cannot go on the wire (a test published a broken
		// name): SERVFAIL rather than a packet the client cannot read.
		m = new(dns.Msg)
		m.SetRcode(r, dns.RcodeServerFailure)
	}
	if ra := w.RemoteAddr(); ra != nil && (ra.Network() == "udp" || ra.Network() == "udp4" || ra.Network() == "udp6") {
		size := dns.MinMsgSize
		if o := r.IsEdns0(); o != nil {
			size = max(int(o.UDPSize()), dns.MinMsgSize)
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// Exchange answers in-process, without sockets or truncation: the same
// answers ServeDNS gives over TCP. A name set to FaultSilent blocks until
// ctx ends (see UseClock). It implements dnscheck.Exchanger. The message
// returned is the caller's to change, except for the package's own
// Resolver lookups, which only read answers: they get answers stored until
// the zones next change (storedAnswer).
func (a *Authority) Exchange(ctx context.Context, r *dns.Msg) (*dns.Msg, error) {
	if r == nil {
		return nil, errors.New("dnsserver: nil query")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if isReadOnly(ctx) {
		if m := a.storedAnswer(r); m != nil {
			return m, nil
		}
	}
	m, silent, _ := a.answer(r, false)
	if silent {
		return nil, a.silence(ctx)
	}
	return m, nil
}

// answer builds the reply to r; silent means none is to be sent, broken
// that it holds a name too long for the wire. shared answers with the
// stored wire RRs (for a reply that is packed and dropped); otherwise
// the caller gets RRs of its own.
func (a *Authority) answer(r *dns.Msg, shared bool) (m *dns.Msg, silent, broken bool) {
	m, name, done := prepare(r)
	if done {
		return m, false, false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.fill(m, r.Question[0].Qtype, name, shared)
}

// prepare starts the reply to r: the header and question, and the whole
// reply (done) when r is no query the zones answer. name is the question's
// name, canonical.
func prepare(r *dns.Msg) (m *dns.Msg, name string, done bool) {
	m = new(dns.Msg)
	if r.Response || len(r.Question) != 1 {
		return formErr(r), "", true
	}
	if r.Opcode != dns.OpcodeQuery {
		m.SetRcode(r, dns.RcodeNotImplemented)
		return m, "", true
	}
	m.SetReply(r)
	opt := r.IsEdns0()
	if opt != nil {
		m.SetEdns0(advertisedUDPSize, false)
		if opt.Version() != 0 {
			m.Rcode = dns.RcodeBadVers // RFC 6891 section 6.1.3
			return m, "", true
		}
	}
	q := r.Question[0]
	name, err := canonical(q.Name)
	if err != nil {
		m.Rcode = dns.RcodeFormatError
		return m, "", true
	}
	switch {
	case q.Qtype == dns.TypeOPT || q.Qtype == dns.TypeTSIG || q.Qtype == dns.TypeTKEY || q.Qtype == dns.TypeNone:
		m.Rcode = dns.RcodeFormatError
		return m, "", true
	case q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY:
		m.Rcode = dns.RcodeRefused // only the Internet class is served
		return m, "", true
	case q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR || q.Qtype == dns.TypeMAILA || q.Qtype == dns.TypeMAILB:
		m.Rcode = dns.RcodeNotImplemented // no zone transfers
		return m, "", true
	}
	return m, name, false
}

// fill completes the reply m to a question for name (canonical) and qtype
// from the zones. Called with a.mu held.
func (a *Authority) fill(m *dns.Msg, qtype uint16, name string, shared bool) (_ *dns.Msg, silent, broken bool) {
	if a.zoneOf(name) == "" && a.faults[name] == FaultNone {
		m.Rcode = dns.RcodeRefused
		return m, false, broken
	}
	m.Authoritative = true
	var seenBuf [maxChain]string
	seen := seenBuf[:0]
	set := func(name string, t uint16, recs []record) {
		if shared && !broken {
			if nd := a.nodes[name]; nd != nil && len(nd.wire[t]) == len(recs) {
				for _, x := range recs {
					broken = broken || x.broken
				}
				m.Answer = append(m.Answer, nd.wire[t]...)
				return
			}
		}
		m.Answer = append(m.Answer, rrs(name, t, recs, &broken)...)
	}
	for depth := 0; ; depth++ {
		switch a.faults[name] {
		case FaultServFail:
			m.Answer, m.Authoritative, m.Rcode = nil, false, dns.RcodeServerFailure
			return m, false, broken
		case FaultSilent:
			return nil, true, false
		}
		if a.zoneOf(name) == "" || slices.Contains(seen, name) || depth >= maxChain {
			// The chain leaves the authority (the resolver follows it
			// elsewhere), loops, or is too long: answer what we have.
			return m, false, broken
		}
		seen = append(seen, name)
		if qtype == dns.TypeANY {
			if nd := a.nodes[name]; nd != nil && len(nd.sets) > 0 {
				for _, t := range sortedTypes(nd.sets) {
					set(name, t, nd.sets[t])
				}
				return m, false, broken
			}
		} else if recs := a.rrset(name, qtype); len(recs) > 0 {
			set(name, qtype, recs)
			return m, false, broken
		}
		if cn := a.rrset(name, dns.TypeCNAME); len(cn) > 0 && qtype != dns.TypeCNAME {
			set(name, dns.TypeCNAME, cn)
			name = cn[0].host
			continue
		}
		if !a.exists(name) {
			m.Rcode = dns.RcodeNameError // also at the end of a chain (RFC 6604)
		}
		break
	}
	// A negative answer carries its zone's SOA, with the TTL negative
	// caching uses: the smaller of the SOA's TTL and its minimum (RFC 2308
	// section 3).
	if soa := a.rrset(a.zoneOf(name), dns.TypeSOA); len(soa) > 0 {
		rr := toRR(a.zoneOf(name), dns.TypeSOA, soa[0])
		rr.Header().Ttl = min(soa[0].ttl, soa[0].soa.minimum)
		m.Ns = append(m.Ns, rr)
	}
	return m, false, broken
}

// formErr answers a message that is no proper query.
func formErr(r *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.Id = r.Id
	m.Response = true
	m.Opcode = r.Opcode
	m.Rcode = dns.RcodeFormatError
	if len(r.Question) == 1 {
		m.Question = []dns.Question{r.Question[0]}
	}
	return m
}

func rrs(name string, t uint16, set []record, broken *bool) []dns.RR {
	out := make([]dns.RR, len(set))
	for i, r := range set {
		out[i] = toRR(name, t, r)
		*broken = *broken || r.broken
	}
	return out
}
