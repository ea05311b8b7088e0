package sim

import (
	"context"
	"fmt"
	"iter"
	"runtime/debug"
	"slices"
	"time"
)

// proc is a simulated process: a goroutine that runs only while the loop
// has handed it control.
type proc struct {
	id   int
	name string
	fn   func()
	// next resumes the process (a coroutine: iter.Pull) until it parks
	// or ends; yield, called by the process, hands control back.
	next    func() (struct{}, bool)
	yield   func(struct{}) bool
	started bool
	w       *waiter // the wait it is parked in; nil when not parked
}

// waiter is one parked Sleep or Signal.Wait.
type waiter struct {
	ev    Timer // its wake-up: the end of a Sleep, or scheduled by Fire
	p     *proc
	ctx   context.Context
	done  <-chan struct{} // ctx.Done(), nil if ctx cannot end
	sig   *signal         // for a Wait
	group *watchGroup     // while watched
	woken bool
	err   error
}

func (s *Scheduler) newWaiter(p *proc, ctx context.Context) *waiter {
	w := &waiter{p: p, ctx: ctx}
	w.ev = Timer{index: -1, kind: evWake, w: w, s: s}
	return w
}

// Go starts fn as a simulated process (mailops.Clock).
func (s *Scheduler) Go(fn func()) { s.GoNamed("", fn) }

// GoNamed starts fn as a simulated process named for traces, deadlock and
// panic reports ("proc-<id>" if name is empty). The process first runs at
// the current virtual time, after the events already scheduled for it. It
// may be called from events, from processes, and from any goroutine while
// the loop is idle. After Close it does nothing.
func (s *Scheduler) GoNamed(name string, fn func()) {
	if s.closed {
		return
	}
	s.nextPID++
	p := &proc{id: s.nextPID, name: name, fn: fn}
	if p.name == "" {
		p.name = fmt.Sprintf("proc-%d", p.id)
	}
	s.live[p] = struct{}{}
	s.schedule(&Timer{kind: evStart, p: p, s: s}, s.now.Load())
}

// body is a process's coroutine: it runs fn, then hands control back for
// good. A panic becomes the Scheduler's failure; runtime.Goexit (t.FailNow)
// just ends the process: the coroutine hands control back from the middle
// of its Goexit and is never resumed (iter.Pull would otherwise carry the
// Goexit into the loop's goroutine), so it stays parked until the program
// ends, a goroutine for each such process.
func (s *Scheduler) body(p *proc) {
	returned := false
	defer func() {
		r := recover()
		if r != nil && s.failure == nil {
			s.failure = &PanicError{Process: p.name, Value: r, Stack: string(debug.Stack())}
		}
		delete(s.live, p)
		if r == nil && !returned {
			p.yield(struct{}{})
		}
	}()
	if !s.closed {
		p.fn()
	}
	returned = true
}

// runProc hands control to p until it parks or ends. Called on the loop.
func (s *Scheduler) runProc(p *proc) {
	s.steps++
	if s.trace != nil {
		s.trace(TraceEntry{At: s.Now(), Seq: s.lastSeq, Kind: "proc", Name: p.name})
	}
	prev := s.cur
	s.cur = p
	if !p.started {
		p.started = true
		p.next, _ = iter.Pull(func(yield func(struct{}) bool) {
			p.yield = yield
			s.body(p)
		})
	}
	p.next()
	s.cur = prev
}

// park hands control back to the loop until w is resumed, and returns the
// error it was resumed with. Called by the running process.
func (s *Scheduler) park(w *waiter) error {
	p := w.p
	p.w = w
	p.yield(struct{}{})
	p.w = nil
	return w.err
}

// resume wakes w's process with err, once, and runs it until it parks or
// ends. Called on the loop.
func (s *Scheduler) resume(w *waiter, err error) {
	if w.woken {
		return
	}
	w.woken, w.err = true, err
	w.unwatch()
	if w.ev.index >= 0 {
		s.unschedule(&w.ev)
	}
	if g := w.sig; g != nil {
		if g.fired {
			w.err = nil // fired at the same instant: the signal wins
		}
		if i := slices.Index(g.waiters, w); i >= 0 {
			g.waiters = slices.Delete(g.waiters, i, i+1)
		}
	}
	s.runProc(w.p)
}

// current returns the running process, or an error if the caller cannot
// block: the Scheduler is closed, or the caller is not a simulated process.
func (s *Scheduler) current() (*proc, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if s.cur == nil {
		return nil, ErrNotProcess
	}
	return s.cur, nil
}

// Sleep parks the calling process for d of virtual time, or until ctx ends
// (then it returns ctx's error, context.DeadlineExceeded for a WithTimeout
// that expired). With d <= 0 it returns at once, after checking ctx, from
// any goroutine. With d > 0 the caller must be a simulated process (started
// with Go or GoNamed): from anywhere else Sleep returns ErrNotProcess rather
// than deadlocking, and after Close it returns ErrClosed.
//
// A goroutine that a process starts with the go statement (rather than Go)
// is not a process; the Scheduler cannot tell it apart from the process
// that started it, so it must not call Sleep or Wait with d > 0.
func (s *Scheduler) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	p, err := s.current()
	if err != nil {
		return err
	}
	w := s.newWaiter(p, ctx)
	s.schedule(&w.ev, addSat(s.now.Load(), d))
	s.watch(w)
	return s.park(w)
}

// Live returns how many processes have not ended.
func (s *Scheduler) Live() int { return len(s.live) }

// liveSorted returns the live processes in id (creation) order.
func (s *Scheduler) liveSorted() []*proc {
	ps := make([]*proc, 0, len(s.live))
	for p := range s.live {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *proc) int { return a.id - b.id })
	return ps
}
