// Package sim is mailops's discrete-event simulator: virtual time, simulated
// processes and seeded randomness, so that a whole migration (the runner, the
// Client, concurrent workers, the fake tenant and every message of mail flow)
// runs in milliseconds and a seed reproduces a run bit for bit.
//
// # Model
//
// A Scheduler is one loop over events ordered by (virtual time, sequence
// number): the sequence number is given when an event is scheduled, so
// events due at the same instant run in the order they were scheduled.
// Virtual time starts at Epoch (2026-01-01T00:00:00Z) and moves only when
// the loop takes the next event. Events (At, After) are callbacks run on the
// loop; they must not block.
//
// Code that blocks (the mailops Client, a runner, a user's script) runs as
// simulated processes (Go, GoNamed): coroutines (iter.Pull) that take turns
// with the loop, so that exactly one process or event runs at a time. The loop hands
// control to a process and waits until it parks or ends. A process parks
// only through the Scheduler, which implements mailops.Clock: Sleep parks it
// until a wake-up event; a Signal's Wait parks it until Fire, which
// schedules the waiters' wake-ups at the current instant in the order they
// parked; and a context that ends (a WithTimeout expiring in virtual time,
// or a cancel called by another process or event) wakes the processes
// parked under it, checked by the loop after every step, so the wake-up is
// at the same instant and in a fixed order. A goroutine started with the go
// statement is not a process: it must not call Sleep or Wait with d > 0,
// and it must not block on anything a process will release.
//
// Now, and Sleep with d <= 0, work from any goroutine at any time (tests
// call zero-latency fake drivers straight from the test goroutine, loopback
// servers read the clock). Sleep and Wait that would park a caller that is
// not a process return ErrNotProcess instead of deadlocking.
//
// Run runs until nothing is left; processes still parked then are reported
// as a *DeadlockError, and a panic in a process or event as a *PanicError
// carrying the name and stack, instead of crashing the test binary.
// RunUntil and RunFor stop at a virtual time and can be resumed. Close wakes
// every parked process with ErrClosed so that no goroutine is leaked.
//
// All randomness comes from the seed, split per subsystem with Rand, so
// adding randomness to one subsystem does not perturb another. SetTrace
// records every step; the package's tests check that a seed gives the same
// trace at GOMAXPROCS 1 and 8.
//
// # Why not testing/synctest
//
// synctest advances a fake clock when every goroutine of a bubble is
// blocked, but it does not order goroutines that wake at the same instant:
// the Go scheduler picks, so two runs of the same test can interleave
// differently and a failing seed does not reproduce. Here the loop decides
// who runs next, by (time, sequence), so runs are reproducible at any
// GOMAXPROCS.
//
// # Costs and limits
//
// Plain events run at several million per second; a process sleeping and
// waking costs two coroutine switches (see the benchmarks): a switch stays
// on the loop's thread, where a channel hand-off between goroutines woke
// an idle P (2.5x slower, and one world ran slower with two cores than with
// one). Parked waits
// are grouped by context, and the loop polls each distinct context once per
// step, so thousands of processes under one context are cheap but thousands
// of distinct cancellable contexts parked at once slow every step.
// WithTimeout's virtual deadline is not reported by ctx.Deadline, because
// code that turns a deadline into a socket timeout compares it with the
// wall clock.
//
// # Wall executor
//
// The same model code, written against Env, runs in real time on the wall
// executor (NewWall), for labs and demonstrations: events on real timers
// serialised by a mutex, processes as plain goroutines.
package sim
