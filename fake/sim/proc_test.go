package sim

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSameInstantRunsInSchedulingOrder(t *testing.T) {
	s := New(1)
	var got []string
	note := func(x string) func() { return func() { got = append(got, x) } }
	s.After(time.Second, "e1", note("e1"))
	s.GoNamed("p1", func() {
		got = append(got, "p1")
		s.After(0, "e3", note("e3")) // now, behind everything already due now
		s.GoNamed("p3", note("p3"))
		require.NoError(t, s.Sleep(context.Background(), time.Second))
		got = append(got, "p1 woke")
	})
	s.GoNamed("p2", note("p2"))
	s.After(time.Second, "e2", note("e2"))
	require.NoError(t, s.Run())
	assert.Equal(t, []string{"p1", "p2", "e3", "p3", "e1", "e2", "p1 woke"}, got)
}

func TestProcessesSpawnProcessesAndEventsStartProcesses(t *testing.T) {
	s := New(1)
	var ended []string
	var spawn func(depth int)
	spawn = func(depth int) {
		if depth == 3 {
			return
		}
		for i := range 2 {
			s.Go(func() {
				require.NoError(t, s.Sleep(context.Background(), time.Duration(i+1)*time.Minute))
				spawn(depth + 1)
			})
		}
		ended = append(ended, "spawned")
	}
	s.After(time.Hour, "starter", func() { s.GoNamed("root", func() { spawn(0) }) })
	require.NoError(t, s.Run())
	assert.Len(t, ended, 1+2+4, "every level spawned")
	assert.Equal(t, 0, s.Live())
	assert.Equal(t, Epoch().Add(time.Hour+6*time.Minute), s.Now())
}

func TestWaitOutsideProcess(t *testing.T) {
	s := New(1)
	sig := s.NewSignal()
	assert.ErrorIs(t, sig.Wait(context.Background()), ErrNotProcess)
	sig.Fire() // from the test goroutine, loop idle
	assert.NoError(t, sig.Wait(context.Background()), "a fired signal returns at once anywhere")
	var fromEvent error
	s.After(time.Second, "ev", func() { fromEvent = s.Sleep(context.Background(), time.Second) })
	require.NoError(t, s.Run())
	assert.ErrorIs(t, fromEvent, ErrNotProcess, "events cannot block either")
}

func TestTimerStop(t *testing.T) {
	s := New(1)
	ran := false
	tm := s.After(time.Second, "x", func() { ran = true })
	require.NoError(t, s.Run())
	assert.True(t, ran)
	assert.False(t, tm.Stop(), "stopping a timer that ran reports false")
	var nilTimer *Timer
	assert.False(t, nilTimer.Stop())

	// Stop from another event at the same instant, and stopping many timers
	// out of heap order.
	s = New(1)
	var got []int
	var ts []*Timer
	for i := range 20 {
		ts = append(ts, s.After(time.Duration(i%5)*time.Second, "t", func() { got = append(got, i) }))
	}
	for i := 0; i < 20; i += 3 {
		require.True(t, ts[i].Stop())
	}
	s.After(0, "stopper", func() { assert.True(t, ts[19].Stop()) })
	require.NoError(t, s.Run())
	assert.Equal(t, []int{5, 10, 1, 11, 16, 2, 7, 17, 8, 13, 4, 14}, got)
}

func TestDeadlockIsNotDelayedByStoppedTimers(t *testing.T) {
	s := New(1)
	defer s.Close()
	s.GoNamed("stuck", func() {
		_, cancel := s.WithTimeout(context.Background(), 365*24*time.Hour)
		cancel()
		_ = s.NewSignal().Wait(context.Background())
	})
	var de *DeadlockError
	require.ErrorAs(t, s.Run(), &de)
	assert.Equal(t, Epoch(), de.At, "reported at once, not a year later")
	assert.Contains(t, de.Error(), "stuck")
}

func TestDeadlockThenResumeFromOutside(t *testing.T) {
	s := New(1)
	sig := s.NewSignal()
	woke := false
	s.Go(func() {
		require.NoError(t, sig.Wait(context.Background()))
		woke = true
	})
	var de *DeadlockError
	require.ErrorAs(t, s.Run(), &de)
	assert.Equal(t, []string{"proc-1"}, de.Processes)
	sig.Fire()
	require.NoError(t, s.Run())
	assert.True(t, woke)
}

