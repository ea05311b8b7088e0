package dnsserver_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

var bg = context.Background()

func zone(t *testing.T) *dnsserver.Authority {
	t.Helper()
	a := dnsserver.NewAuthority("example.ac.jp")
	require.NoError(t, a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10}))
	require.NoError(t, a.SetA("mx.depta.example.ac.jp", 300, netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")))
	require.NoError(t, a.SetTXT("depta.example.ac.jp", 3600, "v=spf1 a:mx.depta.example.ac.jp -all", "MS=ms12345678"))
	require.NoError(t, a.SetCNAME("autodiscover.depta.example.ac.jp", 3600, "autodiscover.outlook.com"))
	require.NoError(t, a.SetCNAME("mail.depta.example.ac.jp", 60, "mx.depta.example.ac.jp"))
	return a
}

func ask(t *testing.T, x dnsserver.Exchanger, name string, qt uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qt)
	m, err := x.Exchange(bg, q)
	require.NoError(t, err)
	return m
}

func TestAnswersInProcess(t *testing.T) {
	a := zone(t)
	m := ask(t, a, "DeptA.Example.ac.jp", dns.TypeMX)
	require.Equal(t, dns.RcodeSuccess, m.Rcode)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "mx.depta.example.ac.jp.", m.Answer[0].(*dns.MX).Mx, "names are case-insensitive")
	assert.True(t, m.Authoritative)

	m = ask(t, a, "nope.example.ac.jp", dns.TypeMX)
	assert.Equal(t, dns.RcodeNameError, m.Rcode, "NXDOMAIN")
	require.Len(t, m.Ns, 1, "SOA in authority for negative caching")
	m = ask(t, a, "depta.example.ac.jp", dns.TypeAAAA)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode, "NODATA is not NXDOMAIN")
	assert.Empty(t, m.Answer)
	m = ask(t, a, "example.ac.jp", dns.TypeA)
	assert.Equal(t, dns.RcodeSuccess, m.Rcode)

	m = ask(t, a, "mail.depta.example.ac.jp", dns.TypeA)
	require.Len(t, m.Answer, 2, "CNAME chased inside the authority")
	assert.IsType(t, &dns.CNAME{}, m.Answer[0])
	m = ask(t, a, "other.example.org", dns.TypeA)
	assert.Equal(t, dns.RcodeRefused, m.Rcode, "outside every zone")
}

func TestRunTimeChangesAndPublish(t *testing.T) {
	a := zone(t)
	err := a.Publish(bg, mailops.DNSChange{Domain: "depta.example.ac.jp",
		Remove: []mailops.DNSRecord{{Type: "MX", Label: "@", Value: "mx.depta.example.ac.jp", Preference: 10, TTL: 3600}},
		Add:    []mailops.DNSRecord{{Type: "MX", Label: "@", Value: "depta-example-ac-jp.mail.protection.outlook.com", Preference: 0, TTL: 3600}, {Type: "CNAME", Label: "selector1._domainkey", Value: "selector1-depta-example-ac-jp._domainkey.example.onmicrosoft.com", TTL: 3600}}})
	require.NoError(t, err)
	m := ask(t, a, "depta.example.ac.jp", dns.TypeMX)
	require.Len(t, m.Answer, 1)
	assert.Equal(t, "depta-example-ac-jp.mail.protection.outlook.com.", m.Answer[0].(*dns.MX).Mx)
	assert.Len(t, ask(t, a, "selector1._domainkey.depta.example.ac.jp", dns.TypeCNAME).Answer, 1)
	assert.Error(t, a.Publish(bg, mailops.DNSChange{Domain: "other.example.org", Add: []mailops.DNSRecord{{Type: "TXT", Value: "x"}}}), "outside the zones")
	assert.Error(t, a.Publish(bg, mailops.DNSChange{Domain: "depta.example.ac.jp", Add: []mailops.DNSRecord{{Type: "HINFO", Value: "x"}}}))
	assert.Len(t, ask(t, a, "depta.example.ac.jp", dns.TypeMX).Answer, 1, "a refused change changed nothing")
	a.Remove("depta.example.ac.jp", dns.TypeMX)
	assert.Empty(t, ask(t, a, "depta.example.ac.jp", dns.TypeMX).Answer)
}

