package sim_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/fake/sim"
)

func ExampleScheduler() {
	s := sim.New(1)
	s.GoNamed("admin", func() {
		// Ordinary blocking code: it sleeps in virtual time.
		_ = s.Sleep(context.Background(), time.Hour)
		fmt.Println("admin woke at", s.Now().Format(time.Kitchen))
	})
	s.After(30*time.Minute, "mail", func() { fmt.Println("mail at", s.Now().Format(time.Kitchen)) })
	if err := s.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// mail at 12:30AM
	// admin woke at 1:00AM
}

func ExampleScheduler_WithTimeout() {
	s := sim.New(1)
	s.Go(func() {
		ctx, cancel := s.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		err := s.NewSignal().Wait(ctx) // nobody fires it
		fmt.Println(err, "after", s.Now().Sub(sim.Epoch()))
	})
	_ = s.Run()
	// Output: context deadline exceeded after 5m0s
}

func ExampleScheduler_NewSignal() {
	s := sim.New(1)
	ready := s.NewSignal()
	for _, name := range []string{"first", "second"} {
		s.GoNamed(name, func() {
			_ = ready.Wait(context.Background())
			fmt.Println(name, "released at", s.Now().Sub(sim.Epoch()))
		})
	}
	s.After(time.Minute, "go", ready.Fire)
	_ = s.Run()
	// Output:
	// first released at 1m0s
	// second released at 1m0s
}

func ExampleScheduler_RunFor() {
	s := sim.New(1)
	s.GoNamed("poller", func() {
		for i := 1; ; i++ {
			if err := s.Sleep(context.Background(), 10*time.Minute); err != nil {
				fmt.Println("poller:", err)
				return
			}
			fmt.Println("poll", i)
		}
	})
	_ = s.RunFor(25 * time.Minute) // the poller stays parked
	fmt.Println("at", s.Now().Sub(sim.Epoch()), "live", s.Live())
	s.Close() // wakes it with ErrClosed so its goroutine ends
	// Output:
	// poll 1
	// poll 2
	// at 25m0s live 1
	// poller: sim: scheduler closed
}

func ExampleScheduler_Run_deadlock() {
	s := sim.New(1)
	defer s.Close()
	never := s.NewSignal()
	s.GoNamed("waiter", func() { _ = never.Wait(context.Background()) })
	err := s.Run()
	var de *sim.DeadlockError
	fmt.Println(errors.As(err, &de), de.Processes)
	// Output: true [waiter]
}

func ExampleScheduler_Rand() {
	// The same seed and subsystem give the same numbers, run after run.
	a := sim.New(42).Rand("latency")
	b := sim.New(42).Rand("latency")
	fmt.Println(a.IntN(1000) == b.IntN(1000))
	// Output: true
}

func ExampleScheduler_SetTrace() {
	s := sim.New(1)
	s.SetTrace(func(e sim.TraceEntry) { fmt.Println(e) })
	s.GoNamed("p", func() { _ = s.Sleep(context.Background(), time.Second) })
	_ = s.Run()
	// Output:
	// 2026-01-01T00:00:00Z #1 event start p
	// 2026-01-01T00:00:00Z #1 proc p
	// 2026-01-01T00:00:01Z #2 event wake p
	// 2026-01-01T00:00:01Z #2 proc p
}

func ExampleNewWall() {
	w := sim.NewWall(1)
	done := w.NewSignal()
	w.After(time.Millisecond, "tick", func() {
		fmt.Println("tick")
		done.Fire()
	})
	_ = done.Wait(context.Background())
	// Output: tick
}
