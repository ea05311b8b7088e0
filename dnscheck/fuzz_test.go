package dnscheck_test

import (
	"context"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
)

// FuzzCheck: a whole Check against the fake DNS with fuzzed apex TXT, an
// included record (which may include itself) and DMARC: no panic, no
// error, bounded queries.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 include:a.fuzz.example ~all", "v=spf1 redirect=a.fuzz.example", "v=spf1 ip4:192.0.2.0/24 mx a:x.example ?all", "v=spf1 include:%{d}.x -all", "MS=ms1"} {
		f.Add(s, "v=spf1 include:a.fuzz.example -all", "v=DMARC1; p=reject; rua=mailto:a@b.example")
	}
	f.Fuzz(func(t *testing.T, rec, included, dmarc string) {
		a := dnsserver.NewAuthority("fuzz.example")
		_ = a.SetMX("fuzz.example", 60, dnsserver.MX{Host: "mx.fuzz.example", Pref: 1})
		_ = a.SetTXT("fuzz.example", 60, rec)
		_ = a.SetTXT("a.fuzz.example", 60, included) // may include itself: a loop
		_ = a.SetTXT("_dmarc.fuzz.example", 60, dmarc)
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		for _, st := range []dnscheck.Stage{dnscheck.Before, dnscheck.Final} {
			r, err := dnscheck.Check(ctx, a, dnscheck.Spec{Domain: "fuzz.example", Stage: st, InitialDomain: "fuzz.onmicrosoft.com", LegacyHosts: []string{"mx.fuzz.example"}, LegacySends: true})
			if err != nil {
				t.Fatal(err)
			}
			if r.Queries > 120 {
				t.Fatalf("unbounded work: %d queries", r.Queries)
			}
			if _, err := r.JSON(); err != nil {
				t.Fatal(err)
			}
			_ = r.Table()
		}
	})
}
