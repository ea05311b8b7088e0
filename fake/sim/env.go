package sim

import (
	"math/rand/v2"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Env is what model code needs from an executor: the mailops.Clock, events
// and seeded randomness. *Scheduler (virtual time) and *Wall (real time)
// implement it, so the same model runs in the simulator and in a lab.
type Env interface {
	mailops.Clock
	At(t time.Time, name string, fn func()) *Timer
	After(d time.Duration, name string, fn func()) *Timer
	Rand(subsystem string) *rand.Rand
}

var (
	_ Env = (*Scheduler)(nil)
	_ Env = (*Wall)(nil)
)
