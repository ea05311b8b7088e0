package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// sleepCounter is a Clock that counts sleeps with d > 0.
type sleepCounter struct {
	*sim.Scheduler
	positive int
}

func (c *sleepCounter) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.positive++
	}
	return c.Scheduler.Sleep(ctx, d)
}

func TestZeroLatencyNeverSleeps(t *testing.T) {
	s := sim.New(1)
	t.Cleanup(s.Close)
	clk := &sleepCounter{Scheduler: s}
	cloud := fake.NewCloud(clk, s.Rand("cloud"), fake.DefaultCloudConfig())
	d := cloud.NewTenant("contoso", fake.InstantTenantConfig()).Driver("admin")
	dom, err := d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	_, err = d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	require.NoError(t, d.EnableEmail(bg, "contoso.com"), "no propagation: accepted at once")
	require.NoError(t, d.CreateRecipient(bg, mailops.Recipient{Address: "a@contoso.com", Kind: mailops.Mailbox, DisplayName: "A"}))
	_, err = d.ListRecipients(bg)
	require.NoError(t, err)
	assert.Zero(t, clk.positive, "calls from outside a process work because nothing sleeps")

	lat := fake.InstantTenantConfig()
	lat.Latency = fake.Fixed(time.Second)
	d2 := cloud.NewTenant("fabrikam", lat).Driver("admin")
	s.Go(func() {
		_, err := d2.ListDomains(bg)
		assert.NoError(t, err)
	})
	require.NoError(t, s.Run())
	assert.Equal(t, 1, clk.positive, "a call with latency sleeps through the clock")
}

func TestCancelledDuringLatencyIsNotApplied(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Latency = fake.Fixed(10 * time.Second)
	w := newWorld(t, cfg)
	var err error
	w.s.Go(func() {
		ctx, cancel := w.s.WithTimeout(bg, time.Second)
		defer cancel()
		_, err = w.d.AddDomain(ctx, "contoso.com")
	})
	require.NoError(t, w.s.Run())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	w.s.Go(func() {
		_, err = w.d.GetDomain(bg, "contoso.com")
	})
	require.NoError(t, w.s.Run())
	assert.ErrorIs(t, err, mailops.ErrNotFound, "the call was abandoned before it was applied")
}

func TestSessionsAreReleased(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Latency = fake.Uniform(time.Second, 3*time.Second)
	cfg.SessionLimit = 2
	w := newWorld(t, cfg)
	ok := 0
	for i := 0; i < 2; i++ {
		w.s.Go(func() {
			for j := 0; j < 10; j++ {
				_, err := w.d.ListDomains(bg)
				assert.NoError(t, err, "two sequential workers never exceed two sessions")
				ok++
			}
		})
	}
	require.NoError(t, w.s.Run())
	assert.Equal(t, 20, ok)
	var third error
	w.s.Go(func() { _, _ = w.d.ListDomains(bg) })
	w.s.Go(func() { _, _ = w.d.ListDomains(bg) })
	w.s.Go(func() { _, third = w.d.ListDomains(bg) })
	require.NoError(t, w.s.Run())
	require.ErrorIs(t, third, mailops.ErrTooManySessions)
	// REST era: a call over the concurrency limit is throttled (429 with
	// Retry-After), not refused with the remote PowerShell runspace error.
	assert.Contains(t, third.Error(), "too many concurrent requests (more than 2 in flight)")
	var te *mailops.ThrottledError
	require.ErrorAs(t, third, &te)
	assert.Equal(t, time.Second, te.RetryAfter)
	log := w.t.CallLog()
	last := log[len(log)-1]
	assert.Equal(t, "admin", last.Admin)
	assert.Equal(t, "ListDomains", last.Op)
	assert.True(t, last.End.After(last.Start), "the last call to end is one that ran")
}

