package dnscheck_test

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

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
		res, err = dnscheck.WatchMX(bg, s, []dnscheck.Exchanger{r1, r2}, dom, []string{dnscheck.EXOMXHost(dom) + "."}, 10*time.Minute)
	})
	require.NoError(t, s.Run())
	require.NoError(t, err)
	assert.Equal(t, sim.Epoch().Add(time.Hour), res.Agreed, "resolver one agrees when its cached MX expires")
	assert.Equal(t, sim.Epoch().Add(time.Hour), res.EarliestSafe, "the TTL bound computed at the first look (remaining TTL of the cached answer)")
	assert.Greater(t, res.Rounds, 1)
}

// A resolver that cached "no such TXT" keeps it for the SOA minimum (300 s
// in the fake's zones): the ownership record becomes visible then.
func TestWatchTXTNegativeCaching(t *testing.T) {
	s := sim.New(2)
	a := dnsserver.NewAuthority("example.ac.jp")
	r := dnsserver.NewResolver("r", a, s)
	_, _ = r.LookupTXT(bg, dom) // NXDOMAIN cached
	require.NoError(t, s.RunFor(time.Minute))
	require.NoError(t, a.SetTXT(dom, 3600, token))
	var res dnscheck.WatchResult
	var err error
	s.Go(func() {
		res, err = dnscheck.WatchTXT(bg, s, []dnscheck.Exchanger{r, a}, dom, token, time.Hour)
	})
	require.NoError(t, s.Run())
	require.NoError(t, err)
	assert.Equal(t, sim.Epoch().Add(5*time.Minute), res.EarliestSafe, "the remaining negative TTL")
	assert.Equal(t, sim.Epoch().Add(5*time.Minute), res.Agreed)
}

func TestWatchCNAME(t *testing.T) {
	s := sim.New(3)
	a := legacyZone(t)
	a.Remove("autodiscover."+dom, dns.TypeCNAME)
	require.NoError(t, a.SetCNAME("autodiscover."+dom, 600, "mail."+dom))
	r := dnsserver.NewResolver("r", a, s)
	_, err := r.Exchange(bg, new(dns.Msg).SetQuestion("autodiscover."+dom+".", dns.TypeCNAME))
	require.NoError(t, err)
	require.NoError(t, a.SetCNAME("autodiscover."+dom, 3600, "autodiscover.outlook.com"))
	var res dnscheck.WatchResult
	s.Go(func() {
		res, err = dnscheck.WatchCNAME(bg, s, []dnscheck.Exchanger{r}, "autodiscover."+dom, "autodiscover.outlook.com", time.Hour)
	})
	require.NoError(t, s.Run())
	require.NoError(t, err)
	assert.Equal(t, sim.Epoch().Add(10*time.Minute), res.Agreed)
}

// A resolver that fails until the deadline: the watch ends with the
// context's error and says why each resolver had not agreed; a failure is
// never taken for agreement.
func TestWatchEndsWithTheContext(t *testing.T) {
	s := sim.New(4)
	a := legacyZone(t)
	a.FailWith(dom, "servfail")
	good := dnsserver.NewAuthority("example.ac.jp")
	require.NoError(t, good.SetMX(dom, 60, dnsserver.MX{Host: legacy, Pref: 10}))
	var res dnscheck.WatchResult
	var err error
	s.Go(func() {
		ctx, cancel := s.WithTimeout(bg, 2*time.Hour)
		defer cancel()
		res, err = dnscheck.WatchMX(ctx, s, []dnscheck.Exchanger{good, a}, dom, []string{legacy}, 10*time.Minute)
	})
	require.NoError(t, s.Run())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, dnscheck.ErrServFail)
	assert.Contains(t, err.Error(), "resolver 1")
	assert.NotContains(t, err.Error(), "resolver 0", "resolver 0 agreed")
	assert.True(t, res.Agreed.IsZero())
	assert.Equal(t, 12, res.Rounds, "one round every 10 minutes for 2 hours")
	assert.Equal(t, sim.Epoch(), res.EarliestSafe, "a failure says nothing about caches")
}

func TestWatchBadInput(t *testing.T) {
	s := sim.New(5)
	_, err := dnscheck.WatchMX(bg, s, nil, dom, nil, 0)
	assert.ErrorIs(t, err, dnscheck.ErrBadSpec)
	_, err = dnscheck.WatchTXT(bg, nil, []dnscheck.Exchanger{legacyZone(t)}, dom, token, 0)
	assert.ErrorIs(t, err, dnscheck.ErrBadSpec)
	_, err = dnscheck.WatchCNAME(bg, s, []dnscheck.Exchanger{legacyZone(t)}, "bad name", "x.example", 0)
	assert.ErrorIs(t, err, dnscheck.ErrBadSpec)
}
