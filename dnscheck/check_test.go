package dnscheck_test

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

var bg = context.Background()

const dom = "depta.example.ac.jp"

// legacyZone is a department before its switch: MX at the legacy server,
// SPF for it, the ownership proof published.
func legacyZone(t *testing.T) *dnsserver.Authority {
	t.Helper()
	a := dnsserver.NewAuthority("example.ac.jp")
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: "mx." + dom, Pref: 10}))
	require.NoError(t, a.SetA("mx."+dom, 3600, netip.MustParseAddr("192.0.2.10")))
	require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 a:mx."+dom+" include:spf.protection.outlook.com -all", "MS=ms12345678"))
	require.NoError(t, a.SetCNAME("autodiscover."+dom, 3600, "autodiscover.outlook.com"))
	require.NoError(t, a.SetTXT("_dmarc."+dom, 3600, "v=DMARC1; p=quarantine; rua=mailto:dmarc@"+dom))
	return a
}

// switchedZone is the same department after the MX switch.
func switchedZone(t *testing.T) *dnsserver.Authority {
	a := legacyZone(t)
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: dnscheck.EXOMXHost(dom)}))
	return a
}

func check(t *testing.T, x dnscheck.Exchanger, spec dnscheck.Spec) dnscheck.Report {
	t.Helper()
	if spec.Domain == "" {
		spec.Domain = dom
	}
	r, err := dnscheck.Check(bg, x, spec)
	require.NoError(t, err)
	return r
}

func ids(r dnscheck.Report) string {
	var s []string
	for _, f := range r.Findings {
		s = append(s, string(f.Severity)+":"+f.ID)
	}
	return strings.Join(s, " ")
}

func TestHealthyStages(t *testing.T) {
	r := check(t, legacyZone(t), dnscheck.Spec{Stage: dnscheck.Before, LegacyHosts: []string{"mx." + dom}, LegacySends: true, OwnershipToken: "MS=ms12345678"})
	assert.True(t, r.Safe(), r.Table())
	assert.True(t, r.Has("ownership.present"))

	a := switchedZone(t)
	r = check(t, a, dnscheck.Spec{Stage: dnscheck.Switched, Verified: true, LegacyHosts: []string{"mx." + dom}, LegacySends: true})
	assert.True(t, r.Safe(), r.Table())
	assert.True(t, r.Has("mx.exo"))

	require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com -all"))
	for _, sel := range []string{"selector1", "selector2"} {
		require.NoError(t, a.SetCNAME(sel+"._domainkey."+dom, 3600, sel+"-depta-example-ac-jp._domainkey.example.onmicrosoft.com"))
	}
	r = check(t, a, dnscheck.Spec{Stage: dnscheck.Final, Verified: true, InitialDomain: "example.onmicrosoft.com"})
	assert.True(t, r.Safe(), r.Table())
	assert.Empty(t, r.Errors())
}

