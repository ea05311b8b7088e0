package dnsserver

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// Add adds one record of any type (dns.NewRR("name ttl IN TYPE data")); a
// record with the same data is ignored. An SOA replaces its zone's SOA.
func (a *Authority) Add(rr dns.RR) error {
	e, err := rrEdit(rr)
	if err != nil {
		return err
	}
	e.op = opAdd
	return a.apply(e)
}

// Delete removes the record with rr's data (TTL aside) from its set.
func (a *Authority) Delete(rr dns.RR) error {
	e, err := rrEdit(rr)
	if err != nil {
		return err
	}
	e.op = opDelete
	return a.apply(e)
}

// Replace makes rrs the set of type rrtype at name (none removes the set).
// Every record must have that name and type.
func (a *Authority) Replace(name string, rrtype uint16, rrs ...dns.RR) error {
	n, err := canonical(name)
	if err != nil {
		return err
	}
	e := edit{name: n, typ: rrtype, op: opReplace}
	for _, rr := range rrs {
		x, err := rrEdit(rr)
		if err != nil {
			return err
		}
		if x.name != n || x.typ != rrtype {
			return &mailops.ValidationError{Field: "record", Value: rr.String(), Reason: "not of " + n + " " + typeName(rrtype)}
		}
		e.recs = append(e.recs, x.recs...)
	}
	return a.apply(e)
}

// rrEdit turns a miekg record into an edit of one record.
func rrEdit(rr dns.RR) (edit, error) {
	if rr == nil || rr.Header() == nil {
		return edit{}, &mailops.ValidationError{Field: "record", Value: "<nil>", Reason: "no record"}
	}
	h := rr.Header()
	n, err := canonical(h.Name)
	if err != nil {
		return edit{}, err
	}
	if h.Class != dns.ClassINET && h.Class != 0 {
		return edit{}, &mailops.ValidationError{Field: "class", Value: dns.ClassToString[h.Class], Reason: "only IN"}
	}
	if err := checkTTL(h.Ttl); err != nil {
		return edit{}, err
	}
	switch h.Rrtype {
	case dns.TypeOPT, dns.TypeTSIG, dns.TypeSIG, dns.TypeANY, dns.TypeAXFR, dns.TypeIXFR, dns.TypeNone:
		return edit{}, &mailops.ValidationError{Field: "type", Value: typeName(h.Rrtype), Reason: "a meta type, not data"}
	}
	rec, err := fromRR(rr)
	if err != nil {
		return edit{}, err
	}
	return edit{name: n, typ: h.Rrtype, recs: []record{rec}}, nil
}

// fromRR converts a miekg record's data to the package's own.
func fromRR(rr dns.RR) (record, error) {
	r := record{ttl: rr.Header().Ttl}
	target := func(field, host string) (err error) {
		r.host, err = targetName(field, host)
		return err
	}
	var err error
	switch v := rr.(type) {
	case *dns.A:
		ip, ok := netip.AddrFromSlice(v.A.To4())
		if !ok {
			return r, &mailops.ValidationError{Field: "A", Value: v.A.String(), Reason: "not an IPv4 address"}
		}
		r.addr = ip
	case *dns.AAAA:
		ip, ok := netip.AddrFromSlice(v.AAAA.To16())
		if !ok {
			return r, &mailops.ValidationError{Field: "AAAA", Value: v.AAAA.String(), Reason: "not an IPv6 address"}
		}
		r.addr = ip
	case *dns.MX:
		r.pref, err = v.Preference, target("MX host", v.Mx)
	case *dns.CNAME:
		err = target("CNAME target", v.Target)
	case *dns.NS:
		err = target("NS host", v.Ns)
	case *dns.SRV:
		r.pref, r.weight, r.port, err = v.Priority, v.Weight, v.Port, target("SRV target", v.Target)
	case *dns.TXT:
		r.txt = append([]string{}, v.Txt...)
		if len(r.txt) == 0 {
			r.txt = []string{""}
		}
	case *dns.SOA:
		mname, err1 := targetName("SOA mname", v.Ns)
		rname, err2 := targetName("SOA rname", v.Mbox)
		if err1 != nil {
			return r, err1
		}
		if err2 != nil {
			return r, err2
		}
		r.soa = &soaData{mname: mname, rname: rname, serial: v.Serial, refresh: v.Refresh, retry: v.Retry, expire: v.Expire, minimum: v.Minttl}
	default:
		// Any other type keeps its data in presentation form.
		full := rr.String()
		hdr := rr.Header().String()
		r.rdata = strings.TrimSpace(strings.TrimPrefix(full, hdr))
		if r.rdata == "" {
			r.rdata = `\# 0`
		}
	}
	return r, err
}

// toRR converts a stored record to a miekg record at name.
func toRR(name string, t uint16, r record) dns.RR {
	h := dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: r.ttl}
	switch t {
	case typeA:
		return &dns.A{Hdr: h, A: r.addr.AsSlice()}
	case typeAAAA:
		return &dns.AAAA{Hdr: h, AAAA: r.addr.AsSlice()}
	case typeMX:
		return &dns.MX{Hdr: h, Preference: r.pref, Mx: r.host}
	case typeCNAME:
		return &dns.CNAME{Hdr: h, Target: r.host}
	case typeNS:
		return &dns.NS{Hdr: h, Ns: r.host}
	case typeSRV:
		return &dns.SRV{Hdr: h, Priority: r.pref, Weight: r.weight, Port: r.port, Target: r.host}
	case typeTXT:
		return &dns.TXT{Hdr: h, Txt: append([]string(nil), r.txt...)}
	case typeSOA:
		s := r.soa
		return &dns.SOA{Hdr: h, Ns: s.mname, Mbox: s.rname, Serial: s.serial, Refresh: s.refresh, Retry: s.retry, Expire: s.expire, Minttl: s.minimum}
	}
	rr, err := dns.NewRR(h.String() + " " + r.rdata)
	if err != nil || rr == nil {
		// Stored from a record miekg printed: it parses. Fall back to
		// the RFC 3597 form, which always does.
		return &dns.RFC3597{Hdr: h, Rdata: ""}
	}
	return rr
}
