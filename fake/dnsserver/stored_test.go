package dnsserver_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

// The answers an Authority stores for resolver lookups last only as long as
// the zones they came from: after any change, the next lookup that goes
// upstream sees it (Flush empties the resolver's own cache, so every lookup
// here goes upstream).
func TestStoredAnswersFollowZoneChanges(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	r := dnsserver.NewResolver("r", a, s)
	soaSerial := func(name string) uint32 {
		t.Helper()
		m, err := r.Exchange(bg, query(name, dns.TypeTXT)) // from the cache the lookup filled
		require.NoError(t, err)
		require.Len(t, m.Ns, 1)
		return m.Ns[0].(*dns.SOA).Serial
	}

	// A record set changes.
	assert.Equal(t, legacy, mxHost(t, r))
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	r.Flush()
	assert.Equal(t, exo, mxHost(t, r))

	// Addresses change, also at the end of a CNAME chain.
	hosts, err := r.LookupHost(bg, "mail."+dom)
	require.NoError(t, err)
	assert.Equal(t, []string{"192.0.2.10", "2001:db8::10"}, hosts)
	require.NoError(t, a.SetA(legacy, 300, netip.MustParseAddr("192.0.2.11")))
	r.Flush()
	hosts, err = r.LookupHost(bg, "mail."+dom)
	require.NoError(t, err)
	assert.Equal(t, []string{"192.0.2.11"}, hosts)

	// A negative answer, and the serial of the SOA it carries.
	_, err = r.LookupTXT(bg, "new.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrNXDomain)
	serial := soaSerial("new.example.ac.jp")
	require.NoError(t, a.SetTXT("new.example.ac.jp", 60, "x"))
	_, err = r.LookupTXT(bg, "new.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrNXDomain, "the resolver keeps the NXDOMAIN until it expires")
	r.Flush()
	txt, err := r.LookupTXT(bg, "new.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, []string{"x"}, txt)
	a.Remove("new.example.ac.jp", dns.TypeTXT)
	r.Flush()
	_, err = r.LookupTXT(bg, "new.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrNXDomain)
	assert.Greater(t, soaSerial("new.example.ac.jp"), serial, "the SOA of the zone as it is now")

	// Faults come and go.
	require.NoError(t, a.FailWith(dom, dnsserver.FaultServFail))
	r.Flush()
	_, err = r.LookupMX(bg, dom)
	require.ErrorIs(t, err, dnsserver.ErrServFail)
	require.NoError(t, a.FailWith(dom, dnsserver.FaultNone))
	assert.Equal(t, exo, mxHost(t, r), "SERVFAIL is not cached anywhere")

	// Zones come and go.
	_, err = r.LookupMX(bg, "partner.example")
	require.ErrorIs(t, err, dnsserver.ErrRefused)
	require.NoError(t, a.AddZone("partner.example"))
	require.NoError(t, a.SetMX("partner.example", 60, dnsserver.MX{Host: "mx.partner.example", Pref: 1}))
	mx, err := r.LookupMX(bg, "partner.example")
	require.NoError(t, err)
	assert.Equal(t, "mx.partner.example", mx[0].Host)
	require.NoError(t, a.RemoveZone("partner.example"))
	r.Flush()
	_, err = r.LookupMX(bg, "partner.example")
	assert.ErrorIs(t, err, dnsserver.ErrRefused)

	// A record added and deleted through miekg records.
	rr, err := dns.NewRR("extra.example.ac.jp. 60 IN TXT \"y\"")
	require.NoError(t, err)
	require.NoError(t, a.Add(rr))
	r.Flush()
	txt, err = r.LookupTXT(bg, "extra.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, []string{"y"}, txt)
	require.NoError(t, a.Delete(rr))
	r.Flush()
	_, err = r.LookupTXT(bg, "extra.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain)
}

// Answers handed out by Exchange are the caller's: changing them changes
// nothing the Authority or a resolver answers later, although the lookups
// share what they only read.
func TestExchangedAnswersAreTheCallers(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	r := dnsserver.NewResolver("r", a, s)
	const nope = "nope.example.ac.jp"
	spoil := func(m *dns.Msg) {
		for _, rr := range append(m.Answer, m.Ns...) {
			rr.Header().Ttl = 1
			switch v := rr.(type) {
			case *dns.MX:
				v.Mx = "spoilt.example."
			case *dns.SOA:
				v.Minttl = 1
			}
		}
	}
	intact := func(x dnsserver.Exchanger) {
		t.Helper()
		m := ask(t, x, dom, dns.TypeMX)
		require.Len(t, m.Answer, 1)
		assert.Equal(t, legacy+".", m.Answer[0].(*dns.MX).Mx)
		assert.Equal(t, uint32(3600), m.Answer[0].Header().Ttl)
		m = ask(t, x, nope, dns.TypeTXT)
		require.Len(t, m.Ns, 1)
		assert.Equal(t, uint32(300), m.Ns[0].(*dns.SOA).Minttl)
		assert.Equal(t, uint32(300), m.Ns[0].Header().Ttl)
	}
	lookups := func(r *dnsserver.Resolver) {
		t.Helper()
		assert.Equal(t, legacy, mxHost(t, r))
		_, err := r.LookupTXT(bg, nope)
		require.ErrorIs(t, err, dnsserver.ErrNXDomain)
	}
	// The lookups fill the resolver's cache and the authority's stored
	// answers; then every kind of Exchange answer to the same questions
	// is spoilt: the authority's, the resolver's from its cache, and a
	// fresh resolver's from upstream.
	lookups(r)
	fresh := dnsserver.NewResolver("fresh", a, s)
	for _, x := range []dnsserver.Exchanger{a, r, fresh} {
		spoil(ask(t, x, dom, dns.TypeMX))
		spoil(ask(t, x, nope, dns.TypeTXT))
	}
	intact(a)
	intact(r)     // the answers its lookups cached
	intact(fresh) // the answers it cached when it handed them out
	r2 := dnsserver.NewResolver("r2", a, s)
	lookups(r2) // from the authority's stored answers
	intact(r2)
}

// A lookup made again once its answers expired asks upstream again; while
// the records are the same it keeps its result (the same slice), and a
// change makes a new one.
func TestRenewedLookupsKeepTheirResultWhileTheRecordsStay(t *testing.T) {
	s := sim.New(1)
	a := zone(t) // MX TTL 3600
	require.NoError(t, a.SetA("host.example.ac.jp", 3600, netip.MustParseAddr("192.0.2.20")))
	up := &counting{up: a}
	r := dnsserver.NewResolver("sender", up, s)

	mx1, err := r.LookupMXShared(bg, dom)
	require.NoError(t, err)
	h1, err := r.LookupHostShared(bg, "host.example.ac.jp") // AAAA: NODATA for 300 s
	require.NoError(t, err)
	assert.Equal(t, int64(3), up.n.Load())

	require.NoError(t, s.RunFor(time.Hour))
	mx2, err := r.LookupMXShared(bg, dom)
	require.NoError(t, err)
	h2, err := r.LookupHostShared(bg, "host.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, int64(6), up.n.Load(), "every expired answer is asked for again")
	assert.Same(t, &mx1[0], &mx2[0])
	assert.Same(t, &h1[0], &h2[0])

	// Another name in the zone changes: these records stay.
	require.NoError(t, a.SetTXT("other.example.ac.jp", 60, "other"))
	require.NoError(t, s.RunFor(time.Hour))
	mx3, err := r.LookupMXShared(bg, dom)
	require.NoError(t, err)
	assert.Same(t, &mx1[0], &mx3[0])

	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	require.NoError(t, a.SetA("host.example.ac.jp", 3600, netip.MustParseAddr("192.0.2.21")))
	require.NoError(t, s.RunFor(time.Hour))
	mx4, err := r.LookupMXShared(bg, dom)
	require.NoError(t, err)
	h4, err := r.LookupHostShared(bg, "host.example.ac.jp")
	require.NoError(t, err)
	assert.NotSame(t, &mx1[0], &mx4[0])
	assert.Equal(t, []dnsserver.MX{{Host: exo}}, mx4)
	assert.Equal(t, []string{"192.0.2.21"}, h4)
	assert.Equal(t, []string{"192.0.2.20"}, h1, "a result handed out is never changed")

	// The same records once more, after a failure: the failure is not
	// kept, and the addresses are back.
	require.NoError(t, a.FailWith("host.example.ac.jp", dnsserver.FaultServFail))
	require.NoError(t, s.RunFor(time.Hour))
	_, err = r.LookupHostShared(bg, "host.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrServFail)
	require.NoError(t, a.FailWith("host.example.ac.jp", dnsserver.FaultNone))
	h5, err := r.LookupHostShared(bg, "host.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, []string{"192.0.2.21"}, h5)
}
