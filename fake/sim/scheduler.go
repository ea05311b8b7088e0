package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// epoch is the virtual time a Scheduler made by New starts at.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Epoch returns the virtual time a Scheduler made by New starts at,
// 2026-01-01T00:00:00Z (NewAt starts elsewhere).
func Epoch() time.Time { return epoch }

// Scheduler is the discrete-event loop. It implements mailops.Clock and Env.
//
// Its methods may be called from events and processes while the loop runs,
// and from any goroutine while it does not. Now, At, After, Timer.Stop and
// Sleep with d <= 0 are safe from any goroutine at any time (a loopback
// server's goroutine may read the virtual clock while the loop runs).
type Scheduler struct {
	seed  uint64
	start time.Time // the virtual time at offset zero

	now atomic.Int64 // virtual nanoseconds since start; written by the loop

	mu     sync.Mutex // guards seq, events and free
	seq    uint64
	events eventHeap
	// free holds the storage of Schedule's events once they have run.
	free []*Timer

	// Loop state: touched only by the loop goroutine or the one process it
	// has handed control to (the hand-off orders the accesses), or by any
	// goroutine while the loop is idle.
	cur     *proc // the running process, nil on the loop
	nextPID int
	live    map[*proc]struct{}
	watched []*watchGroup // parked waits whose context can end, by context
	byDone  map[<-chan struct{}]*watchGroup
	ended   []*waiter // scratch for checkContexts
	failure error
	closed  bool
	running bool
	trace   func(TraceEntry)
	steps   uint64
	lastSeq uint64 // seq of the event being run
}

// New returns a Scheduler at Epoch whose randomness all derives from seed.
func New(seed uint64) *Scheduler { return NewAt(seed, epoch) }

// NewAt returns a Scheduler whose virtual time starts at start (a zero start
// means Epoch) and whose randomness all derives from seed. The start changes
// no random draw: only the dates the clock reads.
func NewAt(seed uint64, start time.Time) *Scheduler {
	if start.IsZero() {
		start = epoch
	}
	return &Scheduler{seed: seed, start: start, live: map[*proc]struct{}{}}
}

// Start returns the virtual time the Scheduler started at.
func (s *Scheduler) Start() time.Time { return s.start }

// Seed returns the seed the Scheduler was made with.
func (s *Scheduler) Seed() uint64 { return s.seed }

// Rand returns a generator for one subsystem, derived from the seed and the
// subsystem's name (FNV-64a, mixed into a PCG): the same (seed, name) always
// gives the same sequence, and drawing from one subsystem does not perturb
// another. Each call returns a fresh generator at the start of the stream,
// so a subsystem should call it once and keep the result.
func (s *Scheduler) Rand(subsystem string) *rand.Rand { return newRand(s.seed, subsystem) }

func newRand(seed uint64, subsystem string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(subsystem))
	return rand.New(rand.NewPCG(seed, h.Sum64()^0x9e3779b97f4a7c15))
}

// TraceEntry is one step of the loop: an event or a process resuming.
type TraceEntry struct {
	At   time.Time
	Seq  uint64 // the event's sequence number; for a process, the event (or context check) that resumed it
	Kind string // "event" or "proc"
	Name string
}

// String formats the entry as "time #seq kind name".
func (t TraceEntry) String() string {
	return fmt.Sprintf("%s #%d %s %s", t.At.Format(time.RFC3339Nano), t.Seq, t.Kind, t.Name)
}

// SetTrace installs a hook called on the loop for every step: each event
// and each time a process is given control (nil removes it). Call it while
// the loop is idle.
func (s *Scheduler) SetTrace(fn func(TraceEntry)) { s.trace = fn }

// Steps returns how many events and process steps the loop has run.
func (s *Scheduler) Steps() uint64 { return s.steps }

// Pending returns how many events are scheduled and not yet run or stopped.
func (s *Scheduler) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

// Now returns the virtual time. Safe from any goroutine.
func (s *Scheduler) Now() time.Time { return s.start.Add(time.Duration(s.now.Load())) }

// offset converts t to virtual nanoseconds since the start, saturating.
func (s *Scheduler) offset(t time.Time) int64 {
	if t.Before(s.start) {
		return math.MinInt64
	}
	return int64(t.Sub(s.start)) // Sub saturates at the maximum Duration
}

// addSat returns a+d, saturating at the maximum.
func addSat(a int64, d time.Duration) int64 {
	if d > 0 && a > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return a + int64(d)
}

type eventKind uint8

