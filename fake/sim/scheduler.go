package sim

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Epoch is the virtual time every Scheduler starts at.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Epoch returns the virtual time every Scheduler starts at,
// 2026-01-01T00:00:00Z.
func Epoch() time.Time { return epoch }

// Scheduler is the discrete-event loop. It implements mailops.Clock and Env.
// Its methods may be called from events and processes while the loop runs,
// and from any goroutine while it does not.
type Scheduler struct {
	seed uint64

	mu     sync.Mutex // guards now, seq, events (uncontended: one runner at a time)
	now    time.Time
	seq    uint64
	events eventHeap

	// Loop state, touched only by the loop or the one running process.
	cur      *proc
	yield    chan struct{}
	nextPID  int
	live     map[*proc]bool
	ctxWait  []*waiter
	failure  error
	closed   bool
	running  bool
	trace    func(TraceEntry)
	stepped  uint64
	nProcRun uint64
}

// TraceEntry is one step of the loop: an event or a process resuming.
type TraceEntry struct {
	At   time.Time
	Seq  uint64
	Kind string // "event" or "proc"
	Name string
}

func (t TraceEntry) String() string {
	return fmt.Sprintf("%s #%d %s %s", t.At.Format(time.RFC3339Nano), t.Seq, t.Kind, t.Name)
}

// New returns a Scheduler at Epoch whose randomness all derives from seed.
func New(seed uint64) *Scheduler {
	return &Scheduler{seed: seed, now: epoch, yield: make(chan struct{}), live: map[*proc]bool{}}
}

// Seed returns the seed the Scheduler was made with.
func (s *Scheduler) Seed() uint64 { return s.seed }

// Rand returns a generator for one subsystem, derived from the seed and the
// subsystem's name: the same (seed, name) always gives the same sequence, and
// subsystems do not perturb each other.
func (s *Scheduler) Rand(subsystem string) *rand.Rand { return newRand(s.seed, subsystem) }

func newRand(seed uint64, subsystem string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(subsystem))
	return rand.New(rand.NewPCG(seed, h.Sum64()^0x9e3779b97f4a7c15))
}

// SetTrace installs a hook called for every loop step (nil removes it).
func (s *Scheduler) SetTrace(fn func(TraceEntry)) { s.trace = fn }

// Steps returns how many events and process steps the loop has run.
func (s *Scheduler) Steps() uint64 { return s.stepped }

// Now returns the virtual time.
func (s *Scheduler) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Timer is a scheduled event that can be stopped.
type Timer struct {
	s    *Scheduler
	ev   *event
	stop func() bool // wall executor
}

// Stop cancels the event; it reports whether the event had neither run nor
// been stopped.
func (t *Timer) Stop() bool {
	if t == nil {
		return false
	}
	if t.stop != nil {
		return t.stop()
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if t.ev.fired || t.ev.stopped {
		return false
	}
	t.ev.stopped = true
	return true
}

// At schedules fn to run on the loop at virtual time t (now, if t is in the
// past). fn must not block; it may schedule events and start processes.
func (s *Scheduler) At(t time.Time, name string, fn func()) *Timer {
	return &Timer{s: s, ev: s.schedule(t, name, fn)}
}

// After schedules fn to run d from now.
func (s *Scheduler) After(d time.Duration, name string, fn func()) *Timer {
	return &Timer{s: s, ev: s.schedule(s.Now().Add(d), name, fn)}
}

func (s *Scheduler) schedule(t time.Time, name string, fn func()) *event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	e := &event{at: t, seq: s.seq, name: name, fn: fn}
	s.events.push(e)
	return e
}

// proc is a simulated process.
type proc struct {
	id     int
	name   string
	wake   chan struct{}
	begun  bool
	parked *waiter
}

func (p *proc) started() bool { return p.begun }

func (s *Scheduler) parkedWaiter(p *proc) *waiter {
	if p.parked != nil && !p.parked.done {
		return p.parked
	}
	return nil
}

// Go starts fn as a simulated process (mailops.Clock).
func (s *Scheduler) Go(fn func()) { s.GoNamed("", fn) }

