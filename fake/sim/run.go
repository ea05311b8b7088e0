package sim

import (
	"errors"
	"math"
	"runtime/debug"
	"slices"
	"time"
)

// Run runs the loop until nothing is left to run. It returns nil if every
// process has ended, a *DeadlockError if processes remain parked with no
// event scheduled that could wake them, a *PanicError if a process or an
// event panicked (the run stops there), and ErrClosed after Close. After a
// deadlock, code outside the loop may schedule events or fire signals and
// call Run again.
func (s *Scheduler) Run() error { return s.run(math.MaxInt64, false) }

// RunUntil runs every event up to and including virtual time t, then sets
// the clock to t (if it is later). Parked processes stay parked, and Run or
// RunUntil continue from there. It reports panics like Run, but not
// deadlocks.
func (s *Scheduler) RunUntil(t time.Time) error { return s.run(s.offset(t), true) }

// RunFor is RunUntil(Now()+d).
func (s *Scheduler) RunFor(d time.Duration) error {
	return s.run(addSat(s.now.Load(), d), true)
}

func (s *Scheduler) run(until int64, bounded bool) error {
	if s.running {
		return errors.New("sim: Run called from inside the loop")
	}
	if s.closed {
		return ErrClosed
	}
	s.running = true
	defer func() { s.running = false }()
	s.checkContexts() // contexts cancelled while the loop was idle
	var done *Timer   // the last event run, if its storage is to be recycled
	for s.failure == nil && !s.closed {
		s.mu.Lock()
		if done != nil {
			s.recycleLocked(done)
			done = nil
		}
		if len(s.events) == 0 || s.events[0].at > until {
			if bounded && s.now.Load() < until {
				s.now.Store(until)
			}
			s.mu.Unlock()
			break
		}
		e := s.events.pop()
		if e.at != s.now.Load() { // many events share an instant; a store is a locked exchange
			s.now.Store(e.at)
		}
		s.mu.Unlock()
		s.lastSeq = e.seq
		s.dispatch(e)
		if e.reuse {
			done = e
		}
		s.checkContexts()
	}
	if done != nil {
		s.mu.Lock()
		s.recycleLocked(done)
		s.mu.Unlock()
	}
	switch {
	case s.failure != nil:
		return s.failure
	case s.closed: // Close was called from inside the loop
		s.running = false
		s.finish()
		return ErrClosed
	case !bounded && len(s.live) > 0:
		return &DeadlockError{At: s.Now(), Processes: s.liveNames()}
	}
	return nil
}

// dispatch runs one event.
func (s *Scheduler) dispatch(e *Timer) {
	switch e.kind {
	case evWake:
		if s.trace != nil {
			s.trace(TraceEntry{At: s.Now(), Seq: e.seq, Kind: "event", Name: e.traceName()})
		}
		s.steps++
		s.resume(e.w, nil)
	case evStart:
		if s.trace != nil {
			s.trace(TraceEntry{At: s.Now(), Seq: e.seq, Kind: "event", Name: e.traceName()})
		}
		s.steps++
		if _, ok := s.live[e.p]; ok {
			s.runProc(e.p)
		}
	default:
		if s.trace != nil {
			s.trace(TraceEntry{At: s.Now(), Seq: e.seq, Kind: "event", Name: e.name})
		}
		s.steps++
		s.runEvent(e)
	}
}

// runEvent calls an event's function, turning a panic into the failure.
func (s *Scheduler) runEvent(e *Timer) {
	defer func() {
		if r := recover(); r != nil && s.failure == nil {
			s.failure = &PanicError{Process: "event " + e.name, Value: r, Stack: string(debug.Stack())}
		}
	}()
	if e.kind == evRun {
		e.r.Run()
		return
	}
	e.fn()
}

func (s *Scheduler) liveNames() []string {
	out := make([]string, 0, len(s.live))
	for p := range s.live {
		out = append(out, p.name)
	}
	slices.Sort(out)
	return out
}

// Close ends the simulation so that no goroutine is left behind: pending
// events are dropped, processes that never started are discarded, and every
// parked process is woken with ErrClosed (its later Sleeps and Waits fail
// with ErrClosed too) and runs, one at a time, until it ends. A process
// that keeps running after ErrClosed keeps Close waiting. Later calls to
// Run, GoNamed and the blocking calls do nothing or return ErrClosed.
//
// Call it when a test is done with a Scheduler, typically deferred. Called
// from inside the loop (from a process or an event), it takes effect when
// that step ends, and the Run in progress returns ErrClosed.
func (s *Scheduler) Close() {
	if s.closed {
		return
	}
	s.closed = true
	if !s.running {
		s.finish()
	}
}

// finish drops pending events and lets every live process end.
func (s *Scheduler) finish() {
	s.mu.Lock()
	for _, e := range s.events {
		e.index = -1
	}
	clear(s.events)
	s.events = s.events[:0]
	s.mu.Unlock()
	s.watched, s.byDone, s.ended = nil, nil, nil
	for len(s.live) > 0 {
		progressed := false
		for _, p := range s.liveSorted() {
			switch {
			case !p.started:
				delete(s.live, p) // no goroutine yet: nothing to end
				progressed = true
			case p.w != nil && !p.w.woken:
				s.resume(p.w, ErrClosed)
				progressed = true
			}
		}
		if !progressed {
			return
		}
	}
}
