package dnsserver_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/mailops"
)

func TestAnswersEachType(t *testing.T) {
	a := zone(t)
	require.NoError(t, a.SetSRV("_sip._tls."+dom, 3600, dnsserver.SRV{Target: "sipdir.online.lync.com", Port: 443, Priority: 100, Weight: 1}))

	m := ask(t, a, "DeptA.Example.AC.jp", dns.TypeMX)
	require.Equal(t, dns.RcodeSuccess, m.Rcode)
	assert.True(t, m.Authoritative)
	assert.True(t, m.Response)
	require.Len(t, m.Answer, 1)
	mx := m.Answer[0].(*dns.MX)
	assert.Equal(t, legacy+".", mx.Mx, "names are case-insensitive")
	assert.Equal(t, uint16(10), mx.Preference)
	assert.Equal(t, uint32(3600), mx.Hdr.Ttl)
	assert.Equal(t, "DeptA.Example.AC.jp.", m.Question[0].Name, "the question is echoed as asked")

	m = ask(t, a, legacy, dns.TypeA)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "192.0.2.10", m.Answer[0].(*dns.A).A.String())
	m = ask(t, a, legacy, dns.TypeAAAA)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "2001:db8::10", m.Answer[0].(*dns.AAAA).AAAA.String())

	m = ask(t, a, dom, dns.TypeTXT)
	require.Len(t, m.Answer, 2)
	assert.Equal(t, []string{"v=spf1 a:" + legacy + " -all"}, m.Answer[0].(*dns.TXT).Txt)

	m = ask(t, a, "autodiscover."+dom, dns.TypeCNAME)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "autodiscover.outlook.com.", m.Answer[0].(*dns.CNAME).Target)

	m = ask(t, a, "_sip._tls."+dom, dns.TypeSRV)
	require.Len(t, m.Answer, 1)
	srv := m.Answer[0].(*dns.SRV)
	assert.Equal(t, [4]any{uint16(100), uint16(1), uint16(443), "sipdir.online.lync.com."}, [4]any{srv.Priority, srv.Weight, srv.Port, srv.Target})

	soa := ask(t, a, "EXAMPLE.ac.jp", dns.TypeSOA)
	require.Len(t, soa.Answer, 1)
	assert.Equal(t, "ns1.example.ac.jp.", soa.Answer[0].(*dns.SOA).Ns)
	ns := ask(t, a, "example.ac.jp", dns.TypeNS)
	require.Len(t, ns.Answer, 1)
	assert.Equal(t, "ns1.example.ac.jp.", ns.Answer[0].(*dns.NS).Ns)

	m = ask(t, a, legacy, dns.TypeANY)
	require.Len(t, m.Answer, 2, "ANY: every record at the name")
	assert.IsType(t, &dns.A{}, m.Answer[0])
	assert.IsType(t, &dns.AAAA{}, m.Answer[1])

	// A long TXT value is cut into 255-byte strings and joins back.
	long := strings.Repeat("k", 600)
	require.NoError(t, a.SetTXT("dkim."+dom, 60, long))
	m = ask(t, a, "dkim."+dom, dns.TypeTXT)
	require.Len(t, m.Answer, 1)
	assert.Len(t, m.Answer[0].(*dns.TXT).Txt, 3)
	assert.Equal(t, long, strings.Join(m.Answer[0].(*dns.TXT).Txt, ""))
}

func TestNegativeAnswers(t *testing.T) {
	a := zone(t)
	m := ask(t, a, "nope.example.ac.jp", dns.TypeMX)
	assert.Equal(t, dns.RcodeNameError, m.Rcode, "NXDOMAIN")
	assert.True(t, m.Authoritative)
	assert.Empty(t, m.Answer)
	require.Len(t, m.Ns, 1, "the SOA for negative caching")
	soa := m.Ns[0].(*dns.SOA)
	assert.Equal(t, "example.ac.jp.", soa.Hdr.Name)
	assert.Equal(t, uint32(300), soa.Hdr.Ttl, "min(SOA TTL 3600, minimum 300) (RFC 2308)")

	m = ask(t, a, dom, dns.TypeAAAA)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode, "NODATA is not NXDOMAIN")
	assert.Empty(t, m.Answer)
	require.Len(t, m.Ns, 1)
	assert.IsType(t, &dns.SOA{}, m.Ns[0])

	// An empty non-terminal exists: NODATA. Once its child goes, NXDOMAIN.
	require.NoError(t, a.SetSRV("_autodiscover._tcp."+dom, 60, dnsserver.SRV{Target: "autodiscover.outlook.com", Port: 443}))
	m = ask(t, a, "_tcp."+dom, dns.TypeSRV)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)
	assert.Empty(t, m.Answer)
	a.Remove("_autodiscover._tcp."+dom, dns.TypeSRV)
	assert.Equal(t, dns.RcodeNameError, ask(t, a, "_tcp."+dom, dns.TypeSRV).Rcode)
	assert.Equal(t, dns.RcodeNameError, ask(t, a, "_autodiscover._tcp."+dom, dns.TypeSRV).Rcode)

	// A zone's own SOA sets the negative TTL (generic Add replaces it).
	soaRR, err := dns.NewRR("example.ac.jp. 60 IN SOA ns1.example.ac.jp. hostmaster.example.ac.jp. 7 3600 600 86400 30")
	require.NoError(t, err)
	require.NoError(t, a.Add(soaRR))
	m = ask(t, a, "nope.example.ac.jp", dns.TypeA)
	require.Len(t, m.Ns, 1)
	assert.Equal(t, uint32(30), m.Ns[0].Header().Ttl)
	assert.Len(t, ask(t, a, "example.ac.jp", dns.TypeSOA).Answer, 1, "still one SOA")

	// Outside every zone: REFUSED, not authoritative.
	m = ask(t, a, "other.example.org", dns.TypeA)
	assert.Equal(t, dns.RcodeRefused, m.Rcode)
	assert.False(t, m.Authoritative)
}

