package dnsserver_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

func BenchmarkExchangeInProcess(b *testing.B) {
	a := zone(b)
	q := query(dom, dns.TypeMX)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Exchange(bg, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkExchangeInProcessManyZones: a world with 10,000 zones (one per
// domain, as fake/mailflow builds it) answers as fast.
func BenchmarkExchangeInProcessManyZones(b *testing.B) {
	a := zone(b)
	for i := range 10000 {
		_ = a.AddZone("d" + itoa(i) + ".example")
	}
	q := query(dom, dns.TypeMX)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Exchange(bg, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

func BenchmarkResolverCached(b *testing.B) {
	r := dnsserver.NewResolver("r", zone(b), sim.New(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.LookupMX(bg, dom); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkResolverRenewed: the lookups a simulated world's sender makes
// again as their answers expire (every 5 minutes: an Exchange Online host's
// AAAA NODATA; every hour its A and a domain's MX), the in-process upstream
// answering each expired question.
func BenchmarkResolverRenewed(b *testing.B) {
	s := sim.New(1)
	a := zone(b) // MX TTL 3600
	const host = "host.example.ac.jp"
	if err := a.SetA(host, 3600, netip.MustParseAddr("192.0.2.20")); err != nil {
		b.Fatal(err)
	}
	r := dnsserver.NewResolver("r", a, s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.LookupHostShared(bg, host); err != nil {
			b.Fatal(err)
		}
		if _, err := r.LookupMXShared(bg, dom); err != nil {
			b.Fatal(err)
		}
		if err := s.RunFor(5 * time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "renewals/s")
}

func BenchmarkUDP(b *testing.B) {
	a := zone(b)
	srv, err := a.Serve("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c := &dns.Client{Net: "udp", Timeout: netTimeout}
	conn, err := c.Dial(srv.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	q := query(dom, dns.TypeMX)
	for b.Loop() {
		if _, _, err := c.ExchangeWithConn(q, conn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
