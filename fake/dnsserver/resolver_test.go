package dnsserver_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// counting counts the queries that reach an upstream.
type counting struct {
	up dnsserver.Exchanger
	n  atomic.Int64
}

func (c *counting) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	c.n.Add(1)
	return c.up.Exchange(ctx, m)
}

// split sends each query to the authority whose zones hold the name, like
// the recursion a real resolver does.
type split []*dnsserver.Authority

func (s split) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	for _, a := range s {
		if a.InZone(m.Question[0].Name) {
			return a.Exchange(ctx, m)
		}
	}
	return s[0].Exchange(ctx, m)
}

func mxHost(t *testing.T, r *dnsserver.Resolver) string {
	t.Helper()
	mx, err := r.LookupMX(bg, dom)
	require.NoError(t, err)
	require.NotEmpty(t, mx)
	return mx[0].Host
}

func TestTwoResolversSeeAnMXChangeAtDifferentTimes(t *testing.T) {
	s := sim.New(1)
	a := zone(t) // MX TTL 3600
	r1 := dnsserver.NewResolver("sender-1", a, s)
	r2 := dnsserver.NewResolver("sender-2", a, s)

	assert.Equal(t, legacy, mxHost(t, r1)) // r1 caches at 0:00 until 1:00
	require.NoError(t, s.RunFor(40*time.Minute))
	assert.Equal(t, legacy, mxHost(t, r2)) // r2 caches at 0:40 until 1:40
	require.NoError(t, s.RunFor(10*time.Minute))
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo})) // the switch at 0:50

	assert.Equal(t, exo, mxHost(t, dnsserver.NewResolver("fresh", a, s)), "a fresh cache sees it at once")
	require.NoError(t, s.RunFor(10*time.Minute-time.Second)) // 0:59:59
	assert.Equal(t, legacy, mxHost(t, r1))
	require.NoError(t, s.RunFor(time.Second)) // 1:00
	assert.Equal(t, exo, mxHost(t, r1), "r1 sees the switch when its entry expires")
	assert.Equal(t, legacy, mxHost(t, r2), "r2 does not yet")

	m, err := r2.Exchange(bg, query(dom, dns.TypeMX))
	require.NoError(t, err)
	assert.Equal(t, uint32(40*60), m.Answer[0].Header().Ttl, "cached TTLs count down")
	assert.False(t, m.Authoritative)

	require.NoError(t, s.RunFor(40*time.Minute)) // 1:40
	assert.Equal(t, exo, mxHost(t, r2))
}