func TestCNAMEChains(t *testing.T) {
	a := zone(t)
	m := ask(t, a, "mail."+dom, dns.TypeA)
	require.Len(t, m.Answer, 2, "CNAME chased inside the authority")
	assert.IsType(t, &dns.CNAME{}, m.Answer[0])
	assert.Equal(t, legacy+".", m.Answer[1].Header().Name)

	require.NoError(t, a.SetCNAME("c1.example.ac.jp", 60, "c2.example.ac.jp"))
	require.NoError(t, a.SetCNAME("c2.example.ac.jp", 60, "c3.example.ac.jp"))
	require.NoError(t, a.SetCNAME("c3.example.ac.jp", 60, legacy))
	m = ask(t, a, "c1.example.ac.jp", dns.TypeA)
	require.Len(t, m.Answer, 4, "three CNAMEs then the A")
	assert.IsType(t, &dns.A{}, m.Answer[3])

	// The CNAME itself when asked for.
	m = ask(t, a, "c1.example.ac.jp", dns.TypeCNAME)
	require.Len(t, m.Answer, 1)

	// A chain leaving the authority stops there, NOERROR, no SOA.
	m = ask(t, a, "autodiscover."+dom, dns.TypeA)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)
	require.Len(t, m.Answer, 1)
	assert.Empty(t, m.Ns)

	// A chain to a missing name: NXDOMAIN with the CNAME and the SOA.
	require.NoError(t, a.SetCNAME("dangling.example.ac.jp", 60, "gone.example.ac.jp"))
	m = ask(t, a, "dangling.example.ac.jp", dns.TypeMX)
	assert.Equal(t, dns.RcodeNameError, m.Rcode)
	require.Len(t, m.Answer, 1)
	require.Len(t, m.Ns, 1)
	assert.IsType(t, &dns.SOA{}, m.Ns[0])
	// A chain to a name without the type: NODATA with the SOA.
	m = ask(t, a, "mail."+dom, dns.TypeMX)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)
	require.Len(t, m.Answer, 1)
	require.Len(t, m.Ns, 1)

	// Loops and over-long chains stop, each CNAME at most once.
	require.NoError(t, a.SetCNAME("l1.example.ac.jp", 60, "l2.example.ac.jp"))
	require.NoError(t, a.SetCNAME("l2.example.ac.jp", 60, "l1.example.ac.jp"))
	m = ask(t, a, "l1.example.ac.jp", dns.TypeA)
	assert.Len(t, m.Answer, 2)
	for i := range 20 {
		require.NoError(t, a.SetCNAME("long"+itoa(i)+".example.ac.jp", 60, "long"+itoa(i+1)+".example.ac.jp"))
	}
	m = ask(t, a, "long0.example.ac.jp", dns.TypeA)
	assert.Len(t, m.Answer, 8, "bounded")

	// A CNAME shares its name with nothing, and never sits at an apex.
	err := a.SetCNAME(dom, 60, "elsewhere.example.org")
	require.ErrorIs(t, err, mailops.ErrInvalid)
	assert.ErrorContains(t, err, "MX, TXT")
	assert.ErrorIs(t, a.SetCNAME("example.ac.jp", 60, "x.example.org"), mailops.ErrInvalid)
	assert.ErrorIs(t, a.SetTXT("c1.example.ac.jp", 60, "x"), mailops.ErrInvalid)
	assert.Len(t, ask(t, a, dom, dns.TypeMX).Answer, 1, "a refused change changed nothing")
	// Replacing a CNAME by another is fine.
	require.NoError(t, a.SetCNAME("c3.example.ac.jp", 60, "mail."+dom))
}

