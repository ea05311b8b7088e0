package dnscheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/mailops"
)

// stub answers every query with one rcode, one error, or never.
type stub struct {
	rcode int
	err   error
	never bool
}

func (s stub) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	if s.never {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if s.err != nil {
		return nil, s.err
	}
	r := new(dns.Msg)
	r.SetRcode(m, s.rcode)
	return r, nil
}

func TestLookupErrorsAreTyped(t *testing.T) {
	cases := []struct {
		x    dnscheck.Exchanger
		want error
	}{
		{stub{rcode: dns.RcodeServerFailure}, dnscheck.ErrServFail},
		{stub{rcode: dns.RcodeRefused}, dnscheck.ErrRefused},
		{stub{rcode: dns.RcodeNameError}, dnscheck.ErrNXDomain},
		{stub{never: true}, dnscheck.ErrTimeout},
		{stub{err: context.DeadlineExceeded}, dnscheck.ErrTimeout},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
		_, err := dnscheck.LookupMX(ctx, c.x, dom)
		cancel()
		require.ErrorIs(t, err, c.want)
		var le *dnscheck.LookupError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "MX", le.Type)
		assert.Equal(t, dom, le.Name)
	}
	// A NOERROR answer without records is "no MX", not an error.
	got, err := dnscheck.LookupMX(bg, stub{rcode: dns.RcodeSuccess}, dom)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// A failing server is never reported as missing records: every check
// says it could not check, and the step is not safe.
func TestFailuresAreNotMissing(t *testing.T) {
	for name, x := range map[string]dnscheck.Exchanger{
		"servfail": stub{rcode: dns.RcodeServerFailure},
		"refused":  stub{rcode: dns.RcodeRefused},
		"never":    stub{never: true},
		"network":  stub{err: errors.New("connection refused")},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
			defer cancel()
			for _, st := range []dnscheck.Stage{dnscheck.Before, dnscheck.Switched, dnscheck.Final} {
				s := baseSpec(st)
				s.Domain = dom
				r, err := dnscheck.Check(ctx, x, s)
				require.NoError(t, err)
				assert.False(t, r.Safe())
				for _, f := range r.Findings {
					assert.Equal(t, "lookup-failed", f.ID, "only failures, got %s", ids(r))
					assert.Contains(t, f.Message, "could not check")
				}
				assert.NotEmpty(t, r.Findings)
			}
		})
	}

	// Only the apex fails: the apex checks say so, the others still run.
	a := switchedZone(t)
	a.FailWith(dom, "servfail")
	r := check(t, a, baseSpec(dnscheck.Switched))
	assert.True(t, r.Has("lookup-failed"), ids(r))
	for _, id := range []string{"mx.not-exo", "mx.missing", "spf.missing", "ownership.missing", "spf.no-exo"} {
		assert.False(t, r.Has(id), "a SERVFAIL is not %s", id)
	}
	assert.True(t, r.Has("dmarc.policy"), "names below the apex are still checked: %s", ids(r))

	// An MX host whose lookup fails is not "no address".
	a = legacyZone(t)
	a.FailWith(legacy, "servfail")
	r = check(t, a, baseSpec(dnscheck.Before))
	assert.False(t, r.Has("mx.no-address"), ids(r))
	assert.True(t, r.Has("lookup-failed"), ids(r))

	// An SPF include whose lookup fails is not a void lookup or a missing record.
	a = legacyZone(t)
	require.NoError(t, a.SetTXT(dom, 3600, "v=spf1 include:inc.example.ac.jp a:"+legacy+" include:spf.protection.outlook.com -all", token))
	a.FailWith("inc.example.ac.jp", "servfail")
	r = check(t, a, baseSpec(dnscheck.Before))
	assert.True(t, r.Has("lookup-failed"), ids(r))
	assert.False(t, r.Has("spf.include-error"), ids(r))
	assert.False(t, r.Has("spf.void-lookups"), ids(r))

	// A zone the server is not authoritative for: REFUSED.
	r = check(t, dnsserver.NewAuthority("other.example"), dnscheck.Spec{Stage: dnscheck.Before})
	assert.True(t, r.Has("lookup-failed"))
	assert.Contains(t, r.Table(), "REFUSED")

	// The in-process fake that never answers: a timeout finding, no hang.
	a.FailWith(dom, "silent")
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	r, err := dnscheck.Check(ctx, a, dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched})
	require.NoError(t, err)
	assert.Contains(t, r.Table(), "no answer in time")
}