func TestNegativeCaching(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	up := &counting{up: a}
	r := dnsserver.NewResolver("r", up, s)

	_, err := r.LookupMX(bg, "new.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, a.SetMX("new.example.ac.jp", 60, dnsserver.MX{Host: legacy, Pref: 1}))
	_, err = r.LookupMX(bg, "new.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain, "NXDOMAIN is cached for the SOA minimum (300 s)")
	assert.Equal(t, int64(1), up.n.Load())
	require.NoError(t, s.RunFor(299*time.Second))
	_, err = r.LookupMX(bg, "new.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, s.RunFor(time.Second))
	_, err = r.LookupMX(bg, "new.example.ac.jp")
	assert.NoError(t, err)

	// NODATA too.
	_, err = r.LookupTXT(bg, legacy)
	require.ErrorIs(t, err, dnsserver.ErrNoRecords)
	require.NoError(t, a.SetTXT(legacy, 60, "v"))
	_, err = r.LookupTXT(bg, legacy)
	assert.ErrorIs(t, err, dnsserver.ErrNoRecords)
	require.NoError(t, s.RunFor(300*time.Second))
	txt, err := r.LookupTXT(bg, legacy)
	require.NoError(t, err)
	assert.Equal(t, []string{"v"}, txt)

	// At the end of a CNAME chain: the smaller of the CNAME's TTL and the
	// SOA's negative TTL.
	require.NoError(t, a.SetCNAME("alias.example.ac.jp", 30, "target.example.ac.jp"))
	_, err = r.LookupMX(bg, "alias.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, a.SetMX("target.example.ac.jp", 60, dnsserver.MX{Host: legacy}))
	require.NoError(t, s.RunFor(29*time.Second))
	_, err = r.LookupMX(bg, "alias.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, s.RunFor(time.Second))
	_, err = r.LookupMX(bg, "alias.example.ac.jp")
	assert.NoError(t, err)

	// SERVFAIL and REFUSED are not cached.
	require.NoError(t, a.FailWith(dom, dnsserver.FaultServFail))
	_, err = r.LookupTXT(bg, dom)
	require.ErrorIs(t, err, dnsserver.ErrServFail)
	require.NoError(t, a.FailWith(dom, dnsserver.FaultNone))
	_, err = r.LookupTXT(bg, dom)
	assert.NoError(t, err)
	before := up.n.Load()
	_, _ = r.LookupMX(bg, "example.org")
	_, _ = r.LookupMX(bg, "example.org")
	assert.Equal(t, before+2, up.n.Load())
}

func TestTTLClampAndFlush(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	lo := dnsserver.NewResolver("lo", a, s, dnsserver.WithTTLClamp(10*time.Minute, 0))
	hi := dnsserver.NewResolver("hi", a, s, dnsserver.WithTTLClamp(0, 30*time.Second))
	assert.Equal(t, "lo", lo.Name())

	hosts, err := lo.LookupHost(bg, "mail."+dom) // CNAME 60 s, A 300 s
	require.NoError(t, err)
	assert.Equal(t, []string{"192.0.2.10", "2001:db8::10"}, hosts)
	assert.Equal(t, legacy, mxHost(t, hi))
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	require.NoError(t, a.SetCNAME("mail."+dom, 60, "gone.example.ac.jp"))

	require.NoError(t, s.RunFor(30*time.Second))
	assert.Equal(t, exo, mxHost(t, hi), "max clamp: a 3600 s answer kept 30 s")
	require.NoError(t, s.RunFor(9*time.Minute))
	_, err = lo.LookupHost(bg, "mail."+dom)
	assert.NoError(t, err, "min clamp: a 60 s answer kept 10 min")
	require.NoError(t, s.RunFor(30*time.Second))
	_, err = lo.LookupHost(bg, "mail."+dom)
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain)

	// The clamp applies to negative answers too.
	_, err = hi.LookupMX(bg, "later.example.ac.jp")
	require.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, a.SetMX("later.example.ac.jp", 60, dnsserver.MX{Host: legacy}))
	require.NoError(t, s.RunFor(30*time.Second))
	_, err = hi.LookupMX(bg, "later.example.ac.jp")
	assert.NoError(t, err)

	// Flush and FlushName forget at once.
	r := dnsserver.NewResolver("r", a, s)
	assert.Equal(t, exo, mxHost(t, r))
	_, err = r.LookupTXT(bg, dom)
	require.NoError(t, err)
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: legacy, Pref: 10}))
	require.NoError(t, a.SetTXT(dom, 3600, "new"))
	assert.Equal(t, exo, mxHost(t, r))
	r.FlushName("DEPTA.example.ac.jp")
	assert.Equal(t, legacy, mxHost(t, r))
	txt, _ := r.LookupTXT(bg, dom)
	assert.Equal(t, []string{"new"}, txt, "FlushName forgets every type")
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	assert.Equal(t, legacy, mxHost(t, r))
	r.Flush()
	assert.Equal(t, exo, mxHost(t, r))
}