func TestRunTimeChanges(t *testing.T) {
	a := zone(t)
	serial := func() uint32 { return ask(t, a, "example.ac.jp", dns.TypeSOA).Answer[0].(*dns.SOA).Serial }
	s0 := serial()
	require.NoError(t, a.SetMX(dom, 300, dnsserver.MX{Host: exo}, dnsserver.MX{Host: "backup.example.org", Pref: 20}))
	m := ask(t, a, dom, dns.TypeMX)
	require.Len(t, m.Answer, 2, "SetMX replaces the set")
	assert.Equal(t, exo+".", m.Answer[0].(*dns.MX).Mx)
	assert.Equal(t, uint32(300), m.Answer[0].Header().Ttl)
	assert.Greater(t, serial(), s0, "the SOA serial counts changes")

	require.NoError(t, a.SetA(legacy, 60, netip.MustParseAddr("192.0.2.11")))
	assert.Empty(t, ask(t, a, legacy, dns.TypeAAAA).Answer, "SetA replaces A and AAAA")
	assert.Len(t, ask(t, a, legacy, dns.TypeA).Answer, 1)

	a.Remove(dom, dns.TypeMX)
	m = ask(t, a, dom, dns.TypeMX)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)
	assert.Empty(t, m.Answer)
	a.Remove("example.ac.jp", dns.TypeSOA)
	assert.Len(t, ask(t, a, "example.ac.jp", dns.TypeSOA).Answer, 1, "a zone keeps its SOA")
	a.Remove("x.example.org", dns.TypeA) // outside: nothing happens

	// Generic records: Add, Delete, Replace, and any other type.
	caa, err := dns.NewRR(`example.ac.jp. 3600 IN CAA 0 issue "letsencrypt.org"`)
	require.NoError(t, err)
	require.NoError(t, a.Add(caa))
	require.NoError(t, a.Add(caa), "a duplicate is ignored")
	m = ask(t, a, "example.ac.jp", dns.TypeCAA)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "letsencrypt.org", m.Answer[0].(*dns.CAA).Value)
	require.NoError(t, a.Delete(caa))
	assert.Empty(t, ask(t, a, "example.ac.jp", dns.TypeCAA).Answer)

	x1, _ := dns.NewRR(dom + ". 60 IN MX 5 a.example.org.")
	x2, _ := dns.NewRR(dom + ". 60 IN MX 6 b.example.org.")
	require.NoError(t, a.Replace(dom, dns.TypeMX, x1, x2))
	assert.Len(t, ask(t, a, dom, dns.TypeMX).Answer, 2)
	assert.ErrorIs(t, a.Replace(dom, dns.TypeTXT, x1), mailops.ErrInvalid, "a record of another type")
	require.NoError(t, a.Replace(dom, dns.TypeMX))
	assert.Empty(t, ask(t, a, dom, dns.TypeMX).Answer)

	outside, err := dns.NewRR("x.example.org. 60 IN A 192.0.2.1")
	require.NoError(t, err)
	assert.ErrorIs(t, a.Add(outside), mailops.ErrInvalid, "outside every zone")
	assert.ErrorIs(t, a.Add(nil), mailops.ErrInvalid)
	assert.ErrorIs(t, a.Add(&dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}), mailops.ErrInvalid)

	// Zones come and go at run time.
	assert.False(t, a.InZone("partner.example"))
	require.NoError(t, a.AddZone("partner.example"))
	require.NoError(t, a.SetMX("partner.example", 60, dnsserver.MX{Host: "mx.partner.example", Pref: 1}))
	assert.Len(t, ask(t, a, "partner.example", dns.TypeMX).Answer, 1)
	require.NoError(t, a.RemoveZone("partner.example"))
	assert.Equal(t, dns.RcodeRefused, ask(t, a, "partner.example", dns.TypeMX).Rcode)
	assert.ErrorIs(t, a.RemoveZone("partner.example"), mailops.ErrNotFound)
	assert.NotContains(t, a.Names(), "partner.example.")

	// A nested zone answers for its names.
	require.NoError(t, a.AddZone("sub.example.ac.jp"))
	m = ask(t, a, "nope.sub.example.ac.jp", dns.TypeA)
	require.Len(t, m.Ns, 1)
	assert.Equal(t, "sub.example.ac.jp.", m.Ns[0].Header().Name)
}