// GoNamed starts fn as a simulated process with a name for traces and
// deadlock reports. It runs when the loop reaches it, in order.
func (s *Scheduler) GoNamed(name string, fn func()) {
	s.nextPID++
	p := &proc{id: s.nextPID, name: name, wake: make(chan struct{})}
	if p.name == "" {
		p.name = fmt.Sprintf("proc-%d", p.id)
	}
	s.live[p] = true
	go s.body(p, fn)
	s.schedule(s.Now(), "start "+p.name, func() { s.runProc(p) })
}

func (s *Scheduler) body(p *proc, fn func()) {
	<-p.wake
	p.begun = true
	defer func() {
		if r := recover(); r != nil && s.failure == nil {
			s.failure = &PanicError{Process: p.name, Value: r, Stack: string(debug.Stack())}
		}
		delete(s.live, p)
		s.yield <- struct{}{}
	}()
	if s.closed {
		return
	}
	fn()
}

// runProc hands control to p until it parks or ends. Called on the loop.
func (s *Scheduler) runProc(p *proc) {
	if !s.live[p] {
		return
	}
	s.stepped++
	s.nProcRun++
	if s.trace != nil {
		s.trace(TraceEntry{At: s.now, Seq: s.seq, Kind: "proc", Name: p.name})
	}
	prev := s.cur
	s.cur = p
	p.wake <- struct{}{}
	<-s.yield
	s.cur = prev
}

// waiter is one parked Sleep or Wait.
type waiter struct {
	p     *proc
	ctx   context.Context
	timer *event
	done  bool
	err   error
}

// park blocks the current process until resume is called for w.
func (s *Scheduler) park(w *waiter) error {
	p := w.p
	p.parked = w
	s.yield <- struct{}{}
	<-p.wake
	p.parked = nil
	if w.timer != nil {
		s.mu.Lock()
		w.timer.stopped = true
		s.mu.Unlock()
	}
	return w.err
}

// resume wakes w's process with err, once. Called on the loop.
func (s *Scheduler) resume(w *waiter, err error) {
	if w.done {
		return
	}
	w.done, w.err = true, err
	s.runProc(w.p)
}

// ErrNotProcess is returned by Sleep and Signal.Wait when they would have to
// block but the caller is not a simulated process (start it with Go).
var ErrNotProcess = errors.New("sim: blocking call outside a simulated process")

// ErrClosed is returned to processes woken by Close.
var ErrClosed = errors.New("sim: scheduler closed")

// Sleep parks the calling process for d of virtual time, or until ctx ends.
// d <= 0 returns at once (after checking ctx) from any goroutine.
func (s *Scheduler) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	if s.closed {
		return ErrClosed
	}
	p := s.cur
	if p == nil {
		return ErrNotProcess
	}
	w := &waiter{p: p, ctx: ctx}
	w.timer = s.schedule(s.Now().Add(d), "wake "+p.name, func() { s.resume(w, nil) })
	s.watch(w)
	return s.park(w)
}

func (s *Scheduler) watch(w *waiter) {
	if w.ctx != nil && w.ctx.Done() != nil {
		s.ctxWait = append(s.ctxWait, w)
	}
}

// ctxErr is ctx.Err(), except that a context ended by WithTimeout reports
// context.DeadlineExceeded.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if c := context.Cause(ctx); errors.Is(c, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// checkContexts wakes, in registration order, parked processes whose context
// has ended. Called on the loop after every step.
func (s *Scheduler) checkContexts() {
	if len(s.ctxWait) == 0 {
		return
	}
	keep := s.ctxWait[:0]
	var wake []*waiter
	for _, w := range s.ctxWait {
		switch {
		case w.done:
		case w.ctx.Err() != nil:
			wake = append(wake, w)
		default:
			keep = append(keep, w)
		}
	}
	for i := len(keep); i < len(s.ctxWait); i++ {
		s.ctxWait[i] = nil
	}
	s.ctxWait = keep
	for _, w := range wake {
		s.resume(w, ctxErr(w.ctx))
	}
}

// WithTimeout returns a context that ends after d of virtual time, with
// context.DeadlineExceeded as its cause (Sleep and Wait report it as such).
func (s *Scheduler) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancelCause(ctx)
	t := s.After(d, "timeout", func() { cancel(context.DeadlineExceeded) })
	return c, func() { t.Stop(); cancel(context.Canceled) }
}

// NewSignal returns a one-shot Signal in virtual time.
func (s *Scheduler) NewSignal() mailops.Signal { return &signal{s: s} }

