package mailops

import (
	"context"
	"time"
)

// Clock is the library's only source of time and its seam to concurrency.
// The simulator supplies a virtual-time implementation (fake/sim) in which
// goroutines started with Go run one at a time, deterministically; real use
// supplies WallClock.
//
// Library code must not call time.Now, time.Sleep, or block on channels shared
// between goroutines: it sleeps with Sleep, waits with a Signal, and starts
// goroutines with Go.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks for d or until ctx is done, whichever is first, and
	// returns ctx.Err() in the second case. d <= 0 returns at once (after
	// checking ctx).
	Sleep(ctx context.Context, d time.Duration) error
	// NewSignal returns a one-shot signal.
	NewSignal() Signal
	// Go runs fn concurrently. Under a virtual clock fn runs as a simulated
	// process.
	Go(fn func())
}

// Signal is a one-shot wake-up: Fire releases every current and future Wait.
type Signal interface {
	// Wait blocks until Fire has been called or ctx is done. It returns nil
	// if the signal fired (even before Wait was called), else ctx.Err().
	Wait(ctx context.Context) error
	// Fire releases the waiters. Calling it more than once has no effect.
	Fire()
}