func TestBadSpec(t *testing.T) {
	a := legacyZone(t)
	cases := []struct {
		field string
		spec  dnscheck.Spec
	}{
		{"Domain", dnscheck.Spec{Domain: "", Stage: dnscheck.Before}},
		{"Domain", dnscheck.Spec{Domain: "no_underscores.example", Stage: dnscheck.Before}},
		{"Domain", dnscheck.Spec{Domain: strings.Repeat("a", 64) + ".example", Stage: dnscheck.Before}},
		{"Domain", dnscheck.Spec{Domain: "a..b", Stage: dnscheck.Before}},
		{"Domain", dnscheck.Spec{Domain: strings.Repeat(strings.Repeat("a", 60)+".", 5) + "example", Stage: dnscheck.Before}},
		{"Domain", dnscheck.Spec{Domain: "bad\x00name.example", Stage: dnscheck.Before}},
		{"Spec.Stage", dnscheck.Spec{Domain: dom, Stage: "later"}},
		{"Spec.InitialDomain", dnscheck.Spec{Domain: dom, Stage: dnscheck.Final, InitialDomain: "bad name.onmicrosoft.com"}},
		{"Spec.LegacyHosts[1]", dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched, LegacyHosts: []string{"192.0.2.1", "bad..host"}, LegacySends: true}},
		{"Spec.LegacyHosts", dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched, LegacySends: true}},
		{"Spec.OwnershipToken", dnscheck.Spec{Domain: dom, Stage: dnscheck.Before, OwnershipToken: "12345678"}},
		{"Spec.MaxMXTTL", dnscheck.Spec{Domain: dom, Stage: dnscheck.Before, MaxMXTTL: -time.Second}},
		{"Spec.EXOMX", dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched, EXOMX: "x"}},
		{"Spec.EXOMX", dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched, EXOMX: "mx.example.ac.jp"}},
		{"Spec.EXOMX", dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched, EXOMX: "a.b.mail.protection.outlook.com"}},
		{"Spec.EXOMX", dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched, EXOMX: "depta-example-ac-jp.mx.microsoft"}},
	}
	for _, c := range cases {
		_, err := dnscheck.Check(bg, a, c.spec)
		require.ErrorIs(t, err, dnscheck.ErrBadSpec, c.field)
		require.ErrorIs(t, err, mailops.ErrInvalid, c.field)
		var ve *mailops.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, c.field, ve.Field)
	}
	_, err := dnscheck.Check(bg, nil, dnscheck.Spec{Domain: dom, Stage: dnscheck.Before})
	assert.ErrorIs(t, err, dnscheck.ErrBadSpec)
}

func TestAwkwardInput(t *testing.T) {
	// An IDN given as U-labels is checked as A-labels.
	a := dnsserver.NewAuthority("xn--bcher-kva.example")
	require.NoError(t, a.SetMX("xn--bcher-kva.example", 3600, dnsserver.MX{Host: dnscheck.EXOMXHost("xn--bcher-kva.example")}))
	r, err := dnscheck.Check(bg, a, dnscheck.Spec{Domain: "Bücher.example", Stage: dnscheck.Switched, Verified: true})
	require.NoError(t, err)
	assert.Equal(t, "xn--bcher-kva.example", r.Domain)
	assert.True(t, r.Has("mx.exo"), ids(r))
	assert.Equal(t, "xn--bcher-kva-example.mail.protection.outlook.com", dnscheck.EXOMXHost("xn--bcher-kva.example"))

	// Non-ASCII TXT: a clear syntax finding naming the term, and the
	// other TXT values are still read.
	b := legacyZone(t)
	require.NoError(t, b.SetTXT(dom, 3600, "v=spf1 include:日本.example -all", token, "説明 テキスト"))
	r = check(t, b, baseSpec(dnscheck.Before))
	f, ok := find(r, "spf.syntax")
	require.True(t, ok, ids(r))
	assert.Contains(t, f.Message, "include:日本.example")
	assert.True(t, r.Has("ownership.present"))

	// An MX target that is not a valid name is "no address", not a panic.
	c := legacyZone(t)
	require.NoError(t, c.SetMX(dom, 3600, dnsserver.MX{Host: strings.Repeat("x", 63) + "." + strings.Repeat("y", 63) + "." + strings.Repeat("z", 63) + "." + strings.Repeat("w", 60) + ".example.ac.jp", Pref: 1}))
	r = check(t, c, baseSpec(dnscheck.Before))
	assert.True(t, r.Has("mx.no-address") || r.Has("lookup-failed"), ids(r))

	// An SPF chain more than 10 levels deep: bounded work, a clear finding.
	d := legacyZone(t)
	require.NoError(t, d.SetTXT(dom, 3600, "v=spf1 include:d1.example.ac.jp -all", token))
	for i := 1; i <= 30; i++ {
		require.NoError(t, d.SetTXT("d"+itoa(i)+".example.ac.jp", 3600, "v=spf1 include:d"+itoa(i+1)+".example.ac.jp -all"))
	}
	r = check(t, d, baseSpec(dnscheck.Before))
	assert.True(t, r.Has("spf.lookup-limit"), ids(r))
	assert.Less(t, r.Queries, 40, "the walk stops at the limit")
}
