package sim

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventsRunInTimeThenSequenceOrder(t *testing.T) {
	s := New(1)
	var got []string
	s.After(2*time.Second, "c", func() { got = append(got, "c") })
	s.After(time.Second, "a", func() { got = append(got, "a") })
	s.After(time.Second, "b", func() { got = append(got, "b") })
	s.At(Epoch().Add(-time.Hour), "past", func() { got = append(got, "past") })
	stopped := s.After(time.Second, "stopped", func() { got = append(got, "stopped") })
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop(), "stopping twice reports false")
	require.NoError(t, s.Run())
	assert.Equal(t, []string{"past", "a", "b", "c"}, got)
	assert.Equal(t, Epoch().Add(2*time.Second), s.Now())
}

func TestEventsScheduleEvents(t *testing.T) {
	s := New(1)
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < 100 {
			s.After(time.Minute, "tick", tick)
		}
	}
	s.After(0, "tick", tick)
	require.NoError(t, s.Run())
	assert.Equal(t, 100, n)
	assert.Equal(t, Epoch().Add(99*time.Minute), s.Now())
}

func TestProcessesSleepInVirtualTime(t *testing.T) {
	s := New(1)
	var log []string
	for i, d := range []time.Duration{3 * time.Hour, time.Hour, 2 * time.Hour} {
		name := fmt.Sprintf("p%d", i)
		s.GoNamed(name, func() {
			require.NoError(t, s.Sleep(context.Background(), d))
			log = append(log, fmt.Sprintf("%s@%s", name, s.Now().Sub(Epoch())))
		})
	}
	require.NoError(t, s.Run())
	assert.Equal(t, []string{"p1@1h0m0s", "p2@2h0m0s", "p0@3h0m0s"}, log)
	assert.Equal(t, 0, s.Live())
}

func TestSleepOutsideProcess(t *testing.T) {
	s := New(1)
	assert.NoError(t, s.Sleep(context.Background(), 0), "zero sleeps work from any goroutine")
	assert.ErrorIs(t, s.Sleep(context.Background(), time.Second), ErrNotProcess)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.Sleep(ctx, 0), context.Canceled)
}

func TestSignals(t *testing.T) {
	s := New(1)
	sig := s.NewSignal()
	var order []string
	for _, n := range []string{"w1", "w2"} {
		s.GoNamed(n, func() {
			require.NoError(t, sig.Wait(context.Background()))
			order = append(order, n+"@"+s.Now().Sub(Epoch()).String())
		})
	}
	s.GoNamed("firer", func() {
		require.NoError(t, s.Sleep(context.Background(), time.Minute))
		sig.Fire()
		sig.Fire()
		order = append(order, "fired")
	})
	require.NoError(t, s.Run())
	assert.Equal(t, []string{"fired", "w1@1m0s", "w2@1m0s"}, order)
	s.GoNamed("late", func() {
		assert.NoError(t, sig.Wait(context.Background()), "a fired signal releases later waits at once")
	})
	require.NoError(t, s.Run())
}

func TestVirtualTimeoutWakesSleepAndWait(t *testing.T) {
	s := New(1)
	var sleepErr, waitErr error
	var sleptUntil, waitedUntil time.Duration
	s.Go(func() {
		ctx, cancel := s.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		sleepErr = s.Sleep(ctx, time.Hour)
		sleptUntil = s.Now().Sub(Epoch())
	})
	s.Go(func() {
		ctx, cancel := s.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		waitErr = s.NewSignal().Wait(ctx)
		waitedUntil = s.Now().Sub(Epoch())
	})
	require.NoError(t, s.Run())
	assert.ErrorIs(t, sleepErr, context.DeadlineExceeded)
	assert.Equal(t, 10*time.Minute, sleptUntil)
	assert.ErrorIs(t, waitErr, context.DeadlineExceeded)
	assert.Equal(t, 5*time.Minute, waitedUntil)
}

