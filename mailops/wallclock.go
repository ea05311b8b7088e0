package mailops

import (
	"context"
	"sync"
	"time"
)

// WallClock is the real-time Clock, for use against a real tenant. It is the
// only place in the library that reads the wall clock.
type WallClock struct{}

// Now returns the wall-clock time.
func (WallClock) Now() time.Time { return time.Now() }

// Sleep waits for d of real time or until ctx is done.
func (WallClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewSignal returns a channel-backed Signal.
func (WallClock) NewSignal() Signal { return &chanSignal{ch: make(chan struct{})} }

// Go starts fn in a new goroutine.
func (WallClock) Go(fn func()) { go fn() }

type chanSignal struct {
	once sync.Once
	ch   chan struct{}
}

func (s *chanSignal) Fire() { s.once.Do(func() { close(s.ch) }) }

func (s *chanSignal) Wait(ctx context.Context) error {
	select {
	case <-s.ch:
		return nil
	default:
	}
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
