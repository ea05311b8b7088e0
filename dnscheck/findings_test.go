package dnscheck_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
)

// baseSpec is the healthy spec of each stage.
func baseSpec(st dnscheck.Stage) dnscheck.Spec {
	switch st {
	case dnscheck.Before:
		return dnscheck.Spec{Stage: st, LegacyHosts: []string{legacy}, LegacySends: true, OwnershipToken: token}
	case dnscheck.Switched:
		return dnscheck.Spec{Stage: st, Verified: true, InitialDomain: initial, LegacyHosts: []string{legacy}, LegacySends: true}
	}
	return dnscheck.Spec{Stage: st, Verified: true, InitialDomain: initial, LegacyHosts: []string{legacy}}
}

func zoneFor(t *testing.T, st dnscheck.Stage) *dnsserver.Authority {
	switch st {
	case dnscheck.Before:
		return legacyZone(t)
	case dnscheck.Switched:
		return switchedZone(t)
	}
	return finalZone(t)
}

func TestHealthyStages(t *testing.T) {
	for _, st := range []dnscheck.Stage{dnscheck.Before, dnscheck.Switched, dnscheck.Final} {
		t.Run(string(st), func(t *testing.T) {
			r := check(t, zoneFor(t, st), baseSpec(st))
			assert.True(t, r.Safe(), r.Table())
			for _, f := range r.Findings {
				assert.Equal(t, dnscheck.Info, f.Severity, "a healthy zone has only info findings: %s", r.Table())
			}
		})
	}
	// Each stage's zone is not safe for the next stage.
	r := check(t, legacyZone(t), baseSpec(dnscheck.Switched))
	assert.True(t, r.Has("mx.not-exo"), ids(r))
	r = check(t, switchedZone(t), dnscheck.Spec{Stage: dnscheck.Final, Verified: true, InitialDomain: initial, LegacyHosts: []string{legacy}})
	assert.True(t, r.Has("spf.legacy-stale"), ids(r))
}

type findingCase struct {
	id    string
	sev   dnscheck.Severity
	stage dnscheck.Stage
	edit  func(*testing.T, *dnsserver.Authority, *dnscheck.Spec)
	// msg, when set, must appear in the finding's message.
	msg string
}

func setTXT(name string, values ...string) func(*testing.T, *dnsserver.Authority, *dnscheck.Spec) {
	return func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(name, 3600, values...))
	}
}

func setMX(mxs ...dnsserver.MX) func(*testing.T, *dnsserver.Authority, *dnscheck.Spec) {
	return func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetMX(dom, 3600, mxs...))
	}
}

func setSPF(rec string) func(*testing.T, *dnsserver.Authority, *dnscheck.Spec) {
	return setTXT(dom, rec, token)
}

func spec(f func(*dnscheck.Spec)) func(*testing.T, *dnsserver.Authority, *dnscheck.Spec) {
	return func(_ *testing.T, _ *dnsserver.Authority, s *dnscheck.Spec) { f(s) }
}

var verMX = dnsserver.MX{Host: "ms12345678.msv1.invalid", Pref: 32767}

const (
	B = dnscheck.Before
	S = dnscheck.Switched
	F = dnscheck.Final
	E = dnscheck.Error
	W = dnscheck.Warning
	I = dnscheck.Info
)

