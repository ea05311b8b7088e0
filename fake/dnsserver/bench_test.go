package dnsserver_test

import (
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/fake/dnsserver"
)

func BenchmarkExchangeInProcess(b *testing.B) {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	q := new(dns.Msg)
	q.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Exchange(bg, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

func BenchmarkUDP(b *testing.B) {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	srv, err := a.Serve("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c := &dns.Client{Net: "udp", Timeout: time.Second}
	conn, err := c.Dial(srv.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	q := new(dns.Msg)
	q.SetQuestion("depta.example.ac.jp.", dns.TypeMX)
	for b.Loop() {
		if _, _, err := c.ExchangeWithConn(q, conn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
