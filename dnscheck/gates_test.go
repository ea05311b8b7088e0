package dnscheck_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

func TestGateFunctionsAcrossResolvers(t *testing.T) {
	s := sim.New(1)
	a := legacyZone(t)
	r1 := dnsserver.NewResolver("r1", a, s)
	r2 := dnsserver.NewResolver("r2", a, s)
	both := []dnscheck.Exchanger{r1, r2}

	require.NoError(t, dnscheck.OwnershipVisible(bg, both, dom, "MS=ms12345678"))
	assert.Error(t, dnscheck.OwnershipVisible(bg, both, dom, "MS=ms99999999"))
	require.NoError(t, dnscheck.MXIs(bg, both, dom, []string{"MX." + dom + "."}))

	// r1 caches the old MX; after the switch only r2 (asking fresh) agrees.
	exo := dnscheck.EXOMXHost(dom)
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exo}))
	r2.Flush()
	assert.NoError(t, dnscheck.MXIs(bg, both[1:], dom, []string{exo}))
	err := dnscheck.MXIs(bg, both, dom, []string{exo})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "resolver 0 still sees MX")
	require.NoError(t, s.RunFor(time.Hour+time.Second))
	assert.NoError(t, dnscheck.MXIs(bg, both, dom, []string{exo}))

	// Failures are failures, not "not there yet".
	a.FailWith(dom, "servfail")
	r1.Flush()
	assert.ErrorIs(t, dnscheck.OwnershipVisible(bg, both[:1], dom, "MS=ms12345678"), dnscheck.ErrServFail)
	assert.ErrorIs(t, dnscheck.MXIs(bg, both[:1], dom, []string{exo}), dnscheck.ErrServFail)
	assert.ErrorIs(t, dnscheck.MXIs(bg, nil, dom, nil), dnscheck.ErrBadSpec)
}

func TestBadInputOverTheNetwork(t *testing.T) {
	a := legacyZone(t)
	// A name over 253 characters is a bad spec, not a query.
	long := strings.Repeat(strings.Repeat("a", 60)+".", 5) + "example"
	_, err := dnscheck.Check(bg, a, dnscheck.Spec{Domain: long, Stage: dnscheck.Before})
	assert.ErrorIs(t, err, dnscheck.ErrBadSpec)

	// A server that never answers: a timeout finding, never a hang.
	a.FailWith(dom, "silent")
	srv, err := a.Serve("127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	c := dnscheck.NewClient(srv.Addr())
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	_, err = dnscheck.LookupMX(ctx, c, dom)
	assert.ErrorIs(t, err, dnscheck.ErrTimeout)
	ctx2, cancel2 := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel2()
	r, err := dnscheck.Check(ctx2, c, dnscheck.Spec{Domain: dom, Stage: dnscheck.Switched})
	require.NoError(t, err)
	assert.True(t, r.Has("lookup-failed"), ids(r))
	assert.False(t, r.Has("mx.missing"), "a timeout is not a missing MX")
	assert.False(t, r.Safe())
}
