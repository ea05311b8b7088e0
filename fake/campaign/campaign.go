// Package campaign runs a migration spec through the simulator under many
// seeds, on every core: each seed is an independent world (its own
// scheduler, tenant, DNS and traffic), so seeds run in parallel and a seed
// reproduces its run bit for bit whatever the parallelism.
package campaign

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/report"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// Options configure a campaign.
type Options struct {
	// Workers run seeds in parallel; default runtime.GOMAXPROCS(0).
	Workers int
	// Horizon is how long each world runs after the migrations start
	// before the probes, and again after them; default 72h.
	Horizon time.Duration
	// Progress, if set, is called after each seed (from any goroutine,
	// serialised by the campaign).
	Progress func(done, total int)
	// Keep says which runs keep their ledger events for a report: by
	// default only failing ones.
	KeepAll bool
}

// SeedResult is one seed's outcome.
type SeedResult struct {
	Seed   uint64               `json:"seed"`
	Report mailflow.Report      `json:"-"`
	Counts Counts               `json:"counts"`
	Diff   []mailflow.Mismatch  `json:"mismatches,omitempty"`
	Errors []string             `json:"errors,omitempty"`
	Run    *report.Run          `json:"-"`
	Events []mailflow.Event     `json:"-"`
	Gap    []mailflow.Violation `json:"-"`
}

// Counts are the oracle's counts for one seed.
type Counts struct {
	Sent         int `json:"sent"`
	Delivered    int `json:"delivered"`
	Bounced      int `json:"bounced"`
	GapBounced   int `json:"gapBounced"`
	Lost         int `json:"lost"`
	Duplicated   int `json:"duplicated"`
	Misdelivered int `json:"misdelivered"`
	Looped       int `json:"looped"`
}

// Safe reports whether the seed lost, looped, misdelivered or bounced no
// valid mail (bounces inside the documented verification gap are reported,
// not unsafe), its plans ran to the end, and the differential check found
// no address delivering differently from the legacy server.
func (r SeedResult) Safe() bool {
	c := r.Counts
	return len(r.Errors) == 0 && len(r.Diff) == 0 && c.Lost == 0 && c.Looped == 0 && c.Misdelivered == 0 && c.Bounced == c.GapBounced
}

// Run simulates the spec once per seed and returns the results in seed
// order. A seed whose world cannot even be built is an error of the whole
// campaign (the spec is at fault, not the seed).
func Run(ctx context.Context, f *spec.File, seeds []uint64, opts Options) ([]SeedResult, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	horizon := opts.Horizon
	if horizon <= 0 {
		horizon = 72 * time.Hour
	}
	out := make([]SeedResult, len(seeds))
	errs := make([]error, len(seeds))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(workers, max(len(seeds), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i], errs[i] = one(f, seeds[i], horizon, opts.KeepAll)
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(seeds))
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range seeds {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("campaign: seed %d: %w", seeds[i], err)
		}
	}
	return out, nil
}

// specWorld is what a campaign needs of a world built from a spec.
type specWorld interface {
	Scheduler() *sim.Scheduler
	Check() mailflow.Report
	Ledger() *mailflow.Ledger
	Probe(at time.Time)
	Differential() []mailflow.Mismatch
}

// build makes the seed's world and starts its migrations; keepEvents keeps
// hops and deferrals in its ledger too (for a run's report).
func build(f *spec.File, seed uint64, keepEvents bool) (specWorld, time.Time, []*mailflow.Migration, time.Duration, error) {
	cfg := mailflow.Config{Seed: seed, KeepEvents: keepEvents}
	if f.Kind == spec.Cutover {
		c, err := mailflow.NewCutoverFromSpec(cfg, f)
		if err != nil {
			return nil, time.Time{}, nil, 0, err
		}
		start := c.Scheduler().Now()
		m := c.StartRunbook(start.Add(30*time.Minute), "", nil)
		// The cutover runs through its parallel run and the month before
		// the legacy server stops.
		return c, start, []*mailflow.Migration{m}, c.Scenario.ParallelRun + c.Scenario.Decommission, nil
	}
	w, err := mailflow.NewSpecWorld(cfg, f)
	if err != nil {
		return nil, time.Time{}, nil, 0, err
	}
	return w, w.Start, w.StartMigrations(w.Start.Add(30*time.Minute), nil), 0, nil
}