var findingCases = []findingCase{
	{"ownership.present", I, B, nil, "TXT"},
	{"ownership.present", I, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(dom, 3600, spfBoth))
		require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: legacy, Pref: 10}, verMX))
	}, "ownership MX"},
	{"ownership.missing", E, B, setTXT(dom, spfBoth), ""},
	{"ownership.mismatch", E, B, spec(func(s *dnscheck.Spec) { s.OwnershipToken = "MS=ms99999999" }), "MS=ms99999999"},
	{"domain.nxdomain", E, B, spec(func(s *dnscheck.Spec) { s.Domain = "nope.example.ac.jp" }), ""},
	{"lookup-failed", E, S, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) { a.FailWith(dom, "servfail") }, "SERVFAIL"},

	{"mx.missing", E, B, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) { a.Remove(dom, dns.TypeMX) }, ""},
	{"mx.null", E, B, setMX(dnsserver.MX{Host: "."}), "RFC 7505"},
	{"mx.verification-record", I, B, setMX(dnsserver.MX{Host: legacy, Pref: 10}, verMX), "ownership"},
	{"mx.verification-record", W, S, setMX(dnsserver.MX{Host: exo}, verMX), "remove it"},
	{"mx.exo", I, S, nil, ""},
	{"mx.exo", I, S, setMX(dnsserver.MX{Host: exoNew}), "Spec.EXOMX"},
	{"mx.exo", I, F, setMX(dnsserver.MX{Host: exoNew}), ""},
	{"mx.exo", I, S, func(t *testing.T, a *dnsserver.Authority, s *dnscheck.Spec) {
		require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exoNew}))
		s.EXOMX = exoNew
	}, "service record"},
	{"mx.exo", I, F, spec(func(s *dnscheck.Spec) { s.EXOMX = exo }), "service record"},
	{"mx.not-exo", E, S, setMX(dnsserver.MX{Host: legacy, Pref: 10}), ""},
	{"mx.mixed", E, B, setMX(dnsserver.MX{Host: legacy, Pref: 10}, dnsserver.MX{Host: exo, Pref: 20}), "whatever the preference"},
	{"mx.mixed", E, S, setMX(dnsserver.MX{Host: exo}, dnsserver.MX{Host: legacy, Pref: 10}), ""},
	{"mx.multiple-exo", W, S, setMX(dnsserver.MX{Host: exo}, dnsserver.MX{Host: exoNew, Pref: 5}), ""},
	{"mx.exo-before-switch", W, B, setMX(dnsserver.MX{Host: exoNew}), ""},
	{"mx.exo-target", E, S, setMX(dnsserver.MX{Host: "mail.eo.outlook.com"}), "no longer supports"},
	{"mx.exo-target", E, S, setMX(dnsserver.MX{Host: "a.b.mail.protection.outlook.com"}), "not a known"},
	{"mx.exo-target", W, S, setMX(dnsserver.MX{Host: "other-example.mail.protection.outlook.com"}), "token"},
	{"mx.exo-target", E, S, spec(func(s *dnscheck.Spec) { s.EXOMX = exo01b }), "another domain"},
	// The tenant's service record says mx.microsoft; the domain publishes
	// the legacy pattern (or the reverse).
	{"mx.exo-target", E, S, spec(func(s *dnscheck.Spec) { s.EXOMX = exoNew }), "MC1048624"},
	{"mx.exo-target", E, F, spec(func(s *dnscheck.Spec) { s.EXOMX = exoNew }), "legacy mail.protection.outlook.com form"},
	{"mx.exo-target", E, S, func(t *testing.T, a *dnsserver.Authority, s *dnscheck.Spec) {
		require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exoNew}))
		s.EXOMX = exo
	}, "mx.microsoft form"},
	{"mx.exo-target", E, B, func(t *testing.T, a *dnsserver.Authority, s *dnscheck.Spec) {
		require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
		s.EXOMX = exoNew
	}, "MC1048624"},
	{"mx.ttl-high", W, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetMX(dom, 86400, dnsserver.MX{Host: legacy, Pref: 10}))
	}, "24h0m0s"},
	{"mx.no-address", E, B, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) { a.Remove(legacy, dns.TypeA) }, ""},
	// After the switch the Exchange Online host must resolve: a legacy-form
	// host Microsoft never provisioned (NXDOMAIN), or one without addresses.
	{"mx.no-address", E, S, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) { a.Remove(exo, dns.TypeA) }, "NXDOMAIN"},
	{"mx.no-address", E, F, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		a.Remove(exoNew, dns.TypeA)
		require.NoError(t, a.SetTXT(exoNew, 60, "not an address"))
		require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exoNew}))
	}, "no A or AAAA"},
	{"mx.no-address", E, S, func(_ *testing.T, a *dnsserver.Authority, s *dnscheck.Spec) {
		a.Remove(exo, dns.TypeA)
		s.EXOMX = exo
	}, "does not exist"},
	// An authoritative-only server refuses names outside its zones: the
	// Exchange Online host (or a legacy host elsewhere) is not checked,
	// which is neither an absence nor a failure of the domain's DNS.
	{"mx.target-not-checked", I, S, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.RemoveZone("mail.protection.outlook.com"))
	}, "recursive resolver"},
	{"mx.target-not-checked", I, B, setMX(dnsserver.MX{Host: "mx.legacy.example.org", Pref: 10}), "refused"},
	{"mx.cname", E, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		a.Remove(legacy, dns.TypeA)
		require.NoError(t, a.SetCNAME(legacy, 3600, "host.example.ac.jp"))
	}, "CNAME"},

	{"spf.missing", W, B, setTXT(dom, token), ""},
	{"spf.missing", E, S, setTXT(dom, token), ""},
	{"spf.multiple", E, B, setTXT(dom, "v=spf1 -all", "v=spf1 a -all", token), ""},
	{"spf.syntax", E, B, setSPF("v=spf1 include: ip4:999.1.1.1 -all"), ""},
	{"spf.syntax", E, B, setSPF("v=spf1 include:日本.example -all"), "printable ASCII"},
	{"spf.syntax", E, B, setSPF("v=spf1 ip4:2001:db8::/32 -all"), "ip4"},
	{"spf.syntax", E, B, setSPF("v=spf1 redirect=a.example.ac.jp redirect=b.example.ac.jp"), "twice"},
	{"spf.lookups", I, B, nil, "3 of at most 10"},
	{"spf.lookup-limit", E, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:l1.example.ac.jp -all", token))
		for i := 1; i <= 12; i++ {
			require.NoError(t, a.SetTXT("l"+strconv.Itoa(i)+".example.ac.jp", 3600, "v=spf1 a mx include:l"+strconv.Itoa(i+1)+".example.ac.jp -all"))
		}
	}, ""},
	{"spf.lookup-limit", E, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 redirect=r1.example.ac.jp", token))
		for i := 1; i <= 12; i++ {
			require.NoError(t, a.SetTXT("r"+strconv.Itoa(i)+".example.ac.jp", 3600, "v=spf1 redirect=r"+strconv.Itoa(i+1)+".example.ac.jp"))
		}
	}, ""},
	{"spf.include-error", E, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:loop1.example.ac.jp -all", token))
		require.NoError(t, a.SetTXT("loop1.example.ac.jp", 3600, "v=spf1 include:loop2.example.ac.jp -all"))
		require.NoError(t, a.SetTXT("loop2.example.ac.jp", 3600, "v=spf1 include:loop1.example.ac.jp -all"))
	}, "loop"},
	{"spf.include-error", E, B, setSPF("v=spf1 include:gone.example.ac.jp -all"), "no SPF record"},
	{"spf.include-error", E, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:two.example.ac.jp -all", token))
		require.NoError(t, a.SetTXT("two.example.ac.jp", 3600, "v=spf1 -all", "v=spf1 ~all"))
	}, "2 SPF records"},
	{"spf.void-lookups", E, B, setSPF("v=spf1 a:v1.example.ac.jp a:v2.example.ac.jp mx:v3.example.ac.jp include:spf.protection.outlook.com -all"), "3 void"},
	{"spf.pass-all", E, B, setSPF("v=spf1 include:spf.protection.outlook.com +all"), "+all"},
	{"spf.pass-all", E, B, setSPF("v=spf1 ip4:0.0.0.0/0 -all"), "any address"},
	{"spf.pass-all", E, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:open.example.ac.jp -all", token))
		require.NoError(t, a.SetTXT("open.example.ac.jp", 3600, "v=spf1 +all"))
	}, "through an include"},
	{"spf.neutral-all", W, B, setSPF("v=spf1 include:spf.protection.outlook.com a:" + legacy + " ?all"), ""},
	{"spf.ptr", W, B, setSPF("v=spf1 ptr include:spf.protection.outlook.com a:" + legacy + " -all"), ""},
	{"spf.no-exo", W, B, setSPF("v=spf1 a:" + legacy + " -all"), ""},
	{"spf.no-exo", E, S, setSPF("v=spf1 a:" + legacy + " -all"), ""},
	{"spf.legacy-missing", E, S, setSPF("v=spf1 include:spf.protection.outlook.com -all"), legacy},
	{"spf.legacy-missing", E, S, func(t *testing.T, a *dnsserver.Authority, s *dnscheck.Spec) {
		s.LegacyHosts = []string{"192.0.2.99"}
	}, "192.0.2.99"},
	{"spf.legacy-stale", I, F, setSPF(spfBoth), legacy},

	{"dkim.not-checked", I, S, spec(func(s *dnscheck.Spec) { s.InitialDomain = "" }), ""},
	{"dkim.missing", W, S, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		a.Remove("selector2._domainkey."+dom, dns.TypeCNAME)
	}, "selector2"},
	{"dkim.missing", E, F, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		a.Remove("selector1._domainkey."+dom, dns.TypeCNAME)
	}, "selector1"},
	{"dkim.wrong-target", W, S, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetCNAME("selector1._domainkey."+dom, 3600, "selector1-depta-example-ac-jp._domainkey.other.onmicrosoft.com"))
	}, ""},
	{"dkim.wrong-target", E, F, spec(func(s *dnscheck.Spec) {
		s.Selector1CNAME = "selector1-depta-example-ac-jp._domainkey.example.n-v1.dkim.mail.microsoft"
	}), "selector1"},

	{"dmarc.missing", I, B, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) { a.Remove("_dmarc."+dom, dns.TypeTXT) }, ""},
	{"dmarc.missing", W, F, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) { a.Remove("_dmarc."+dom, dns.TypeTXT) }, ""},
	{"dmarc.multiple", E, B, setTXT("_dmarc."+dom, "v=DMARC1; p=none", "v=DMARC1; p=reject"), ""},
	{"dmarc.policy", I, B, nil, "quarantine"},
	{"dmarc.policy-none", I, B, setTXT("_dmarc."+dom, "v=DMARC1; p=none"), ""},
	{"dmarc.policy-invalid", E, B, setTXT("_dmarc."+dom, "v=DMARC1; p=block"), "block"},
	{"dmarc.policy-invalid", E, B, setTXT("_dmarc."+dom, "v=DMARC1; rua=mailto:d@"+dom), ""},
	{"dmarc.report-uri", E, B, setTXT("_dmarc."+dom, "v=DMARC1; p=reject; rua=https://reports.example"), "mailto"},
	{"dmarc.report-uri", E, B, setTXT("_dmarc."+dom, "v=DMARC1; p=reject; ruf=mailto:not an address"), "not a valid address"},

	{"autodiscover.missing", W, B, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		a.Remove("autodiscover."+dom, dns.TypeCNAME)
	}, ""},
	{"autodiscover.missing", E, F, func(_ *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		a.Remove("autodiscover."+dom, dns.TypeCNAME)
	}, ""},
	{"autodiscover.wrong-target", W, B, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetCNAME("autodiscover."+dom, 3600, "mail."+dom))
	}, "mail." + dom},
	{"autodiscover.wrong-target", E, F, func(t *testing.T, a *dnsserver.Authority, _ *dnscheck.Spec) {
		require.NoError(t, a.SetCNAME("autodiscover."+dom, 3600, "mail."+dom))
	}, ""},
}