func TestNamesAndValidation(t *testing.T) {
	a := dnsserver.NewAuthority("日本.example")
	assert.True(t, a.InZone("xn--wgv71a.example"), "IDN zones are kept as A-labels")
	require.NoError(t, a.SetMX("メール.日本.example", 60, dnsserver.MX{Host: "MX.日本.example", Pref: 1}))
	m := ask(t, a, "xn--4dkua4c.xn--wgv71a.example", dns.TypeMX)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "mx.xn--wgv71a.example.", m.Answer[0].(*dns.MX).Mx)
	assert.Equal(t, []string{"xn--4dkua4c.xn--wgv71a.example.", "xn--wgv71a.example."}, a.Names())

	for _, bad := range []string{"", "a..example", strings.Repeat("x", 64) + ".xn--wgv71a.example",
		strings.Repeat(strings.Repeat("y", 60)+".", 5) + "xn--wgv71a.example", "bad\xffutf8.xn--wgv71a.example"} {
		err := a.SetTXT(bad, 60, "v")
		var ve *mailops.ValidationError
		require.ErrorAs(t, err, &ve, "%q", bad)
		assert.Equal(t, "name", ve.Field)
	}
	assert.ErrorIs(t, a.SetTXT("x.xn--wgv71a.example", 1<<31, "v"), mailops.ErrInvalid, "TTL above 2^31-1")
	assert.ErrorIs(t, a.SetA("x.xn--wgv71a.example", 60, netip.Addr{}), mailops.ErrInvalid)
	assert.ErrorIs(t, a.SetMX("x.xn--wgv71a.example", 60, dnsserver.MX{Host: "bad host"}), mailops.ErrInvalid)
	assert.ErrorIs(t, a.AddZone("."), mailops.ErrInvalid)
	assert.ErrorIs(t, a.FailWith("x.xn--wgv71a.example", "flaky"), mailops.ErrInvalid)
	assert.Panics(t, func() { dnsserver.NewAuthority("a..b") })

	// The null MX (RFC 7505).
	require.NoError(t, a.SetMX("xn--wgv71a.example", 60, dnsserver.MX{Host: "."}))
	assert.Equal(t, ".", ask(t, a, "xn--wgv71a.example", dns.TypeMX).Answer[0].(*dns.MX).Mx)
}

func TestMalformedAndUnsupportedQueries(t *testing.T) {
	a := zone(t)
	q := query(dom, dns.TypeMX)
	q.Question = append(q.Question, q.Question[0])
	m, err := a.Exchange(bg, q)
	require.NoError(t, err)
	assert.Equal(t, dns.RcodeFormatError, m.Rcode, "two questions")

	q = query(dom, dns.TypeMX)
	q.Question = nil
	m, _ = a.Exchange(bg, q)
	assert.Equal(t, dns.RcodeFormatError, m.Rcode, "no question")

	q = query(dom, dns.TypeMX)
	q.Response = true
	m, _ = a.Exchange(bg, q)
	assert.Equal(t, dns.RcodeFormatError, m.Rcode, "a response is no query")

	for _, op := range []int{dns.OpcodeUpdate, dns.OpcodeNotify, dns.OpcodeStatus, dns.OpcodeIQuery} {
		q = query(dom, dns.TypeMX)
		q.Opcode = op
		m, _ = a.Exchange(bg, q)
		assert.Equal(t, dns.RcodeNotImplemented, m.Rcode, dns.OpcodeToString[op])
	}
	m = ask(t, a, "example.ac.jp", dns.TypeAXFR)
	assert.Equal(t, dns.RcodeNotImplemented, m.Rcode, "no zone transfers")
	m = ask(t, a, dom, dns.TypeOPT)
	assert.Equal(t, dns.RcodeFormatError, m.Rcode)

	q = query(dom, dns.TypeMX)
	q.Question[0].Qclass = dns.ClassCHAOS
	m, _ = a.Exchange(bg, q)
	assert.Equal(t, dns.RcodeRefused, m.Rcode, "only IN")

	q = query(strings.Repeat("a", 70)+".example.ac.jp", dns.TypeMX)
	m, _ = a.Exchange(bg, q)
	assert.Equal(t, dns.RcodeFormatError, m.Rcode, "an over-long label")

	// EDNS0: the answer carries an OPT; an unknown version is BADVERS.
	q = query(dom, dns.TypeMX)
	q.SetEdns0(4096, false)
	m, _ = a.Exchange(bg, q)
	require.NotNil(t, m.IsEdns0())
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)
	q.IsEdns0().SetVersion(1)
	m, _ = a.Exchange(bg, q)
	assert.Equal(t, dns.RcodeBadVers, m.Rcode)
	_, err = m.Pack()
	assert.NoError(t, err, "BADVERS goes on the wire through the OPT")

	_, err = a.Exchange(bg, nil)
	assert.Error(t, err)
}