const (
	evFunc  eventKind = iota // run fn
	evRun                    // run r
	evWake                   // resume w's process
	evStart                  // start p
)

// Timer is a scheduled event (from At or After) that can be stopped. On
// the wall executor it wraps a time.Timer.
type Timer struct {
	at    int64 // virtual nanoseconds since epoch
	seq   uint64
	index int // position in the heap; -1 when not pending
	kind  eventKind
	fn    func()
	r     Runner
	w     *waiter
	p     *proc
	name  string
	s     *Scheduler
	stop  func() bool // wall executor
	reuse bool        // from Schedule: recycled once run
}

// Stop cancels the event. It reports whether the event was still pending
// (neither run nor stopped before). Safe from any goroutine.
func (t *Timer) Stop() bool {
	if t == nil {
		return false
	}
	if t.stop != nil {
		return t.stop()
	}
	return t.s.unschedule(t)
}

// At schedules fn to run on the loop at virtual time t (at the current time
// if t is in the past), after every event already scheduled for that time.
// fn must not block: it may schedule events, fire signals and start
// processes.
func (s *Scheduler) At(t time.Time, name string, fn func()) *Timer {
	e := &Timer{kind: evFunc, fn: fn, name: name, s: s}
	s.schedule(e, s.offset(t))
	return e
}

// After schedules fn to run d from now (see At).
func (s *Scheduler) After(d time.Duration, name string, fn func()) *Timer {
	e := &Timer{kind: evFunc, fn: fn, name: name, s: s}
	s.schedule(e, addSat(s.now.Load(), d))
	return e
}

// Schedule is After for an event nobody will stop: it returns no Timer, so
// the scheduler reuses the event's storage once it has run (a busy world
// schedules millions). Ordering is After's.
func (s *Scheduler) Schedule(d time.Duration, name string, fn func()) {
	s.mu.Lock()
	e := s.freeLocked()
	e.kind, e.fn, e.name = evFunc, fn, name
	s.pushLocked(e, d)
	s.mu.Unlock()
}

// Runner is an event's work as a value: a type whose Run method does what
// the event does. Scheduling a Runner that is already a pointer allocates
// nothing, where a closure over the same state would be allocated per event.
type Runner interface{ Run() }

// ScheduleRun is Schedule for a Runner: r.Run runs on the loop d from now.
// A simulation that schedules one event per message hop can carry the hop's
// state in the value it already has (a message copy, say) instead of a
// closure. Ordering is After's.
func (s *Scheduler) ScheduleRun(d time.Duration, name string, r Runner) {
	s.mu.Lock()
	e := s.freeLocked()
	e.kind, e.r, e.name = evRun, r, name
	s.pushLocked(e, d)
	s.mu.Unlock()
}

// freeLocked returns zeroed event storage from the free list (or new),
// marked to be recycled once it has run. The caller holds s.mu.
func (s *Scheduler) freeLocked() *Timer {
	var e *Timer
	if n := len(s.free); n > 0 {
		e = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		e = new(Timer)
	}
	e.s, e.reuse = s, true
	return e
}

// pushLocked gives e the next sequence number and puts it in the heap d from
// now. The caller holds s.mu.
func (s *Scheduler) pushLocked(e *Timer, d time.Duration) {
	at := addSat(s.now.Load(), d)
	if now := s.now.Load(); at < now {
		at = now
	}
	s.seq++
	e.at, e.seq = at, s.seq
	s.events.push(e)
}

// recycleLocked keeps a Schedule event's storage for the next one. The caller
// holds s.mu.
func (s *Scheduler) recycleLocked(e *Timer) {
	*e = Timer{}
	if len(s.free) < 4096 {
		s.free = append(s.free, e)
	}
}

// schedule gives e the next sequence number and puts it in the heap at
// virtual time at (no earlier than now).
func (s *Scheduler) schedule(e *Timer, at int64) {
	s.mu.Lock()
	if now := s.now.Load(); at < now {
		at = now
	}
	s.seq++
	e.at, e.seq = at, s.seq
	s.events.push(e)
	s.mu.Unlock()
}

// unschedule removes e from the heap if it is pending.
func (s *Scheduler) unschedule(e *Timer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.index < 0 {
		return false
	}
	s.events.remove(e.index)
	return true
}

// traceName is the name an event has in traces.
func (e *Timer) traceName() string {
	switch e.kind {
	case evWake:
		if e.w.sig != nil {
			return "signal " + e.w.p.name
		}
		return "wake " + e.w.p.name
	case evStart:
		return "start " + e.p.name
	}
	return e.name
}