// Findings that must name the records to add, and those that must show the
// records seen.
var (
	mustAdd = []string{"ownership.missing", "ownership.mismatch", "mx.not-exo", "mx.exo-target", "mx.ttl-high", "spf.missing", "spf.no-exo",
		"spf.legacy-missing", "dkim.missing", "dkim.wrong-target", "dmarc.missing", "autodiscover.missing", "autodiscover.wrong-target"}
	mustSee = []string{"ownership.present", "mx.mixed", "mx.multiple-exo", "mx.exo", "mx.exo-target", "mx.ttl-high", "mx.cname", "mx.no-address",
		"spf.multiple", "spf.syntax", "spf.lookup-limit", "spf.void-lookups", "spf.pass-all", "spf.no-exo", "spf.legacy-missing",
		"dkim.wrong-target", "dmarc.multiple", "dmarc.policy-invalid", "dmarc.report-uri", "autodiscover.wrong-target"}
)

// Each finding, triggered by one change to the healthy zone of its stage.
func TestFindings(t *testing.T) {
	for i, c := range findingCases {
		t.Run(strconv.Itoa(i)+"/"+string(c.stage)+"/"+c.id, func(t *testing.T) {
			a := zoneFor(t, c.stage)
			s := baseSpec(c.stage)
			if c.edit != nil {
				c.edit(t, a, &s)
			}
			r := check(t, a, s)
			f, ok := find(r, c.id)
			require.True(t, ok, "want %s, got %s", c.id, ids(r))
			assert.Equal(t, c.sev, f.Severity, f.Message)
			assert.NotEmpty(t, f.Message)
			assert.Contains(t, f.Message, c.msg)
			if slices.Contains(mustAdd, c.id) {
				assert.NotEmpty(t, f.Add, "%s names the records to add", c.id)
			}
			if slices.Contains(mustSee, c.id) {
				assert.NotEmpty(t, f.Seen, "%s shows the records seen", c.id)
			}
			if c.sev == E {
				assert.False(t, r.Safe(), "an error finding makes the step unsafe")
			}
		})
	}
}