func TestCancelByAnotherProcess(t *testing.T) {
	s := New(1)
	ctx, cancel := context.WithCancel(context.Background())
	child, stop := context.WithCancel(ctx)
	defer stop()
	var err error
	var at time.Duration
	s.Go(func() {
		err = s.Sleep(child, 24*time.Hour)
		at = s.Now().Sub(Epoch())
	})
	s.Go(func() {
		_ = s.Sleep(context.Background(), 3*time.Second)
		cancel()
	})
	require.NoError(t, s.Run())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3*time.Second, at, "woken when the parent was cancelled, not at the end of the sleep")
}

func TestDeadlockIsReported(t *testing.T) {
	s := New(1)
	sig := s.NewSignal()
	s.GoNamed("stuck", func() { _ = sig.Wait(context.Background()) })
	err := s.Run()
	var de *DeadlockError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, []string{"stuck"}, de.Processes)
	s.Close()
	assert.Equal(t, 0, s.Live(), "Close lets parked processes finish")
}

func TestPanicsAreReturned(t *testing.T) {
	s := New(1)
	s.GoNamed("boom", func() { panic("kaput") })
	err := s.Run()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "boom", pe.Process)
	assert.Contains(t, pe.Stack, "scheduler_test.go")

	s2 := New(1)
	s2.After(time.Second, "bad event", func() { panic(errors.New("event failed")) })
	require.ErrorAs(t, s2.Run(), &pe)
	assert.Equal(t, "event bad event", pe.Process)
}

func TestRunUntilAndResume(t *testing.T) {
	s := New(1)
	var done bool
	s.Go(func() {
		_ = s.Sleep(context.Background(), 2*time.Hour)
		done = true
	})
	require.NoError(t, s.RunFor(time.Hour))
	assert.False(t, done)
	assert.Equal(t, Epoch().Add(time.Hour), s.Now())
	assert.Equal(t, 1, s.Live())
	require.NoError(t, s.Run())
	assert.True(t, done)
}

func TestCloseUnblocksSleepers(t *testing.T) {
	s := New(1)
	var err error
	s.Go(func() {
		for {
			if err = s.Sleep(context.Background(), time.Hour); err != nil {
				return
			}
		}
	})
	s.Go(func() {}) // never started before Close
	require.NoError(t, s.RunFor(90*time.Minute))
	s.Close()
	assert.ErrorIs(t, err, ErrClosed)
	assert.Equal(t, 0, s.Live())
}

// workload is a busy simulation: processes with random sleeps, signals
// fired by processes and events, stopped timers, virtual timeouts, contexts
// cancelled by other processes, nested spawning, events scheduling events
// and starting processes.
func workload(s *Scheduler) {
	r := s.Rand("workload")
	sig := s.NewSignal()
	relay := s.NewSignal()
	shared, cancelShared := context.WithCancel(context.Background())
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("w%d", i)
		d := time.Duration(r.IntN(3600)) * time.Second
		jitter := time.Duration(r.IntN(1000)) * time.Millisecond
		s.GoNamed(name, func() {
			ctx, cancel := s.WithTimeout(context.Background(), time.Duration(1+i%7)*10*time.Minute)
			defer cancel()
			for j := 0; j < 5; j++ {
				if s.Sleep(ctx, d/time.Duration(j+1)+jitter) != nil {
					break
				}
				if j == 2 && i%3 == 0 {
					s.GoNamed(name+"-child", func() {
						_ = s.Sleep(shared, d)
						s.GoNamed(name+"-grandchild", func() { _ = relay.Wait(shared) })
					})
				}
			}
			switch i % 4 {
			case 0:
				_ = sig.Wait(ctx)
			case 1:
				_ = relay.Wait(ctx)
			}
			if i == 17 {
				cancelShared()
			}
			if i == 23 {
				relay.Fire()
			}
		})
		t := s.After(d, "ev"+name, func() {
			s.After(time.Duration(i)*time.Second, "ev2"+name, func() {
				if i%6 == 0 {
					s.GoNamed(name+"-fromevent", func() { _ = s.Sleep(context.Background(), jitter) })
				}
			})
		})
		if i%5 == 0 {
			t.Stop()
		}
	}
	s.After(45*time.Minute, "fire", sig.Fire)
	s.After(3*time.Hour, "cancel shared", cancelShared) // if w17 has not
}

