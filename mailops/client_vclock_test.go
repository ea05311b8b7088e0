package mailops_test

import (
	"container/heap"
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// vclock is a minimal deterministic virtual-time scheduler for this
// package's concurrency tests, written before fake/sim existed: processes
// started with Go run one at a time and block only through Sleep and Signal
// Wait; Run executes them and the timer events in (time, sequence) order.
// Contexts that end in virtual time come from WithTimeout/WithCancel; other
// contexts are only checked, never waited on. Every method except Run is
// called from processes (or before Run starts).
type vclock struct {
	now      time.Time
	seq      uint64
	events   eventHeap
	ready    []*vproc
	cur      *vproc
	live     int
	yield    chan struct{}
	watchers map[context.Context][]*vwait
	panicked any
}

type vproc struct{ wake chan struct{} }

// vwait is one blocked Sleep or Wait; done is set by whoever wakes it first.
type vwait struct {
	p     *vproc
	done  bool
	byCtx bool
}

type vevent struct {
	at  time.Time
	seq uint64
	fn  func()
}

type eventHeap []vevent

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(vevent)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newVClock() *vclock {
	return &vclock{now: epoch, yield: make(chan struct{}), watchers: map[context.Context][]*vwait{}}
}

func (c *vclock) Now() time.Time { return c.now }

func (c *vclock) at(t time.Time, fn func()) {
	c.seq++
	heap.Push(&c.events, vevent{at: t, seq: c.seq, fn: fn})
}

func (c *vclock) wakeup(w *vwait, byCtx bool) {
	if w.done {
		return
	}
	w.done, w.byCtx = true, byCtx
	c.ready = append(c.ready, w.p)
}

// park blocks the current process until w is woken.
func (c *vclock) park(ctx context.Context, w *vwait) {
	if ctx.Done() != nil {
		c.watchers[ctx] = append(c.watchers[ctx], w)
	}
	p := c.cur
	c.yield <- struct{}{}
	<-p.wake
}

func (c *vclock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	w := &vwait{p: c.cur}
	c.at(c.now.Add(d), func() { c.wakeup(w, false) })
	c.park(ctx, w)
	if w.byCtx {
		return ctx.Err()
	}
	return nil
}

type vsignal struct {
	c       *vclock
	fired   bool
	waiters []*vwait
}

func (c *vclock) NewSignal() mailops.Signal { return &vsignal{c: c} }

func (s *vsignal) Fire() {
	if s.fired {
		return
	}
	s.fired = true
	for _, w := range s.waiters {
		s.c.wakeup(w, false)
	}
	s.waiters = nil
}

func (s *vsignal) Wait(ctx context.Context) error {
	if s.fired {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &vwait{p: s.c.cur}
	s.waiters = append(s.waiters, w)
	s.c.park(ctx, w)
	if w.byCtx {
		return ctx.Err()
	}
	return nil
}

func (c *vclock) Go(fn func()) {
	p := &vproc{wake: make(chan struct{})}
	c.live++
	c.ready = append(c.ready, p)
	go func() {
		<-p.wake
		defer func() {
			if r := recover(); r != nil && c.panicked == nil {
				c.panicked = r
			}
			c.live--
			c.yield <- struct{}{}
		}()
		fn()
	}()
}

// vctx is a context that ends in virtual time.
type vctx struct {
	context.Context // parent, for values
	done            chan struct{}
	err             error
}

func (x *vctx) Done() <-chan struct{} { return x.done }
func (x *vctx) Err() error {
	select {
	case <-x.done:
		return x.err
	default:
		return nil
	}
}

// WithTimeout returns a context that ends with DeadlineExceeded at now+d of
// virtual time, or with Canceled when cancel is called first.
func (c *vclock) WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx := &vctx{Context: parent, done: make(chan struct{})}
	end := func(err error) {
		if ctx.err != nil {
			return
		}
		ctx.err = err
		close(ctx.done)
		for _, w := range c.watchers[ctx] {
			c.wakeup(w, true)
		}
		delete(c.watchers, ctx)
	}
	c.at(c.now.Add(d), func() { end(context.DeadlineExceeded) })
	return ctx, func() { end(context.Canceled) }
}

// Run runs processes and events until nothing is left; blocked processes
// with no event to wake them are a deadlock.
func (c *vclock) Run() error {
	for {
		if len(c.ready) > 0 {
			p := c.ready[0]
			c.ready = c.ready[1:]
			c.cur = p
			p.wake <- struct{}{}
			<-c.yield
			c.cur = nil
			if c.panicked != nil {
				return fmt.Errorf("vclock: process panicked: %v", c.panicked)
			}
			continue
		}
		if c.events.Len() == 0 {
			if c.live > 0 {
				return fmt.Errorf("vclock: deadlock: %d processes blocked", c.live)
			}
			return nil
		}
		e := heap.Pop(&c.events).(vevent)
		c.now = e.at
		e.fn()
	}
}

var _ mailops.Clock = (*vclock)(nil)
