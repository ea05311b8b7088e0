package mailops_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// newSimClient returns a Client and a script driver whose calls take latency
// of virtual time, both on a fresh virtual clock.
func newSimClient(t *testing.T, seed uint64, latency time.Duration, opts mailops.Options) (*sim.Scheduler, *mailops.Client, *scriptDriver) {
	t.Helper()
	s := sim.New(seed)
	opts.Rand = rand.New(rand.NewPCG(seed, seed))
	d := newScriptDriver(s)
	d.Latency = latency
	d.addVerified(tenantDomain)
	opts.Clock = s
	return s, mailops.NewClient(d, opts), d
}

func TestSessionBoundManyProcesses(t *testing.T) {
	s, c, d := newSimClient(t, 7, 10*time.Second, mailops.Options{MaxSessions: 3})
	d.putMailbox(admin) // the owner, read once per group as a security principal
	const n = 20
	errs := make([]error, n)
	done := make([]time.Time, n)
	for i := range n {
		s.Go(func() {
			g := salesGroup()
			g.PrimaryAddress = mailops.Address(fmt.Sprintf("g%d@%s", i, tenantDomain))
			g.SendAs = nil
			errs[i] = c.CreateGroup(context.Background(), g)
			done[i] = s.Now()
		})
	}
	require.NoError(t, s.Run())
	for i := range n {
		require.NoError(t, errs[i], "worker %d", i)
	}
	assert.Equal(t, 3, d.MaxInFlight(), "never more than MaxSessions calls in flight, and the bound is used")
	assert.Equal(t, n, d.count("CreateGroup"))
	// 20 ListDomains + 20 GetRecipient (the owner) + 20 CreateGroup calls
	// of 10s each, three at a time.
	assert.Len(t, d.Calls(), 3*n)
	last := epoch
	for _, at := range done {
		if at.After(last) {
			last = at
		}
	}
	assert.Equal(t, epoch.Add(200*time.Second), last, "makespan is 60/3 x 10s")
}

func TestCancelWhileWaitingForSession(t *testing.T) {
	s, c, d := newSimClient(t, 1, time.Minute, mailops.Options{MaxSessions: 1})
	var holderErr, waiterErr error
	var waiterDone time.Time
	s.Go(func() {
		_, holderErr = c.ListGroups(context.Background())
	})
	s.Go(func() {
		ctx, cancel := s.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, waiterErr = c.ListGroups(ctx)
		waiterDone = s.Now()
	})
	require.NoError(t, s.Run())
	require.NoError(t, holderErr)
	require.ErrorIs(t, waiterErr, context.DeadlineExceeded)
	assert.Contains(t, waiterErr.Error(), "waiting for a session")
	assert.Equal(t, epoch.Add(10*time.Second), waiterDone)
	assert.Equal(t, 1, d.count("ListGroups"), "the cancelled waiter never called the driver")
}

func TestCancelDuringBackoffVirtual(t *testing.T) {
	s, c, d := newSimClient(t, 1, 0, mailops.Options{})
	d.script("GetGroup", fault{Err: throttled(time.Hour)})
	var err error
	var at time.Time
	s.Go(func() {
		ctx, cancel := s.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = c.GetGroup(ctx, sales)
		at = s.Now()
	})
	require.NoError(t, s.Run())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, mailops.ErrThrottled)
	assert.Equal(t, epoch.Add(30*time.Second), at, "the backoff ends with the context, not the Retry-After")
	assert.Equal(t, 1, d.count("GetGroup"))
}

func TestRetryAfterPausesEveryProcess(t *testing.T) {
	s, c, d := newSimClient(t, 3, 2*time.Second, mailops.Options{MaxSessions: 2})
	for i := range 6 {
		d.script("SetGroupSenderAuthentication", fault{Err: throttled(time.Duration(10*(i+1)) * time.Second)})
	}
	for i := range 4 {
		g := salesGroup()
		g.PrimaryAddress = mailops.Address(fmt.Sprintf("g%d@%s", i, tenantDomain))
		d.putGroup(g)
		s.Go(func() {
			assert.NoError(t, c.SetGroupSenderAuthentication(context.Background(), g.PrimaryAddress, true))
		})
	}
	require.NoError(t, s.Run())
	calls := d.Calls()
	assert.Equal(t, 4+6, len(calls))
	assert.Equal(t, 2, d.MaxInFlight())
	throttles := 0
	for _, th := range calls {
		ra := retryAfterOf(th.Err)
		if ra == 0 {
			continue
		}
		throttles++
		for _, other := range calls {
			if !other.Start.Before(th.End) {
				assert.False(t, other.Start.Before(th.End.Add(ra)),
					"a call started at %s, inside the Retry-After %s of a call that ended at %s", other.Start, ra, th.End)
			}
		}
	}
	assert.Equal(t, 6, throttles)
}