func traceOf(seed uint64) []string {
	s := New(seed)
	var tr []string
	s.SetTrace(func(e TraceEntry) { tr = append(tr, e.String()) })
	workload(s)
	if err := s.Run(); err != nil {
		tr = append(tr, "error: "+err.Error())
	}
	tr = append(tr, fmt.Sprintf("end %s steps %d live %d", s.Now().Format(time.RFC3339Nano), s.Steps(), s.Live()))
	return tr
}

func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	one := traceOf(99)
	runtime.GOMAXPROCS(8)
	eight := traceOf(99)
	eightAgain := traceOf(99)
	require.Greater(t, len(one), 500, "a non-trivial trace")
	assert.Equal(t, one, eight, "same seed, same trace at GOMAXPROCS 1 and 8")
	assert.Equal(t, eight, eightAgain)
	assert.NotEqual(t, one, traceOf(100), "another seed gives another run")
	for _, line := range one {
		assert.False(t, strings.HasPrefix(line, "error"), line)
	}
	assert.Contains(t, strings.Join(one, "\n"), "grandchild", "the nested spawns ran")
}

// Schedule orders events exactly as After does, and the storage of a run
// event serves the next one without disturbing anything pending.
func TestScheduleOrdersLikeAfterAndReusesEvents(t *testing.T) {
	s := New(1)
	var got []string
	add := func(d time.Duration, name string, schedule bool) {
		fn := func() { got = append(got, name) }
		if schedule {
			s.Schedule(d, name, fn)
		} else {
			s.After(d, name, fn)
		}
	}
	add(time.Second, "a", true)
	add(time.Second, "b", false)
	add(0, "c", true)
	add(time.Second, "d", true)
	s.Schedule(2*time.Second, "chain", func() {
		got = append(got, "chain")
		for i := 0; i < 3; i++ {
			add(time.Duration(i)*time.Millisecond, "re"+string(rune('0'+i)), true)
		}
	})
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	want := []string{"c", "a", "b", "d", "chain", "re0", "re1", "re2"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if s.Pending() != 0 {
		t.Fatalf("%d events pending", s.Pending())
	}
}

// runnerLog is a Runner that logs its runs and reschedules itself left times.
type runnerLog struct {
	log  *[]string
	name string
	left int // how many more times it schedules itself
	s    *Scheduler
}

func (r *runnerLog) Run() {
	*r.log = append(*r.log, r.name)
	if r.left > 0 {
		r.left--
		r.s.ScheduleRun(time.Second, r.name, r)
	}
}

// TestScheduleRunOrdersWithOtherEvents checks that Runner events take their
// place among closures and timers by (time, order of scheduling), and that
// recycled storage never runs an event twice or loses one.
func TestScheduleRunOrdersWithOtherEvents(t *testing.T) {
	s := New(1)
	var log []string
	add := func(name string) func() { return func() { log = append(log, name) } }
	s.Schedule(time.Second, "a", add("a"))
	s.ScheduleRun(time.Second, "b", &runnerLog{log: &log, name: "b", s: s})
	s.After(time.Second, "c", add("c"))
	s.ScheduleRun(0, "r", &runnerLog{log: &log, name: "r", left: 2, s: s})
	s.Schedule(2*time.Second, "d", add("d"))
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	want := []string{"r", "a", "b", "c", "r", "d", "r"}
	if !slices.Equal(log, want) {
		t.Fatalf("order %v, want %v", log, want)
	}
	if s.Steps() != uint64(len(want)) || s.Pending() != 0 {
		t.Fatalf("steps %d pending %d", s.Steps(), s.Pending())
	}
}
