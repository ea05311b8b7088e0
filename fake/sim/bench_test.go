package sim

import (
	"context"
	"testing"
	"time"
)

// BenchmarkEvents measures plain events through the loop: each event
// schedules the next, with 1,000 other events pending in the heap.
func BenchmarkEvents(b *testing.B) {
	s := New(1)
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < b.N {
			s.After(time.Millisecond, "", tick)
		}
	}
	for i := range 1000 {
		s.After(time.Duration(i)*time.Second+100*365*24*time.Hour, "", func() {})
	}
	s.After(0, "", tick)
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.RunUntil(Epoch().Add(99 * 365 * 24 * time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if n != b.N {
		b.Fatalf("ran %d events, want %d", n, b.N)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTimerStop measures scheduling an event and stopping it (as a
// WithTimeout that is cancelled does), with 1,000 events pending.
func BenchmarkTimerStop(b *testing.B) {
	s := New(1)
	for i := range 1000 {
		s.After(time.Duration(i)*time.Second, "", func() {})
	}
	fn := func() {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s.After(time.Duration(i%2000)*time.Second, "", fn).Stop()
	}
}

// BenchmarkProcessSwitch measures one process sleeping and waking: per
// iteration, a wake-up event and two goroutine hand-offs.
func BenchmarkProcessSwitch(b *testing.B) {
	s := New(1)
	s.Go(func() {
		for range b.N {
			_ = s.Sleep(context.Background(), time.Second)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.Run(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "wakeups/s")
}

// BenchmarkProcessSwitchMany is BenchmarkProcessSwitch spread over 1,000
// processes whose sleeps interleave, each under a cancellable context (so
// every step also checks the parked contexts).
func BenchmarkProcessSwitchMany(b *testing.B) {
	s := New(1)
	const procs = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for p := range procs {
		n := b.N / procs
		if p < b.N%procs {
			n++
		}
		s.Go(func() {
			for range n {
				_ = s.Sleep(ctx, time.Duration(1+p%7)*time.Second)
			}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.Run(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "wakeups/s")
}

// BenchmarkProcessSwitchManyOwnContexts is BenchmarkProcessSwitchMany with
// a context per process: the loop polls every parked context after each
// step, so this is the cost of cancellation that is deterministic without
// help from the context package.
func BenchmarkProcessSwitchManyOwnContexts(b *testing.B) {
	s := New(1)
	const procs = 1000
	for p := range procs {
		n := b.N / procs
		if p < b.N%procs {
			n++
		}
		s.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for range n {
				_ = s.Sleep(ctx, time.Duration(1+p%7)*time.Second)
			}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := s.Run(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "wakeups/s")
}
