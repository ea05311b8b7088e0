package mailops

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitFor yields until cond holds. The conditions are reached by goroutines
// that block only on the semaphore, so no clock is needed.
func waitFor(cond func() bool) {
	for !cond() {
		runtime.Gosched()
	}
}

func TestSessionsFIFOAndBound(t *testing.T) {
	s := newSessions(WallClock{}, 2)
	ctx := context.Background()
	require.NoError(t, s.acquire(ctx))
	require.NoError(t, s.acquire(ctx))

	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 4 {
		// Start the waiters one after another so their queue order is known.
		wg.Go(func() {
			assert.NoError(t, s.acquire(ctx))
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		})
		waitFor(func() bool { _, w := s.active(); return w == i+1 })
	}
	inUse, waiting := s.active()
	assert.Equal(t, 2, inUse)
	assert.Equal(t, 4, waiting)

	for i := range 4 {
		s.release()
		waitFor(func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == i+1 })
		inUse, _ := s.active()
		assert.Equal(t, 2, inUse, "a released slot passes to the next waiter")
	}
	wg.Wait()
	assert.Equal(t, []int{0, 1, 2, 3}, order, "first come, first served")
	s.release()
	s.release()
	inUse, waiting = s.active()
	assert.Zero(t, inUse)
	assert.Zero(t, waiting)
}

func TestSessionsCancelWhileWaiting(t *testing.T) {
	s := newSessions(WallClock{}, 1)
	require.NoError(t, s.acquire(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.acquire(ctx) }()
	waitFor(func() bool { _, w := s.active(); return w == 1 })
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	inUse, waiting := s.active()
	assert.Equal(t, 1, inUse)
	assert.Zero(t, waiting, "the cancelled waiter left the queue")
	s.release()
	inUse, _ = s.active()
	assert.Zero(t, inUse, "the slot is not handed to a cancelled waiter")

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	require.ErrorIs(t, s.acquire(cancelled), context.Canceled, "a done context never takes a slot")
	inUse, _ = s.active()
	assert.Zero(t, inUse)
}