// Every id in docs/dnscheck.md has a case above, and every case's id is
// documented.
func TestEveryFindingDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/dnscheck.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z]+(?:[.-][a-z-]+)+)` \\|").FindAllStringSubmatch(string(b), -1) {
		documented = append(documented, m[1])
	}
	var tested []string
	for _, c := range findingCases {
		if !slices.Contains(tested, c.id) {
			tested = append(tested, c.id)
		}
	}
	slices.Sort(documented)
	slices.Sort(tested)
	assert.Equal(t, tested, documented)
}

// Forms that must not raise a finding.
func TestAcceptedForms(t *testing.T) {
	// The newer DKIM target form under the tenant prefix.
	a := switchedZone(t)
	require.NoError(t, a.SetCNAME("selector1._domainkey."+dom, 3600, "selector1-depta-example-ac-jp._domainkey.example.n-v1.dkim.mail.microsoft"))
	r := check(t, a, baseSpec(dnscheck.Switched))
	assert.False(t, r.Has("dkim.wrong-target"), ids(r))
	// ... but not under another tenant's prefix.
	require.NoError(t, a.SetCNAME("selector1._domainkey."+dom, 3600, "selector1-depta-example-ac-jp._domainkey.other.n-v1.dkim.mail.microsoft"))
	r = check(t, a, baseSpec(dnscheck.Switched))
	assert.True(t, r.Has("dkim.wrong-target"), ids(r))

	// The legacy server authorised through an include's network, by IP
	// literal, and by name when it has no address.
	b := switchedZone(t)
	require.NoError(t, b.SetTXT(dom, 3600, "v=spf1 include:spf.protection.outlook.com include:_legacy.example.ac.jp -all", token))
	require.NoError(t, b.SetTXT("_legacy.example.ac.jp", 3600, "v=spf1 ip4:192.0.2.0/28 -all"))
	s := baseSpec(dnscheck.Switched)
	s.LegacyHosts = []string{legacy, "192.0.2.11"}
	r = check(t, b, s)
	assert.False(t, r.Has("spf.legacy-missing"), ids(r))
	assert.True(t, r.Safe(), r.Table())
	b.Remove(legacy, dns.TypeA)
	require.NoError(t, b.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	require.NoError(t, b.SetTXT(dom, 3600, spfBoth, token))
	r = check(t, b, baseSpec(dnscheck.Switched))
	assert.False(t, r.Has("spf.legacy-missing"), "a:%s names it: %s", legacy, ids(r))

	// The tenant's own MX host, given exactly.
	c := switchedZone(t)
	require.NoError(t, c.SetMX(dom, 3600, dnsserver.MX{Host: "depta-example-ac-jp01b.mail.protection.outlook.com"}))
	s = baseSpec(dnscheck.Switched)
	s.EXOMX = "depta-example-ac-jp01b.mail.protection.outlook.com"
	r = check(t, c, s)
	assert.False(t, r.Has("mx.exo-target"), ids(r))
	assert.True(t, r.Has("mx.exo"), ids(r))
}