func TestLookupErrorsAreToldApart(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	r := dnsserver.NewResolver("sender", a, s)
	kinds := []error{dnsserver.ErrNXDomain, dnsserver.ErrNoRecords, dnsserver.ErrServFail, dnsserver.ErrRefused, dnsserver.ErrTimeout, dnsserver.ErrCNAMELoop}
	only := func(err error, want error, rcode int) {
		t.Helper()
		var le *dnsserver.LookupError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "sender", le.Resolver)
		assert.Equal(t, rcode, le.Rcode)
		for _, k := range kinds {
			assert.Equal(t, k == want, errors.Is(err, k), "%v is %v?", err, k)
		}
	}
	_, err := r.LookupMX(bg, "nope.example.ac.jp")
	only(err, dnsserver.ErrNXDomain, dns.RcodeNameError)
	_, err = r.LookupMX(bg, legacy)
	only(err, dnsserver.ErrNoRecords, dns.RcodeSuccess)
	_, err = r.LookupMX(bg, "example.org")
	only(err, dnsserver.ErrRefused, dns.RcodeRefused)
	require.NoError(t, a.FailWith(dom, dnsserver.FaultServFail))
	_, err = r.LookupMX(bg, dom)
	only(err, dnsserver.ErrServFail, dns.RcodeServerFailure)
	// A fault on a name the chain reaches.
	require.NoError(t, a.FailWith(legacy, dnsserver.FaultServFail))
	_, err = r.LookupHost(bg, "mail."+dom)
	only(err, dnsserver.ErrServFail, dns.RcodeServerFailure)
	require.NoError(t, a.FailWith(legacy, dnsserver.FaultNone))

	require.NoError(t, a.SetCNAME("loop1.example.ac.jp", 60, "loop2.example.ac.jp"))
	require.NoError(t, a.SetCNAME("loop2.example.ac.jp", 60, "loop1.example.ac.jp"))
	_, err = r.LookupMX(bg, "loop1.example.ac.jp")
	only(err, dnsserver.ErrCNAMELoop, dns.RcodeSuccess)
	assert.ErrorContains(t, err, "lookup MX loop1.example.ac.jp")

	_, err = r.LookupMX(bg, strings.Repeat("a", 64)+".example.ac.jp")
	assert.ErrorIs(t, err, mailops.ErrInvalid, "an over-long label is refused before any query")

	// A name that never answers: a timeout in virtual time, from a
	// simulated process, when the authority waits on the clock.
	a.UseClock(s)
	require.NoError(t, a.FailWith(dom, dnsserver.FaultSilent))
	start := s.Now()
	s.Go(func() {
		ctx, cancel := s.WithTimeout(bg, 5*time.Second)
		defer cancel()
		_, err = r.LookupMX(ctx, dom)
	})
	require.NoError(t, s.Run())
	only(err, dnsserver.ErrTimeout, -1)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 5*time.Second, s.Now().Sub(start))

	// Without a clock it waits on the context.
	b := zone(t)
	require.NoError(t, b.FailWith(dom, dnsserver.FaultSilent))
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err = dnsserver.NewResolver("sender", b, s).LookupMX(ctx, dom)
	only(err, dnsserver.ErrTimeout, -1)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestResolverFollowsCNAMEsAcrossAuthorities(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	ms := dnsserver.NewAuthority("outlook.com")
	require.NoError(t, ms.SetCNAME("autodiscover.outlook.com", 60, "autod.ms-acdc.outlook.com"))
	require.NoError(t, ms.SetTXT("autod.ms-acdc.outlook.com", 60, "here"))
	r := dnsserver.NewResolver("r", split{a, ms}, s)
	txt, err := r.LookupTXT(bg, "autodiscover."+dom)
	require.NoError(t, err)
	assert.Equal(t, []string{"here"}, txt)
	_, err = r.LookupMX(bg, "autodiscover."+dom)
	assert.ErrorIs(t, err, dnsserver.ErrNoRecords)

	// Resolvers stack: a forwarder in front of a shared cache.
	shared := dnsserver.NewResolver("isp", split{a, ms}, s)
	fwd := dnsserver.NewResolver("laptop", shared, s)
	txt, err = fwd.LookupTXT(bg, "autodiscover."+dom)
	require.NoError(t, err)
	assert.Equal(t, []string{"here"}, txt)

	// A loop across authorities stops.
	require.NoError(t, ms.SetCNAME("back.outlook.com", 60, "there.example.ac.jp"))
	require.NoError(t, a.SetCNAME("there.example.ac.jp", 60, "back.outlook.com"))
	_, err = r.LookupMX(bg, "there.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrCNAMELoop)
}

func TestLookupHostAndMXOrder(t *testing.T) {
	s := sim.New(1)
	a := zone(t)
	r := dnsserver.NewResolver("r", a, s)
	require.NoError(t, a.SetMX(dom, 60, dnsserver.MX{Host: "c.example.org", Pref: 30}, dnsserver.MX{Host: "A.example.org", Pref: 10}, dnsserver.MX{Host: "b.example.org", Pref: 20}))
	mx, err := r.LookupMX(bg, dom)
	require.NoError(t, err)
	assert.Equal(t, []dnsserver.MX{{Host: "a.example.org", Pref: 10}, {Host: "b.example.org", Pref: 20}, {Host: "c.example.org", Pref: 30}}, mx)

	_, err = r.LookupHost(bg, dom)
	assert.ErrorIs(t, err, dnsserver.ErrNoRecords, "neither A nor AAAA")
	_, err = r.LookupHost(bg, "nope.example.ac.jp")
	assert.ErrorIs(t, err, dnsserver.ErrNXDomain)
	require.NoError(t, a.FailWith(legacy, dnsserver.FaultServFail))
	_, err = r.LookupHost(bg, legacy)
	assert.ErrorIs(t, err, dnsserver.ErrServFail)

	// Bad queries to Exchange.
	_, err = r.Exchange(bg, new(dns.Msg))
	assert.Error(t, err)
	_, err = r.Exchange(bg, nil)
	assert.Error(t, err)
}

// A lookup the cache answers is remembered until the first answer it used
// expires: the same shared result meanwhile, no query upstream, and the
// change after; Flush forgets it.
func TestLookupsAreRememberedWhileCached(t *testing.T) {
	s := sim.New(1)
	a := zone(t) // MX TTL 3600
	up := &counting{up: a}
	r := dnsserver.NewResolver("sender", up, s)

	first, err := r.LookupMXShared(bg, dom)
	require.NoError(t, err)
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	require.NoError(t, s.RunFor(59*time.Minute))
	again, err := r.LookupMXShared(bg, dom)
	require.NoError(t, err)
	assert.Same(t, &first[0], &again[0], "the same result while the answer is cached")
	assert.Equal(t, legacy, again[0].Host)
	assert.Equal(t, int64(1), up.n.Load(), "one query upstream")
	copied, err := r.LookupMX(bg, dom)
	require.NoError(t, err)
	assert.NotSame(t, &first[0], &copied[0], "LookupMX hands out a copy")

	require.NoError(t, s.RunFor(time.Minute)) // the answer expires
	assert.Equal(t, exo, mxHost(t, r))
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: legacy}))
	r.Flush()
	assert.Equal(t, legacy, mxHost(t, r), "Flush forgets remembered lookups")
}
