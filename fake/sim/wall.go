package sim

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Wall runs the same model in real time, for labs: events fire on real
// timers, serialised by a mutex so that model callbacks still run one at a
// time; processes are plain goroutines (not serialised with events: model
// state they share with events must be touched inside Do); Sleep really
// sleeps. It is the only part of the simulator that reads the wall clock.
// Unlike the Scheduler, a panic in an event or process crashes the program.
type Wall struct {
	seed uint64
	mu   sync.Mutex // serialises event callbacks and Do
	wc   mailops.WallClock
}

// NewWall returns a wall-clock executor whose randomness derives from seed
// exactly as a Scheduler's does.
func NewWall(seed uint64) *Wall { return &Wall{seed: seed} }

// Now returns the wall-clock time.
func (w *Wall) Now() time.Time { return time.Now() }

// Sleep sleeps for real, or until ctx ends.
func (w *Wall) Sleep(ctx context.Context, d time.Duration) error { return w.wc.Sleep(ctx, d) }

// NewSignal returns a channel-backed Signal.
func (w *Wall) NewSignal() mailops.Signal { return w.wc.NewSignal() }

// Go starts fn in a goroutine.
func (w *Wall) Go(fn func()) { go fn() }

// GoNamed starts fn in a goroutine; the name is not used.
func (w *Wall) GoNamed(_ string, fn func()) { go fn() }

// WithTimeout is context.WithTimeout.
func (w *Wall) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// Rand returns the subsystem's generator, derived from the seed as in the
// Scheduler.
func (w *Wall) Rand(subsystem string) *rand.Rand { return newRand(w.seed, subsystem) }

// At runs fn at wall time t (at once if t is past), serialised with other
// events.
func (w *Wall) At(t time.Time, name string, fn func()) *Timer {
	return w.After(time.Until(t), name, fn)
}

// After runs fn after d, serialised with other events.
func (w *Wall) After(d time.Duration, name string, fn func()) *Timer {
	t := time.AfterFunc(max(d, 0), func() { w.Do(fn) })
	return &Timer{index: -1, name: name, stop: t.Stop}
}

// Do runs fn serialised with event callbacks, for code outside events (a
// process, a lab's main) that touches the model.
func (w *Wall) Do(fn func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn()
}