// Each finding, triggered by one change to a healthy zone.
func TestFindings(t *testing.T) {
	cases := []struct {
		id    string
		sev   dnscheck.Severity
		stage dnscheck.Stage
		edit  func(*dnsserver.Authority)
		spec  dnscheck.Spec
	}{
		{"ownership.missing", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 a:mx."+dom+" -all")
		}, dnscheck.Spec{}},
		{"ownership.mismatch", dnscheck.Error, dnscheck.Before, nil, dnscheck.Spec{OwnershipToken: "MS=ms99999999"}},
		{"mx.mixed", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetMX(dom, 3600, dnsserver.MX{Host: "mx." + dom, Pref: 10}, dnsserver.MX{Host: dnscheck.EXOMXHost(dom), Pref: 20})
		}, dnscheck.Spec{}},
		{"mx.mixed", dnscheck.Error, dnscheck.Switched, func(a *dnsserver.Authority) {
			_ = a.SetMX(dom, 3600, dnsserver.MX{Host: dnscheck.EXOMXHost(dom)}, dnsserver.MX{Host: "mx." + dom, Pref: 10})
		}, dnscheck.Spec{}},
		{"mx.not-exo", dnscheck.Error, dnscheck.Switched, nil, dnscheck.Spec{}},
		{"mx.multiple-exo", dnscheck.Warning, dnscheck.Switched, func(a *dnsserver.Authority) {
			_ = a.SetMX(dom, 3600, dnsserver.MX{Host: dnscheck.EXOMXHost(dom)}, dnsserver.MX{Host: "depta-example-ac-jp.e-v1.mx.microsoft", Pref: 5})
		}, dnscheck.Spec{}},
		{"mx.exo-before-switch", dnscheck.Warning, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetMX(dom, 3600, dnsserver.MX{Host: "depta-example-ac-jp.e-v1.mx.microsoft"})
		}, dnscheck.Spec{}},
		{"mx.missing", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) { a.Remove(dom, dns.TypeMX) }, dnscheck.Spec{}},
		{"mx.ttl-high", dnscheck.Warning, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetMX(dom, 86400, dnsserver.MX{Host: "mx." + dom, Pref: 10})
		}, dnscheck.Spec{}},
		{"mx.no-address", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) { a.Remove("mx."+dom, dns.TypeA) }, dnscheck.Spec{}},
		{"mx.cname", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			a.Remove("mx."+dom, dns.TypeA)
			_ = a.SetCNAME("mx."+dom, 3600, "host.example.ac.jp")
		}, dnscheck.Spec{}},
		{"spf.missing", dnscheck.Error, dnscheck.Switched, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"spf.multiple", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 -all", "v=spf1 a -all", "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"spf.syntax", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include: ip4:999.1.1.1 -all", "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"spf.pass-all", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com +all", "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"spf.neutral-all", dnscheck.Warning, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com ?all", "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"spf.no-exo", dnscheck.Error, dnscheck.Switched, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 a:mx."+dom+" -all", "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"spf.legacy-missing", dnscheck.Error, dnscheck.Switched, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com -all", "MS=ms12345678")
		}, dnscheck.Spec{LegacyHosts: []string{"mx." + dom}, LegacySends: true}},
		{"spf.lookup-limit", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include:l1.example.ac.jp -all", "MS=ms12345678")
			for i := 1; i <= 12; i++ {
				_ = a.SetTXT("l"+itoa(i)+".example.ac.jp", 3600, "v=spf1 a mx include:l"+itoa(i+1)+".example.ac.jp -all")
			}
		}, dnscheck.Spec{}},
		{"spf.include-error", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include:loop1.example.ac.jp -all", "MS=ms12345678")
			_ = a.SetTXT("loop1.example.ac.jp", 3600, "v=spf1 include:loop2.example.ac.jp -all")
			_ = a.SetTXT("loop2.example.ac.jp", 3600, "v=spf1 include:loop1.example.ac.jp -all")
		}, dnscheck.Spec{}},
		{"spf.void-lookups", dnscheck.Warning, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT(dom, 3600, "v=spf1 include:v1.example.ac.jp include:v2.example.ac.jp include:v3.example.ac.jp include:spf.protection.outlook.com -all", "MS=ms12345678")
		}, dnscheck.Spec{}},
		{"dkim.missing", dnscheck.Error, dnscheck.Final, nil, dnscheck.Spec{InitialDomain: "example.onmicrosoft.com"}},
		{"dkim.wrong-target", dnscheck.Warning, dnscheck.Switched, func(a *dnsserver.Authority) {
			_ = a.SetCNAME("selector1._domainkey."+dom, 3600, "selector1-other._domainkey.other.onmicrosoft.com")
		}, dnscheck.Spec{InitialDomain: "example.onmicrosoft.com"}},
		{"dmarc.missing", dnscheck.Warning, dnscheck.Final, func(a *dnsserver.Authority) { a.Remove("_dmarc."+dom, dns.TypeTXT) }, dnscheck.Spec{}},
		{"dmarc.policy-none", dnscheck.Info, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT("_dmarc."+dom, 3600, "v=DMARC1; p=none")
		}, dnscheck.Spec{}},
		{"dmarc.policy-invalid", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT("_dmarc."+dom, 3600, "v=DMARC1; p=block")
		}, dnscheck.Spec{}},
		{"dmarc.report-uri", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT("_dmarc."+dom, 3600, "v=DMARC1; p=reject; rua=https://reports.example; ruf=mailto:not an address")
		}, dnscheck.Spec{}},
		{"dmarc.multiple", dnscheck.Error, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetTXT("_dmarc."+dom, 3600, "v=DMARC1; p=none", "v=DMARC1; p=reject")
		}, dnscheck.Spec{}},
		{"autodiscover.missing", dnscheck.Error, dnscheck.Final, func(a *dnsserver.Authority) { a.Remove("autodiscover."+dom, dns.TypeCNAME) }, dnscheck.Spec{}},
		{"autodiscover.wrong-target", dnscheck.Warning, dnscheck.Before, func(a *dnsserver.Authority) {
			_ = a.SetCNAME("autodiscover."+dom, 3600, "mail."+dom)
		}, dnscheck.Spec{}},
		{"domain.nxdomain", dnscheck.Error, dnscheck.Before, nil, dnscheck.Spec{Domain: "nope.example.ac.jp"}},
	}
	for _, c := range cases {
		t.Run(string(c.stage)+"/"+c.id, func(t *testing.T) {
			a := legacyZone(t)
			if c.edit != nil {
				c.edit(a)
			}
			spec := c.spec
			spec.Stage = c.stage
			r := check(t, a, spec)
			found := false
			for _, f := range r.Findings {
				if f.ID == c.id {
					found = true
					assert.Equal(t, c.sev, f.Severity, f.Message)
					assert.NotEmpty(t, f.Message)
				}
			}
			assert.True(t, found, "want %s, got %s", c.id, ids(r))
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestFailuresAreNotMissing(t *testing.T) {
	a := legacyZone(t)
	a.FailWith(dom, "servfail")
	r := check(t, a, dnscheck.Spec{Stage: dnscheck.Switched})
	assert.True(t, r.Has("lookup-failed"), ids(r))
	assert.False(t, r.Has("mx.not-exo"), "a SERVFAIL is not a missing MX")
	assert.False(t, r.Has("spf.missing"))
	assert.False(t, r.Has("ownership.missing"))

	a.FailWith(dom, "silent")
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	r, err := dnscheck.Check(ctx, a, dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched})
	require.NoError(t, err)
	assert.Contains(t, r.Table(), "no answer in time", "a server that never answers gives a timeout finding, never a hang")

	refused := dnsserver.NewAuthority("other.example")
	r = check(t, refused, dnscheck.Spec{Stage: dnscheck.Before})
	assert.True(t, r.Has("lookup-failed"))
	assert.Contains(t, r.Table(), "REFUSED")
}

func TestBadInput(t *testing.T) {
	a := legacyZone(t)
	for _, d := range []string{"", "no_underscores.example", strings.Repeat("a", 64) + ".example", "a..b"} {
		_, err := dnscheck.Check(bg, a, dnscheck.Spec{Domain: d, Stage: dnscheck.Before})
		assert.ErrorIs(t, err, dnscheck.ErrBadSpec, d)
	}
	_, err := dnscheck.Check(bg, a, dnscheck.Spec{Domain: dom, Stage: "later"})
	assert.ErrorIs(t, err, dnscheck.ErrBadSpec)
	// An IDN given as U-labels is checked as A-labels.
	r, err := dnscheck.Check(bg, dnsserver.NewAuthority("xn--bcher-kva.example"), dnscheck.Spec{Domain: "bücher.example", Stage: dnscheck.Before})
	require.NoError(t, err)
	assert.Equal(t, "xn--bcher-kva.example", r.Domain)
	// Non-ASCII TXT does not break the SPF parser.
	require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:日本.example -all", "MS=ms12345678"))
	r = check(t, a, dnscheck.Spec{Stage: dnscheck.Before})
	assert.NotEmpty(t, r.Findings)
}

func TestOverLoopbackUDPAndTCP(t *testing.T) {
	a := switchedZone(t)
	var long []string
	for i := 0; i < 30; i++ {
		long = append(long, "filler-"+strings.Repeat("x", 60)+itoa(i))
	}
	require.NoError(t, a.SetTXT(dom, 3600, append(long, "v=spf1 include:spf.protection.outlook.com a:mx."+dom+" -all", "MS=ms12345678")...))
	srv, err := a.Serve("")
	require.NoError(t, err)
	defer srv.Close()
	r := check(t, dnscheck.NewClient(srv.Addr()), dnscheck.Spec{Stage: dnscheck.Switched, LegacyHosts: []string{"mx." + dom}, LegacySends: true})
	assert.True(t, r.Safe(), "the TXT answer is truncated over UDP and read over TCP: %s", r.Table())
	assert.True(t, r.Has("mx.exo"))
	j, err := r.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(j), `"findings":[`)
}

func TestWatchMXInVirtualTime(t *testing.T) {
	s := sim.New(1)
	a := legacyZone(t)
	r1 := dnsserver.NewResolver("one", a, s)
	r2 := dnsserver.NewResolver("two", a, s)
	_, _ = r1.LookupMX(bg, dom) // r1 caches the legacy MX for an hour
	require.NoError(t, s.RunFor(20*time.Minute))
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: dnscheck.EXOMXHost(dom)}))
	var res dnscheck.WatchResult
	var err error
	s.Go(func() {
		res, err = dnscheck.WatchMX(bg, s, []dnscheck.Exchanger{r1, r2}, dom, []string{dnscheck.EXOMXHost(dom)}, 10*time.Minute)
	})
	require.NoError(t, s.Run())
	require.NoError(t, err)
	assert.Equal(t, sim.Epoch().Add(time.Hour), res.Agreed, "resolver one agrees when its cached MX expires")
	assert.Equal(t, sim.Epoch().Add(time.Hour), res.EarliestSafe, "the TTL bound computed at the first look (remaining TTL of the cached answer)")
	assert.Greater(t, res.Rounds, 1)
}

