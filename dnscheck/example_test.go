package dnscheck_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

// serviceMX is the Exchange Online MX host of the examples' domain, as its Mx
// record in Graph serviceConfigurationRecords gives it (the only source:
// never build it from the domain name).
const serviceMX = "depta-example-ac-jp.e-v1.mx.microsoft"

func ExampleCheck() {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10}, dnsserver.MX{Host: serviceMX, Pref: 20})
	rep, err := dnscheck.Check(context.Background(), a, dnscheck.Spec{Domain: "depta.example.ac.jp", Stage: dnscheck.Before, Verified: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("safe:", rep.Safe())
	for _, f := range rep.Errors() {
		fmt.Println(f.ID)
	}
	// Output:
	// safe: false
	// mx.mixed
	// mx.no-address
}

func ExampleMXIs() {
	a := dnsserver.NewAuthority("example.ac.jp")
	exo := serviceMX
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: exo})
	resolvers := []dnscheck.Exchanger{a}
	fmt.Println(dnscheck.MXIs(context.Background(), resolvers, "depta.example.ac.jp", []string{exo}))
	fmt.Println(dnscheck.MXIs(context.Background(), resolvers, "depta.example.ac.jp", []string{"mx.depta.example.ac.jp"}) != nil)
	// Output:
	// <nil>
	// true
}

// WatchMX in virtual time: one resolver still holds the legacy MX for its
// remaining TTL; the watch says when every resolver agrees.
func ExampleWatchMX() {
	s := sim.New(1)
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	cached := dnsserver.NewResolver("partner", a, s)
	_, _ = cached.LookupMX(context.Background(), "depta.example.ac.jp") // cached for an hour
	_ = s.RunFor(15 * time.Minute)

	exo := serviceMX
	_ = a.SetMX("depta.example.ac.jp", 300, dnsserver.MX{Host: exo})
	s.Go(func() {
		res, err := dnscheck.WatchMX(context.Background(), s, []dnscheck.Exchanger{cached, a}, "depta.example.ac.jp", []string{exo}, 10*time.Minute)
		fmt.Println(err)
		fmt.Println("earliest safe:", res.EarliestSafe.Sub(sim.Epoch()))
		fmt.Println("agreed:", res.Agreed.Sub(sim.Epoch()))
	})
	_ = s.Run()
	// Output:
	// <nil>
	// earliest safe: 1h0m0s
	// agreed: 1h0m0s
}

// The report as a table for people (JSON() gives one JSON object). The MX
// is compared with the domain's service record and must resolve.
func ExampleReport_Table() {
	a := dnsserver.NewAuthority("example.ac.jp", "mx.microsoft")
	_ = a.SetA(serviceMX, 10, netip.MustParseAddr("198.51.100.10"))
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: serviceMX})
	_ = a.SetTXT("depta.example.ac.jp", 3600, "v=spf1 include:spf.protection.outlook.com ~all")
	_ = a.SetCNAME("autodiscover.depta.example.ac.jp", 3600, "autodiscover.outlook.com")
	rep, _ := dnscheck.Check(context.Background(), a, dnscheck.Spec{Domain: "depta.example.ac.jp", Stage: dnscheck.Switched, Verified: true, EXOMX: serviceMX})
	fmt.Print(rep.Table())
	// Output:
	// depta.example.ac.jp, stage switched: 4 findings, 0 errors
	// SEVERITY  ID                MESSAGE
	// info      mx.exo            exactly one MX, at Exchange Online: the host of the domain's service record
	//                               seen: MX 0 depta-example-ac-jp.e-v1.mx.microsoft (TTL 3600)
	// info      spf.lookups       SPF needs 2 of at most 10 DNS lookups
	//                               seen: v=spf1 include:spf.protection.outlook.com ~all
	// info      dkim.not-checked  DKIM selectors not checked: give the tenant's initial domain (contoso.onmicrosoft.com) or the selector CNAMEs it shows
	// info      dmarc.missing     no DMARC record
	//                               add:  _dmarc 3600 TXT "v=DMARC1; p=none; rua=mailto:dmarc@depta.example.ac.jp"
}

// NewClient asks a real DNS server; here the fake one on loopback.
func ExampleNewClient() {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10})
	srv, err := a.Serve("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println(dnscheck.LookupMX(ctx, dnscheck.NewClient(srv.Addr()), "depta.example.ac.jp"))
	// Output:
	// [mx.depta.example.ac.jp] <nil>
}
