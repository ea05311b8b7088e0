package mailops

import (
	"context"
	"sync"
)

// sessions is a FIFO counting semaphore whose waiters block only through the
// Clock (a Signal each), so that it works under the simulator's virtual time
// as well as in real time. A released slot passes straight to the oldest
// waiter, so a late arrival cannot overtake a waiter.
type sessions struct {
	clk Clock
	max int

	mu      sync.Mutex // never held across a Clock call that blocks
	inUse   int
	waiters []*sessionWaiter
}

type sessionWaiter struct {
	sig     Signal
	granted bool
}

func newSessions(clk Clock, max int) *sessions {
	return &sessions{clk: clk, max: max}
}

// acquire takes a slot, waiting in line for one if all are in use. It returns
// ctx.Err() (holding no slot) if ctx ends first.
func (s *sessions) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.inUse < s.max && len(s.waiters) == 0 {
		s.inUse++
		s.mu.Unlock()
		return nil
	}
	w := &sessionWaiter{sig: s.clk.NewSignal()}
	s.waiters = append(s.waiters, w)
	s.mu.Unlock()

	err := w.sig.Wait(ctx)

	s.mu.Lock()
	if w.granted {
		s.mu.Unlock()
		if err != nil {
			// Granted and cancelled at the same moment: pass the slot on.
			s.release()
			return err
		}
		return nil
	}
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	if err == nil {
		// Cannot happen: only release fires, and it grants first.
		err = context.Canceled
	}
	return err
}

// release returns a slot, handing it to the oldest waiter if any.
func (s *sessions) release() {
	s.mu.Lock()
	if len(s.waiters) == 0 {
		s.inUse--
		s.mu.Unlock()
		return
	}
	w := s.waiters[0]
	s.waiters[0] = nil
	s.waiters = s.waiters[1:]
	w.granted = true
	s.mu.Unlock()
	w.sig.Fire()
}

// active reports the slots in use and the waiters, for tests and logs.
func (s *sessions) active() (inUse, waiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inUse, len(s.waiters)
}