// One simulates the spec under one seed, as Run does for each of its
// seeds (a queue worker runs seeds one job at a time with it).
func One(f *spec.File, seed uint64, opts Options) (SeedResult, error) {
	horizon := opts.Horizon
	if horizon <= 0 {
		horizon = 72 * time.Hour
	}
	return one(f, seed, horizon, opts.KeepAll)
}

// one runs one seed. A seed's world keeps every hop and deferral only when
// its run is wanted (keep): a seed that turns out unsafe is run again from
// its seed with everything kept, for its report, and the two runs must
// agree (a world is a function of its seed; KeepEvents changes only what
// the ledger keeps).
func one(f *spec.File, seed uint64, horizon time.Duration, keep bool) (SeedResult, error) {
	res, err := oneRun(f, seed, horizon, keep)
	if err != nil || keep || res.Safe() {
		return res, err
	}
	again, err := oneRun(f, seed, horizon, true)
	if err != nil {
		return SeedResult{}, err
	}
	if again.Counts != res.Counts || len(again.Diff) != len(res.Diff) || len(again.Errors) != len(res.Errors) {
		return SeedResult{}, fmt.Errorf("campaign: seed %d is not deterministic: %+v, then %+v when run again for its report", seed, res.Counts, again.Counts)
	}
	return again, nil
}

// oneRun runs one seed once; keep keeps the whole ledger and makes the
// run's report.
func oneRun(f *spec.File, seed uint64, horizon time.Duration, keep bool) (SeedResult, error) {
	w, start, ms, extra, err := build(f, seed, keep)
	if err != nil {
		return SeedResult{}, err
	}
	res := SeedResult{Seed: seed}
	if err := w.Scheduler().RunFor(horizon + extra); err != nil {
		res.Errors = append(res.Errors, err.Error())
	}
	var finished time.Time
	var steps []report.Step
	for _, m := range ms {
		switch {
		case m.Err != nil:
			res.Errors = append(res.Errors, m.Err.Error())
		case !m.Done:
			res.Errors = append(res.Errors, "a migration did not finish within the horizon")
		}
		if m.Finished.After(finished) {
			finished = m.Finished
		}
		last := ""
		for _, p := range m.Progress {
			if p.Step != last && p.Event != "resumed" {
				steps = append(steps, report.Step{At: p.At, ID: p.Step, Title: p.Title})
				last = p.Step
			}
		}
	}
	w.Probe(w.Scheduler().Now())
	if err := w.Scheduler().RunFor(horizon); err != nil {
		res.Errors = append(res.Errors, err.Error())
	}
	rep := w.Check()
	res.Report = rep
	res.Counts = Counts{Sent: rep.Sent, Delivered: rep.Delivered, Bounced: rep.Bounced, GapBounced: rep.GapBounced, Lost: rep.Lost,
		Duplicated: rep.Duplicated, Misdelivered: rep.Misdelivered, Looped: rep.Looped}
	res.Diff = w.Differential()
	if keep {
		run := report.Run{Title: fmt.Sprintf("%s migration", f.Kind), Seed: seed, Events: w.Ledger().Events(), Report: rep,
			Start: start, End: w.Scheduler().Now(), Finished: finished, Steps: steps}
		for _, m := range res.Diff {
			run.Notes = append(run.Notes, "differs from the legacy server: "+m.String())
		}
		for _, e := range res.Errors {
			run.Notes = append(run.Notes, "plan: "+e)
		}
		res.Run = &run
	}
	return res, nil
}
