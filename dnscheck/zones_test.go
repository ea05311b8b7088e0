package dnscheck_test

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
)

var bg = context.Background()

const (
	dom     = "depta.example.ac.jp"
	legacy  = "mx." + dom
	initial = "example.onmicrosoft.com"
	token   = "MS=ms12345678"
	spfBoth = "v=spf1 a:" + legacy + " include:spf.protection.outlook.com -all"
)

// Exchange Online MX hosts the test authority resolves, as the internet
// does: the domain's legacy-form host, its mx.microsoft host, and the host a
// tenant's service record may give with a suffix on the token.
var (
	exo      = dnscheck.EXOMXHost(dom)
	exoNew   = "depta-example-ac-jp.e-v1.mx.microsoft"
	exo01b   = "depta-example-ac-jp01b.mail.protection.outlook.com"
	exoHosts = []string{exo, exoNew, exo01b}
)

// serveEXO makes the authority answer for Exchange Online's MX zones, with
// addresses for hosts.
func serveEXO(t testing.TB, a *dnsserver.Authority, hosts ...string) {
	t.Helper()
	require.NoError(t, a.AddZone("mail.protection.outlook.com"))
	require.NoError(t, a.AddZone("mx.microsoft"))
	for i, h := range hosts {
		require.NoError(t, a.SetA(h, 10, netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + i)})))
	}
}

// legacyZone is a department before its switch: MX at the legacy server,
// SPF for it and Exchange Online, the ownership proof, autodiscover and
// DMARC published. The authority also serves Exchange Online's MX zones.
func legacyZone(t testing.TB) *dnsserver.Authority {
	t.Helper()
	a := dnsserver.NewAuthority("example.ac.jp")
	serveEXO(t, a, exoHosts...)
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: legacy, Pref: 10}))
	require.NoError(t, a.SetA(legacy, 3600, netip.MustParseAddr("192.0.2.10")))
	require.NoError(t, a.SetTXT(dom, 3600, spfBoth, token))
	require.NoError(t, a.SetCNAME("autodiscover."+dom, 3600, "autodiscover.outlook.com"))
	require.NoError(t, a.SetTXT("_dmarc."+dom, 3600, "v=DMARC1; p=quarantine; rua=mailto:dmarc@"+dom))
	return a
}

// switchedZone is the same department after the MX switch, DKIM published.
func switchedZone(t testing.TB) *dnsserver.Authority {
	t.Helper()
	a := legacyZone(t)
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	for _, sel := range []string{"selector1", "selector2"} {
		require.NoError(t, a.SetCNAME(sel+"._domainkey."+dom, 3600, dnscheck.DKIMTarget(sel, dom, initial)))
	}
	return a
}

// finalZone is the department on Exchange Online only.
func finalZone(t testing.TB) *dnsserver.Authority {
	t.Helper()
	a := switchedZone(t)
	require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com -all"))
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

func find(r dnscheck.Report, id string) (dnscheck.Finding, bool) {
	for _, f := range r.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return dnscheck.Finding{}, false
}

func itoa(i int) string { return strconv.Itoa(i) }
