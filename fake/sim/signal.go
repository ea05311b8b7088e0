package sim

import (
	"context"

	"github.com/mailops-dev/mailops/mailops"
)

// NewSignal returns a one-shot Signal in virtual time.
func (s *Scheduler) NewSignal() mailops.Signal { return &signal{s: s} }

// signal is a one-shot wake-up. Its state is touched only on the loop or by
// the running process.
type signal struct {
	s       *Scheduler
	fired   bool
	waiters []*waiter // in the order they parked
}

// Fire schedules the parked waiters to wake at the current virtual time, in
// the order they parked, after the events already scheduled for now; later
// Waits return nil at once. Calling it again has no effect. It may be
// called from processes, from events, and from any goroutine while the loop
// is idle.
func (g *signal) Fire() {
	if g.fired {
		return
	}
	g.fired = true
	now := g.s.now.Load()
	for _, w := range g.waiters {
		if !w.woken {
			g.s.schedule(&w.ev, now)
		}
	}
	g.waiters = nil
}

// Wait parks the calling process until Fire or until ctx ends. It returns
// nil if the signal has fired (at once, from any goroutine, if it already
// had), else ctx's error. Like Sleep, it returns ErrNotProcess if it would
// have to park a caller that is not a simulated process, and ErrClosed
// after Close.
func (g *signal) Wait(ctx context.Context) error {
	if g.fired {
		return nil
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	p, err := g.s.current()
	if err != nil {
		return err
	}
	w := g.s.newWaiter(p, ctx)
	w.sig = g
	g.waiters = append(g.waiters, w)
	g.s.watch(w)
	return g.s.park(w)
}
