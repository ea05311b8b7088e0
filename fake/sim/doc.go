// Package sim is mailops's discrete-event simulator: virtual time, simulated
// processes and seeded randomness, so that a whole migration (the runner, the
// Client, concurrent workers, the fake tenant and every message of mail flow)
// runs in milliseconds and a seed reproduces a run bit for bit.
//
// One loop runs events ordered by (virtual time, sequence number). Code that
// blocks (the mailops Client, a runner, a user's script) runs as simulated
// processes: goroutines that take turns with the loop so that exactly one of
// them runs at a time. A process blocks only through the Scheduler, which
// implements mailops.Clock: Sleep parks it until a wake-up event, a Signal
// parks it until fired, and a context made with WithTimeout ends in virtual
// time. All randomness comes from the seed, split per subsystem with Rand, so
// adding randomness to one subsystem does not perturb another.
//
// Why not testing/synctest: it advances a fake clock when every goroutine of a
// bubble is blocked, but does not order goroutines that wake at the same
// instant, so two runs of the same test can interleave differently. Here the
// loop decides who runs next, by (time, sequence), so runs are reproducible at
// any GOMAXPROCS.
//
// The same model code runs in real time on the wall executor (NewWall), for
// labs and demonstrations.
package sim
