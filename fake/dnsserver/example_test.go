package dnsserver_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

// A zone, a caching resolver in virtual time, and an MX switch the
// resolver sees only when its cached answer expires.
func ExampleNewResolver() {
	s := sim.New(1)
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	r := dnsserver.NewResolver("internet-sender", a, s)

	mx, err := r.LookupMX(context.Background(), "depta.example.ac.jp")
	fmt.Println(mx, err)

	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "depta-example-ac-jp.mail.protection.outlook.com"})
	mx, _ = r.LookupMX(context.Background(), "depta.example.ac.jp")
	fmt.Println("cached:", mx)
	_ = s.RunFor(time.Hour)
	mx, _ = r.LookupMX(context.Background(), "depta.example.ac.jp")
	fmt.Println("an hour later:", mx)

	_, err = r.LookupMX(context.Background(), "nope.example.ac.jp")
	fmt.Println(errors.Is(err, dnsserver.ErrNXDomain), err)
	// Output:
	// [{mx.depta.example.ac.jp 10}] <nil>
	// cached: [{mx.depta.example.ac.jp 10}]
	// an hour later: [{depta-example-ac-jp.mail.protection.outlook.com 0}]
	// true lookup MX nope.example.ac.jp: dnsserver: no such domain (NXDOMAIN)
}

// The same authority answers in-process and on loopback.
func ExampleAuthority_Serve() {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetTXT("example.ac.jp", 300, "v=spf1 -all")
	srv, err := a.Serve("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	q := new(dns.Msg)
	q.SetQuestion("example.ac.jp.", dns.TypeTXT)
	m, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(q, srv.Addr())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Answer[0].(*dns.TXT).Txt)
	// Output: [v=spf1 -all]
}

// A name can be made to fail, for tests of what a failure does.
func ExampleAuthority_FailWith() {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	_ = a.FailWith("depta.example.ac.jp", dnsserver.FaultServFail)
	r := dnsserver.NewResolver("r", a, sim.New(1))
	_, err := r.LookupMX(context.Background(), "depta.example.ac.jp")
	var le *dnsserver.LookupError
	fmt.Println(errors.Is(err, dnsserver.ErrServFail), errors.As(err, &le) && le.Rcode == dns.RcodeServerFailure)
	// Output: true true
}
