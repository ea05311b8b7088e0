package sim

import (
	"context"
	"testing"
	"time"
)

// BenchmarkEvents measures plain events through the loop.
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
	// Keep a realistic heap: 1,000 events pending at all times.
	for i := 0; i < 1000; i++ {
		s.After(time.Duration(i)*time.Second+time.Hour*24*365, "", func() {})
	}
	s.After(0, "", tick)
	b.ReportAllocs()
	b.ResetTimer()
	_ = s.RunUntil(Epoch().Add(time.Hour * 24 * 300))
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkProcessSwitch measures a process sleeping and waking (two
// goroutine hand-offs per iteration).
func BenchmarkProcessSwitch(b *testing.B) {
	s := New(1)
	s.Go(func() {
		for i := 0; i < b.N; i++ {
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
