package dnscheck_test

import (
	"context"
	"fmt"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
)

func ExampleCheck() {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: "mx.depta.example.ac.jp", Pref: 10}, dnsserver.MX{Host: dnscheck.EXOMXHost("depta.example.ac.jp"), Pref: 20})
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
	exo := dnscheck.EXOMXHost("depta.example.ac.jp")
	_ = a.SetMX("depta.example.ac.jp", 3600, dnsserver.MX{Host: exo})
	resolvers := []dnscheck.Exchanger{a}
	fmt.Println(dnscheck.MXIs(context.Background(), resolvers, "depta.example.ac.jp", []string{exo}))
	fmt.Println(dnscheck.MXIs(context.Background(), resolvers, "depta.example.ac.jp", []string{"mx.depta.example.ac.jp"}) != nil)
	// Output:
	// <nil>
	// true
}
