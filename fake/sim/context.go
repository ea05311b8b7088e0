package sim

import (
	"context"
	"errors"
	"slices"
	"time"
)

// ctxErr is ctx.Err(), except that a context ended by a virtual timeout (or
// derived from one) reports context.DeadlineExceeded, as it would have had
// the timeout been real.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// watchGroup is the parked waits under one context (one Done channel):
// many processes often share a context, so the loop polls each channel
// once per step, not each wait.
type watchGroup struct {
	done    <-chan struct{}
	waiters []*waiter // in the order they parked; woken ones are dropped lazily
	pending int       // waiters not yet woken
}

// watch registers a parked wait whose context can end.
func (s *Scheduler) watch(w *waiter) {
	if w.ctx == nil {
		return
	}
	if w.done = w.ctx.Done(); w.done == nil {
		return
	}
	g := s.byDone[w.done]
	if g == nil {
		if s.byDone == nil {
			s.byDone = map[<-chan struct{}]*watchGroup{}
		}
		g = &watchGroup{done: w.done}
		s.byDone[w.done] = g
		s.watched = append(s.watched, g)
	}
	if len(g.waiters) > 2*g.pending+8 { // drop woken waits
		g.waiters = slices.DeleteFunc(g.waiters, func(x *waiter) bool { return x.woken })
	}
	g.waiters = append(g.waiters, w)
	g.pending++
	w.group = g
}

// unwatch notes that w has been woken.
func (w *waiter) unwatch() {
	if w.group != nil {
		w.group.pending--
		w.group = nil
	}
}

// checkContexts wakes parked waits whose context has ended, until none is
// left (a woken process may cancel more contexts): contexts in the order
// their first wait parked, and each context's waits in the order they
// parked. Called on the loop after every step. Standard contexts propagate
// cancellation to their children synchronously, inside the cancel call, so
// a cancel made by a process or event is always seen here, at the same
// virtual instant, whatever the goroutine scheduling.
func (s *Scheduler) checkContexts() {
	for len(s.watched) > 0 {
		keep := s.watched[:0]
		ended := s.ended[:0]
		for _, g := range s.watched {
			if g.pending == 0 {
				delete(s.byDone, g.done)
				continue
			}
			select {
			case <-g.done:
				delete(s.byDone, g.done)
				for _, w := range g.waiters {
					if !w.woken {
						ended = append(ended, w)
					}
				}
			default:
				keep = append(keep, g)
			}
		}
		clear(s.watched[len(keep):])
		s.watched = keep
		if len(ended) == 0 {
			s.ended = ended
			return
		}
		for _, w := range ended {
			s.resume(w, ctxErr(w.ctx))
		}
		clear(ended)
		s.ended = ended[:0]
	}
}

// WithTimeout returns a copy of ctx that ends after d of virtual time: its
// Err is then context.DeadlineExceeded, and Sleep and Signal.Wait under it
// (or under a context derived from it) return context.DeadlineExceeded.
// Cancelling it early stops the timeout event. d <= 0 gives a context that
// has already ended.
//
// The virtual deadline is not reported by Deadline: code that turns a
// deadline into a socket timeout compares it with the wall clock, and would
// see a virtual deadline as long past. Contexts derived from it with the
// standard library report context.Canceled from Err (their Cause is
// context.DeadlineExceeded).
func (s *Scheduler) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	inner, cancel := context.WithCancelCause(ctx)
	c := &timeoutCtx{Context: inner}
	if d <= 0 {
		cancel(context.DeadlineExceeded)
		return c, func() { cancel(context.Canceled) }
	}
	t := s.After(d, "timeout", func() { cancel(context.DeadlineExceeded) })
	return c, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// timeoutCtx is a cancellable context whose Err reports a virtual timeout
// as context.DeadlineExceeded. Done and Value are the embedded standard
// context's, so contexts derived from it register with it synchronously.
type timeoutCtx struct{ context.Context }

func (c *timeoutCtx) Err() error { return ctxErr(c.Context) }

func (c *timeoutCtx) String() string { return "sim.WithTimeout" }
