package sim_test

import (
	"context"
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