func TestResolversCacheByTTLInVirtualTime(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	r1 := dnsserver.NewResolver("sender-1", a, s)
	r2 := dnsserver.NewResolver("sender-2", a, s)
	mx, err := r1.LookupMX(bg, "depta.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, "mx.depta.example.ac.jp", mx[0].Host)
	require.NoError(t, s.RunFor(30*time.Minute))
	// The MX switches; resolver 2 asks only now.
	require.NoError(t, a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "depta-example-ac-jp.mail.protection.outlook.com"}))
	mx2, err := r2.LookupMX(bg, "depta.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, "depta-example-ac-jp.mail.protection.outlook.com", mx2[0].Host)
	mx, _ = r1.LookupMX(bg, "depta.example.ac.jp")
	assert.Equal(t, "mx.depta.example.ac.jp", mx[0].Host, "resolver 1 still has the old MX cached")
	require.NoError(t, s.RunFor(31*time.Minute))
	mx, _ = r1.LookupMX(bg, "depta.example.ac.jp")
	assert.Equal(t, "depta-example-ac-jp.mail.protection.outlook.com", mx[0].Host, "after its TTL it sees the new one")

	_, err = r1.LookupMX(bg, "nope.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, a.SetMX("nope.example.ac.jp", 60, dnsserver.MX{Host: "x.example.ac.jp"}))
	_, err = r1.LookupMX(bg, "nope.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain, "negative answers are cached for the SOA minimum")
	require.NoError(t, s.RunFor(301*time.Second))
	_, err = r1.LookupMX(bg, "nope.example.ac.jp")
	assert.NoError(t, err)

	txt, err := r1.LookupTXT(bg, "depta.example.ac.jp")
	require.NoError(t, err)
	assert.Contains(t, txt, "MS=ms12345678")
	hosts, err := r1.LookupHost(bg, "mail.depta.example.ac.jp")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"192.0.2.10", "2001:db8::10"}, hosts)
	_, err = r1.LookupMX(bg, "autodiscover.depta.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrRefused, "the CNAME leaves the authority; upstream refuses outlook.com")
}

func TestFailuresAreToldApart(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	r := dnsserver.NewResolver("r", a, s)
	a.FailWith("depta.example.ac.jp", "servfail")
	_, err := r.LookupMX(bg, "depta.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrServFail)
	assert.NotErrorIs(t, err, dnsserver.ErrNoRecords)
	a.FailWith("depta.example.ac.jp", "silent")
	ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
	defer cancel()
	_, err = r.LookupMX(ctx, "depta.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrTimeout)
	a.FailWith("depta.example.ac.jp", "")
	_, err = r.LookupMX(bg, "depta.example.ac.jp")
	assert.NoError(t, err, "SERVFAIL is not cached")
	_, err = r.LookupMX(bg, strings.Repeat("a", 64)+".example.ac.jp")
	assert.Error(t, err, "an over-long label is refused before any query")
	require.NoError(t, a.SetCNAME("loop1.example.ac.jp", 60, "loop2.example.ac.jp"))
	require.NoError(t, a.SetCNAME("loop2.example.ac.jp", 60, "loop1.example.ac.jp"))
	_, err = r.LookupMX(bg, "loop1.example.ac.jp")
	assert.ErrorContains(t, err, "CNAME chain")
}

func TestLoopbackUDPAndTCP(t *testing.T) {
	a := zone(t)
	var vals []string
	for i := 0; i < 40; i++ {
		vals = append(vals, fmt.Sprintf("v=verification-%02d-%s", i, strings.Repeat("x", 40)))
	}
	require.NoError(t, a.SetTXT("big.example.ac.jp", 60, vals...))
	srv, err := a.Serve("")
	require.NoError(t, err)
	defer srv.Close()
	assert.True(t, strings.HasPrefix(srv.Addr(), "127.0.0.1:"))

	for _, netw := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: netw, Timeout: 2 * time.Second}
		q := new(dns.Msg)
		q.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
		m, _, err := c.Exchange(q, srv.Addr())
		require.NoError(t, err, netw)
		require.Len(t, m.Answer, 1, netw)
	}
	// A big answer over UDP is truncated; TCP gets it whole.
	q := new(dns.Msg)
	q.SetQuestion("big.example.ac.jp.", dns.TypeTXT)
	m, _, err := (&dns.Client{Net: "udp", Timeout: 2 * time.Second}).Exchange(q, srv.Addr())
	require.NoError(t, err)
	assert.True(t, m.Truncated, "TC set over UDP")
	m, _, err = (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(q, srv.Addr())
	require.NoError(t, err)
	assert.Len(t, m.Answer, 40)

	// Garbage does not stop the server.
	conn, err := net.Dial("udp", srv.Addr())
	require.NoError(t, err)
	for _, junk := range [][]byte{{0x01}, []byte("hello, this is not DNS"), make([]byte, 600)} {
		_, _ = conn.Write(junk)
	}
	conn.Close()
	qq := new(dns.Msg)
	qq.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
	m, _, err = (&dns.Client{Net: "udp", Timeout: 2 * time.Second}).Exchange(qq, srv.Addr())
	require.NoError(t, err, "still serving after garbage")
	assert.Len(t, m.Answer, 1)

	_, err = a.Serve("0.0.0.0:0")
	assert.Error(t, err, "only loopback")
}

func TestMalformedQueries(t *testing.T) {
	a := zone(t)
	q := new(dns.Msg)
	q.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
	q.Question = append(q.Question, q.Question[0])
	m, err := a.Exchange(bg, q)
	require.NoError(t, err)
	assert.Equal(t, dns.RcodeFormatError, m.Rcode, "two questions")
	q = new(dns.Msg)
	q.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
	q.Opcode = dns.OpcodeUpdate
	m, _ = a.Exchange(bg, q)
	assert.Equal(t, dns.RcodeNotImplemented, m.Rcode)
	_, err = a.Exchange(bg, nil)
	assert.Error(t, err)
}

func FuzzHandler(f *testing.F) {
	q := new(dns.Msg)
	q.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
	b, _ := q.Pack()
	f.Add(b)
	f.Add([]byte{0, 1, 2, 3})
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 60, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		m := new(dns.Msg)
		if err := m.Unpack(data); err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(bg, time.Millisecond)
		defer cancel()
		_, _ = a.Exchange(ctx, m) // must not panic
	})
}

func ExampleNewResolver() {
	s := sim.New(1)
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	r := dnsserver.NewResolver("internet-sender", a, s)
	mx, err := r.LookupMX(context.Background(), "depta.example.ac.jp")
	fmt.Println(mx, err)
	// Output: [{mx.depta.example.ac.jp 10}] <nil>
}
