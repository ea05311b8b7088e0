package sim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCancellationCascadesWithoutFurtherEvents(t *testing.T) {
	s := New(1)
	ctxA, cancelA := context.WithCancel(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	var errA, errB error
	s.GoNamed("a", func() {
		errA = s.NewSignal().Wait(ctxA)
		cancelB() // woken by a context check, with no event left after it
	})
	s.GoNamed("b", func() { errB = s.NewSignal().Wait(ctxB) })
	s.GoNamed("c", func() {
		require.NoError(t, s.Sleep(context.Background(), time.Minute))
		cancelA()
	})
	require.NoError(t, s.Run(), "b is woken by a's cancel, not left for a deadlock")
	assert.ErrorIs(t, errA, context.Canceled)
	assert.ErrorIs(t, errB, context.Canceled)
	assert.Equal(t, Epoch().Add(time.Minute), s.Now())
}

func TestCancelWhileIdleIsSeenWhenRunResumes(t *testing.T) {
	s := New(1)
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	var at time.Duration
	s.Go(func() {
		err = s.Sleep(ctx, time.Hour)
		at = s.Now().Sub(Epoch())
	})
	require.NoError(t, s.RunFor(time.Minute))
	cancel() // from the test goroutine, while the loop is idle
	require.NoError(t, s.Run())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, time.Minute, at)
	assert.Zero(t, s.Pending(), "the sleep's wake-up was removed")
}

func TestWithTimeoutContext(t *testing.T) {
	s := New(1)
	ctx, cancel := s.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, hasDeadline := ctx.Deadline()
	assert.False(t, hasDeadline, "the virtual deadline is not exposed as a wall deadline")
	child, stop := context.WithCancel(ctx)
	defer stop()
	require.NoError(t, s.RunFor(59*time.Second))
	assert.NoError(t, ctx.Err())
	require.NoError(t, s.RunFor(time.Second))
	assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	assert.ErrorIs(t, context.Cause(child), context.DeadlineExceeded, "children end with it, synchronously")
	assert.ErrorIs(t, s.Sleep(child, time.Second), context.DeadlineExceeded)

	done, cancel2 := s.WithTimeout(context.Background(), 0)
	defer cancel2()
	assert.ErrorIs(t, done.Err(), context.DeadlineExceeded, "d <= 0 has already ended")

	early, cancel3 := s.WithTimeout(context.Background(), time.Hour)
	before := s.Pending()
	cancel3()
	assert.ErrorIs(t, early.Err(), context.Canceled)
	assert.Equal(t, before-1, s.Pending(), "cancel stops the timeout event")
}

func TestNestedTimeoutsTheShorterWins(t *testing.T) {
	s := New(1)
	var err error
	s.Go(func() {
		outer, c1 := s.WithTimeout(context.Background(), time.Hour)
		defer c1()
		inner, c2 := s.WithTimeout(outer, 2*time.Hour)
		defer c2()
		err = s.Sleep(inner, 3*time.Hour)
	})
	require.NoError(t, s.Run())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, Epoch().Add(time.Hour), s.Now(), "stopped timers do not advance the clock")
}

func TestSignalBeatsContextAtTheSameInstant(t *testing.T) {
	s := New(1)
	sig := s.NewSignal()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	s.GoNamed("waiter", func() { err = sig.Wait(ctx) })
	s.GoNamed("both", func() {
		require.NoError(t, s.Sleep(context.Background(), time.Second))
		sig.Fire()
		cancel()
	})
	require.NoError(t, s.Run())
	assert.NoError(t, err, "the signal fired before the context ended")
}

func TestTimedOutWaitsDoNotAccumulate(t *testing.T) {
	s := New(1)
	sig := s.NewSignal().(*signal)
	s.Go(func() {
		for range 50 {
			ctx, cancel := s.WithTimeout(context.Background(), time.Second)
			assert.ErrorIs(t, sig.Wait(ctx), context.DeadlineExceeded)
			cancel()
		}
	})
	require.NoError(t, s.Run())
	assert.Empty(t, sig.waiters)
	assert.Empty(t, s.watched)
	assert.Empty(t, s.byDone)
	assert.Equal(t, Epoch().Add(50*time.Second), s.Now())
}
