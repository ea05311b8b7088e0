package sim

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Wall runs the same model in real time, for labs: events fire on real
// timers, serialised so that model callbacks still run one at a time;
// processes are plain goroutines; Sleep really sleeps. It is the only part of
// the simulator that reads the wall clock.
type Wall struct {
	seed uint64
	mu   sync.Mutex // serialises event callbacks
	wc   mailops.WallClock
}

// NewWall returns a wall-clock executor whose randomness derives from seed.
func NewWall(seed uint64) *Wall { return &Wall{seed: seed} }

// Now returns the wall-clock time.
func (w *Wall) Now() time.Time { return time.Now() }

// Sleep sleeps for real.
func (w *Wall) Sleep(ctx context.Context, d time.Duration) error { return w.wc.Sleep(ctx, d) }

// NewSignal returns a channel-backed Signal.
func (w *Wall) NewSignal() mailops.Signal { return w.wc.NewSignal() }

// Go starts fn in a goroutine.
func (w *Wall) Go(fn func()) { go fn() }

// Rand returns the subsystem's generator, derived from the seed as in the
// Scheduler.
func (w *Wall) Rand(subsystem string) *rand.Rand { return newRand(w.seed, subsystem) }

// At runs fn at wall time t, serialised with other events.
func (w *Wall) At(t time.Time, name string, fn func()) *Timer {
	return w.After(time.Until(t), name, fn)
}

// After runs fn after d, serialised with other events.
func (w *Wall) After(d time.Duration, _ string, fn func()) *Timer {
	t := time.AfterFunc(max(d, 0), func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		fn()
	})
	return &Timer{stop: t.Stop}
}

// Do runs fn serialised with event callbacks, for code outside events that
// touches the model.
func (w *Wall) Do(fn func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn()
}