type signal struct {
	s       *Scheduler
	fired   bool
	waiters []*waiter
}

func (g *signal) Fire() {
	if g.fired {
		return
	}
	g.fired = true
	for _, w := range g.waiters {
		w := w
		g.s.schedule(g.s.Now(), "signal "+w.p.name, func() { g.s.resume(w, nil) })
	}
	g.waiters = nil
}

func (g *signal) Wait(ctx context.Context) error {
	if g.fired {
		return nil
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if g.s.closed {
		return ErrClosed
	}
	p := g.s.cur
	if p == nil {
		return ErrNotProcess
	}
	w := &waiter{p: p, ctx: ctx}
	g.waiters = append(g.waiters, w)
	g.s.watch(w)
	return g.s.park(w)
}

// PanicError reports a panic in a process or an event.
type PanicError struct {
	Process string // process or event name
	Value   any
	Stack   string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sim: panic in %s: %v\n%s", e.Process, e.Value, e.Stack)
}

// DeadlockError reports processes parked forever: nothing is scheduled that
// could wake them.
type DeadlockError struct {
	At        time.Time
	Processes []string
}

func (e *DeadlockError) Error() string {
	return fmt.Sprintf("sim: deadlock at %s: %d processes parked forever: %s", e.At.Format(time.RFC3339), len(e.Processes), strings.Join(e.Processes, ", "))
}

// Run runs the loop until nothing is left to run. It returns a
// *DeadlockError if processes remain parked with nothing scheduled to wake
// them, and a *PanicError if a process or event panicked.
func (s *Scheduler) Run() error { return s.run(time.Time{}, false) }

// RunUntil runs every event up to and including virtual time t, then sets the
// clock to t. Parked processes stay parked; Run or RunUntil continue.
func (s *Scheduler) RunUntil(t time.Time) error { return s.run(t, true) }

// RunFor is RunUntil(Now()+d).
func (s *Scheduler) RunFor(d time.Duration) error { return s.RunUntil(s.Now().Add(d)) }

func (s *Scheduler) run(until time.Time, bounded bool) error {
	if s.running {
		return errors.New("sim: Run called from inside the loop")
	}
	s.running = true
	defer func() { s.running = false }()
	for s.failure == nil {
		s.mu.Lock()
		if len(s.events) == 0 || (bounded && s.events[0].at.After(until)) {
			if bounded && s.now.Before(until) {
				s.now = until
			}
			s.mu.Unlock()
			break
		}
		e := s.events.pop()
		if e.stopped {
			s.mu.Unlock()
			continue
		}
		e.fired = true
		s.now = e.at
		s.mu.Unlock()
		s.stepped++
		if s.trace != nil {
			s.trace(TraceEntry{At: e.at, Seq: e.seq, Kind: "event", Name: e.name})
		}
		s.runEvent(e)
		s.checkContexts()
	}
	if s.failure != nil {
		return s.failure
	}
	if !bounded && len(s.live) > 0 {
		return &DeadlockError{At: s.now, Processes: s.liveNames()}
	}
	return nil
}

func (s *Scheduler) runEvent(e *event) {
	defer func() {
		if r := recover(); r != nil && s.failure == nil {
			s.failure = &PanicError{Process: "event " + e.name, Value: r, Stack: string(debug.Stack())}
		}
	}()
	e.fn()
}

func (s *Scheduler) liveNames() []string {
	var out []string
	for p := range s.live {
		out = append(out, p.name)
	}
	sort.Strings(out)
	return out
}

// Live returns how many processes have not ended.
func (s *Scheduler) Live() int { return len(s.live) }

// Close ends the simulation: every parked process is woken with ErrClosed
// (and later blocking calls fail with it) so that its goroutine can finish.
// Call it when a test is done with a Scheduler whose processes may be parked.
func (s *Scheduler) Close() {
	if s.closed {
		return
	}
	s.closed = true
	for len(s.live) > 0 {
		var ps []*proc
		for p := range s.live {
			ps = append(ps, p)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].id < ps[j].id })
		progressed := false
		for _, p := range ps {
			if !s.live[p] {
				continue
			}
			if w := s.parkedWaiter(p); w != nil {
				s.resume(w, ErrClosed)
				progressed = true
			} else if !p.started() {
				s.runProc(p)
				progressed = true
			}
		}
		if !progressed {
			return
		}
	}
}