func TestThrottleRetryAfterRoundsUp(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Throttle = fake.Throttle{Rate: 0.3, Burst: 1}
	w := newWorld(t, cfg)
	_, err := w.d.ListDomains(bg)
	require.NoError(t, err)
	_, err = w.d.ListDomains(bg)
	var te *mailops.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "ListDomains", te.Op)
	assert.Equal(t, 4*time.Second, te.RetryAfter, "1/0.3 = 3.33s, rounded up to whole seconds")
	require.NoError(t, w.s.RunFor(time.Second))
	_, err = w.d.ListDomains(bg)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3*time.Second, te.RetryAfter, "a second later, 2.33s, rounded up")
	require.NoError(t, w.s.RunFor(te.RetryAfter))
	_, err = w.d.ListDomains(bg)
	require.NoError(t, err)
	log := w.t.CallLog()
	require.Len(t, log, 4)
	assert.Equal(t, []time.Duration{0, 4 * time.Second, 3 * time.Second, 0},
		[]time.Duration{log[0].RetryAfter, log[1].RetryAfter, log[2].RetryAfter, log[3].RetryAfter})
}

func TestRandomThrottleRetryAfterIsWholeSeconds(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Faults = fake.RandomFaults{Throttle: 1, ThrottleRetryAfter: fake.Uniform(0, 1500*time.Millisecond)}
	w := newWorld(t, cfg)
	for i := 0; i < 50; i++ {
		_, err := w.d.ListDomains(bg)
		var te *mailops.ThrottledError
		require.ErrorAs(t, err, &te)
		assert.Contains(t, []time.Duration{time.Second, 2 * time.Second}, te.RetryAfter)
	}
}

func TestFaultOnACallRefusedEarlierFiresOnTheNext(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Throttle = fake.Throttle{Rate: 1, Burst: 1}
	w := newWorld(t, cfg)
	w.t.InjectFault(fake.Fault{Op: "ListDomains", Nth: 2, Kind: fake.FaultError})
	_, err := w.d.ListDomains(bg)
	require.NoError(t, err)
	_, err = w.d.ListDomains(bg)
	require.ErrorIs(t, err, mailops.ErrThrottled, "the 2nd call is refused by the bucket before the fault")
	require.NoError(t, w.s.RunFor(time.Second))
	_, err = w.d.ListDomains(bg)
	require.ErrorIs(t, err, mailops.ErrUnavailable, "the fault fires on the next call that reaches the service")
	require.NoError(t, w.s.RunFor(time.Second))
	_, err = w.d.ListDomains(bg)
	require.NoError(t, err, "a fault fires once")
}

func TestReplyLostOnEveryKindOfWrite(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	lose := func(op string) { w.t.InjectFault(fake.Fault{Op: op, Kind: fake.FaultReplyLost}) }

	lose("CreateRecipient")
	err := w.d.CreateRecipient(bg, mailops.Recipient{Address: "a@contoso.com", Kind: mailops.Mailbox, DisplayName: "A"})
	require.ErrorIs(t, err, mailops.ErrUnavailable)
	_, err = w.d.GetRecipient(bg, "a@contoso.com")
	require.NoError(t, err, "applied")

	lose("DeleteRecipient")
	require.ErrorIs(t, w.d.DeleteRecipient(bg, "a@contoso.com"), mailops.ErrUnavailable)
	_, err = w.d.GetRecipient(bg, "a@contoso.com")
	require.ErrorIs(t, err, mailops.ErrNotFound, "applied")

	lose("SetDomainType")
	require.ErrorIs(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay), mailops.ErrUnavailable)
	dom, err := w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.InternalRelay, dom.Type, "applied")

	// A lost reply on a refused call reports the refusal: nothing was applied.
	lose("SetDomainType")
	require.ErrorIs(t, w.d.SetDomainType(bg, "nope.example", mailops.InternalRelay), mailops.ErrNotFound)
	for _, c := range w.t.CallLog() {
		if c.Op == "SetDomainType" && c.Target == "contoso.com" {
			assert.ErrorIs(t, c.Err, mailops.ErrUnavailable, "the call log shows what the caller saw")
		}
	}
}
