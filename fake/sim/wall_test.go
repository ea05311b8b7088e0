package sim

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWallEventsAndTimers(t *testing.T) {
	w := NewWall(1)
	done := make(chan string, 3)
	w.After(2*time.Millisecond, "b", func() { done <- "b" })
	w.After(time.Millisecond, "a", func() { done <- "a" })
	w.At(w.Now().Add(-time.Hour), "past", func() { done <- "past" })
	stopped := w.After(time.Hour, "never", func() { done <- "never" })
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop())
	assert.ElementsMatch(t, []string{"a", "b", "past"}, []string{<-done, <-done, <-done})
}

func TestWallSerialisesCallbacks(t *testing.T) {
	w := NewWall(1)
	var wg sync.WaitGroup
	counter := 0 // unguarded: only events and Do touch it; -race checks the serialisation
	for i := range 50 {
		wg.Add(2)
		w.After(time.Duration(i%3)*time.Millisecond, "inc", func() { counter++; wg.Done() })
		w.GoNamed("p", func() { w.Do(func() { counter++ }); wg.Done() })
	}
	wg.Wait()
	w.Do(func() { assert.Equal(t, 100, counter) })
}

func TestWallProcessesSignalsAndTimeouts(t *testing.T) {
	w := NewWall(1)
	sig := w.NewSignal()
	w.Go(sig.Fire)
	require.NoError(t, sig.Wait(context.Background()))
	require.NoError(t, w.Sleep(context.Background(), time.Millisecond))

	ctx, cancel := w.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, w.NewSignal().Wait(ctx), context.DeadlineExceeded)
	assert.ErrorIs(t, w.Sleep(ctx, time.Hour), context.DeadlineExceeded)
}

func TestWallRandMatchesScheduler(t *testing.T) {
	assert.Equal(t, New(5).Rand("x").Uint64(), NewWall(5).Rand("x").Uint64(), "same randomness as the simulator")
	assert.NotEqual(t, NewWall(5).Rand("x").Uint64(), NewWall(5).Rand("y").Uint64())
}

// TestSameModelOnBothExecutors runs one model, written against Env, in
// virtual and in real time, and gets the same result.
func TestSameModelOnBothExecutors(t *testing.T) {
	model := func(env Env, done func([]string)) {
		var mu sync.Mutex
		var log []string
		note := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
		ready := env.NewSignal()
		env.GoNamed("worker", func() {
			require.NoError(t, ready.Wait(context.Background()))
			note("worker saw ready")
			require.NoError(t, env.Sleep(context.Background(), time.Millisecond))
			note("worker slept")
			env.After(time.Millisecond, "finish", func() { note("finished"); done(log) })
		})
		env.After(time.Millisecond, "ready", func() { note("ready"); ready.Fire() })
	}

	s := New(3)
	var simLog []string
	model(s, func(l []string) { simLog = append([]string(nil), l...) })
	require.NoError(t, s.Run())

	w := NewWall(3)
	ch := make(chan []string, 1)
	model(w, func(l []string) { ch <- append([]string(nil), l...) })
	wallLog := <-ch

	want := []string{"ready", "worker saw ready", "worker slept", "finished"}
	assert.Equal(t, want, simLog)
	assert.Equal(t, want, wallLog)
}