func FuzzSPF(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 include:a.fuzz.example ~all", "v=spf1 redirect=a.fuzz.example", "v=spf1 ip4:192.0.2.0/24 mx a:x.example ?all", "v=spf1 include:%{d}.x -all"} {
		f.Add(s, "v=spf1 include:a.fuzz.example -all")
	}
	f.Fuzz(func(t *testing.T, rec, included string) {
		a := dnsserver.NewAuthority("fuzz.example")
		_ = a.SetMX("fuzz.example", 60, dnsserver.MX{Host: "mx.fuzz.example", Pref: 1})
		_ = a.SetTXT("fuzz.example", 60, rec)
		_ = a.SetTXT("a.fuzz.example", 60, included) // may include itself: a loop
		ctx, cancel := context.WithTimeout(bg, 2*time.Second)
		defer cancel()
		r, err := dnscheck.Check(ctx, a, dnscheck.Spec{Domain: "fuzz.example", Stage: dnscheck.Switched, Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Queries > 200 {
			t.Fatalf("unbounded work: %d queries", r.Queries)
		}
	})
}

func BenchmarkCheckInProcess(b *testing.B) {
	a := dnsserver.NewAuthority("example.ac.jp")
	_ = a.SetMX(dom, 3600, dnsserver.MX{Host: dnscheck.EXOMXHost(dom)})
	_ = a.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com -all")
	_ = a.SetCNAME("autodiscover."+dom, 3600, "autodiscover.outlook.com")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dnscheck.Check(bg, a, dnscheck.Spec{Domain: dom, Stage: dnscheck.Final, Verified: true, InitialDomain: "example.onmicrosoft.com"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