func TestPanicValueAndGoexit(t *testing.T) {
	s := New(1)
	boom := errors.New("boom")
	s.GoNamed("exits", runtime.Goexit) // as t.FailNow does: the process just ends
	s.GoNamed("panics", func() {
		_ = s.Sleep(context.Background(), time.Second)
		panic(boom)
	})
	err := s.Run()
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, boom, "an error panic value unwraps")
	assert.Equal(t, "panics", pe.Process)
	assert.ErrorIs(t, s.Run(), boom, "the failure is sticky")
	s.Close()
	assert.Equal(t, 0, s.Live())
}

func TestRunFromInsideTheLoopIsRefused(t *testing.T) {
	s := New(1)
	var inner error
	s.Go(func() { inner = s.Run() })
	require.NoError(t, s.Run())
	assert.Error(t, inner)
}

func TestRunUntilNeverGoesBack(t *testing.T) {
	s := New(1)
	require.NoError(t, s.RunFor(time.Hour))
	require.NoError(t, s.RunUntil(Epoch()))
	assert.Equal(t, Epoch().Add(time.Hour), s.Now())
	var at time.Time
	s.At(Epoch(), "past", func() { at = s.Now() })
	require.NoError(t, s.RunUntil(Epoch().Add(2*time.Hour)))
	assert.Equal(t, Epoch().Add(time.Hour), at, "an event in the past runs now")
	assert.Equal(t, Epoch().Add(2*time.Hour), s.Now())
}

func TestHugeSleepSaturates(t *testing.T) {
	s := New(1)
	var err error
	s.Go(func() {
		ctx, cancel := s.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		err = s.Sleep(ctx, math.MaxInt64)
	})
	require.NoError(t, s.Run())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, Epoch().Add(time.Hour), s.Now())
}

func TestCloseFinishesEveryProcess(t *testing.T) {
	s := New(1)
	var mu sync.Mutex
	finished := 0
	sig := s.NewSignal()
	for i := range 10 {
		s.Go(func() {
			defer func() { mu.Lock(); finished++; mu.Unlock() }()
			if i%2 == 0 {
				assert.ErrorIs(t, sig.Wait(context.Background()), ErrClosed)
			} else {
				assert.ErrorIs(t, s.Sleep(context.Background(), time.Hour), ErrClosed)
			}
			assert.ErrorIs(t, s.Sleep(context.Background(), time.Hour), ErrClosed, "later blocking calls fail too")
		})
	}
	require.NoError(t, s.RunFor(time.Minute))
	s.GoNamed("never started", func() { t.Error("ran after Close") })
	s.Close()
	s.Close() // idempotent
	assert.Equal(t, 10, finished)
	assert.Equal(t, 0, s.Live())
	assert.Zero(t, s.Pending())
	s.GoNamed("after close", func() { t.Error("ran after Close") })
	assert.Equal(t, 0, s.Live())
	assert.ErrorIs(t, s.Run(), ErrClosed)
}

func TestCloseFromInsideTheLoop(t *testing.T) {
	s := New(1)
	var other error
	s.GoNamed("sleeper", func() { other = s.Sleep(context.Background(), time.Hour) })
	s.GoNamed("closer", func() {
		_ = s.Sleep(context.Background(), time.Minute)
		s.Close()
	})
	assert.ErrorIs(t, s.Run(), ErrClosed)
	assert.ErrorIs(t, other, ErrClosed)
	assert.Equal(t, 0, s.Live())
	assert.Equal(t, Epoch().Add(time.Minute), s.Now())
}

func TestNowFromAnotherGoroutineWhileRunning(t *testing.T) {
	s := New(1)
	for i := range 100 {
		s.Go(func() { _ = s.Sleep(context.Background(), time.Duration(i)*time.Second) })
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var last time.Time
	go func() { // like a loopback server reading the virtual clock
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				now := s.Now()
				assert.False(t, now.Before(last), "virtual time never goes back")
				last = now
				_ = s.Sleep(context.Background(), 0)
				runtime.Gosched()
			}
		}
	}()
	require.NoError(t, s.Run())
	close(stop)
	wg.Wait()
	assert.Equal(t, Epoch().Add(99*time.Second), s.Now())
}
