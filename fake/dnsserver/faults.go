package dnsserver

import (
	"context"

	"github.com/mailops-dev/mailops/mailops"
)

// FaultMode is how a name misbehaves, for tests.
type FaultMode string

const (
	// FaultNone answers normally again.
	FaultNone FaultMode = ""
	// FaultServFail answers SERVFAIL.
	FaultServFail FaultMode = "servfail"
	// FaultSilent never answers: in-process, Exchange blocks until its
	// context ends; on the network the query is dropped.
	FaultSilent FaultMode = "silent"
)

// FailWith makes queries for exactly name (any type, also when a CNAME
// chain reaches it) misbehave as mode says, until FailWith(name,
// FaultNone). The name need not be in a zone.
func (a *Authority) FailWith(name string, mode FaultMode) error {
	n, err := canonical(name)
	if err != nil {
		return err
	}
	switch mode {
	case FaultNone, FaultServFail, FaultSilent:
	default:
		return &mailops.ValidationError{Field: "mode", Value: string(mode), Reason: `want "", "servfail" or "silent"`}
	}
	a.lockForChange()
	defer a.mu.Unlock()
	if mode == FaultNone {
		delete(a.faults, n)
	} else {
		a.faults[n] = mode
	}
	return nil
}

// UseClock makes in-process queries to a FaultSilent name wait on clk (a
// Signal that never fires) until their context ends, so that under fake/sim
// a simulated process blocks through the scheduler and a sim.WithTimeout
// context ends it in virtual time. Without a clock they wait on the
// context's Done channel.
func (a *Authority) UseClock(clk mailops.Clock) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clk = clk
}

// silence waits until ctx ends, on the clock if there is one.
func (a *Authority) silence(ctx context.Context) error {
	a.mu.RLock()
	clk := a.clk
	a.mu.RUnlock()
	if clk == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	if err := clk.NewSignal().Wait(ctx); err != nil {
		return err
	}
	return ctx.Err() // a Signal nobody fires: not reached
}
