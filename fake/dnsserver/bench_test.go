package dnsserver_test

import (
	"testing"

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
