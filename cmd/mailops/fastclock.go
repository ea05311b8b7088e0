package main

import (
	"context"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// fastClock is the wall clock with waits skipped: Sleep returns at once and
// moves the clock forward by the time it would have slept, so that gates
// still poll and time out as many times as they would. Only for a fake
// tenant (apply --skip-waits refuses any other).
type fastClock struct {
	wall mailops.WallClock
	mu   sync.Mutex
	skip time.Duration
}

// Now is the wall time plus every skipped wait.
func (c *fastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall.Now().Add(c.skip)
}

// Sleep skips d.
func (c *fastClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.skip += d
		c.mu.Unlock()
	}
	return nil
}

// NewSignal is the wall clock's.
func (c *fastClock) NewSignal() mailops.Signal { return c.wall.NewSignal() }

// Go is the wall clock's.
func (c *fastClock) Go(fn func()) { c.wall.Go(fn) }
