package sim

import (
	"context"
	"errors"
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

// watch registers a parked wait whose context can end.
func (s *Scheduler) watch(w *waiter) {
	if w.ctx == nil {
		return
	}
	if w.done = w.ctx.Done(); w.done != nil {
		s.watched = append(s.watched, w)
	}
}

// checkContexts wakes parked waits whose context has ended, in the order
// they parked, until none is left (a woken process may cancel more
// contexts). Called on the loop after every step. Standard contexts
// propagate cancellation to their children synchronously, inside the cancel
// call, so a cancel made by a process or event is always seen here, at the
// same virtual instant, whatever the goroutine scheduling.
func (s *Scheduler) checkContexts() {
	for len(s.watched) > 0 {
		keep := s.watched[:0]
		ended := s.ended[:0]
		for _, w := range s.watched {
			if w.woken {
				continue
			}
			select {
			case <-w.done:
				ended = append(ended, w)
			default:
				keep = append(keep, w)
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
