package sim

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Env is what model code needs from an executor: the mailops.Clock, events,
// named processes, timeouts and seeded randomness. *Scheduler (virtual
// time) and *Wall (real time) implement it, so the same model runs in the
// simulator and in a lab.
type Env interface {
	mailops.Clock
	// At runs fn at time t; After runs fn after d. Event callbacks run one
	// at a time and must not block.
	At(t time.Time, name string, fn func()) *Timer
	After(d time.Duration, name string, fn func()) *Timer
	// GoNamed is Go with a name for traces and reports.
	GoNamed(name string, fn func())
	// WithTimeout returns a context that ends after d in the executor's time.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
	// Rand returns the subsystem's generator, derived from the seed.
	Rand(subsystem string) *rand.Rand
}

var (
	_ Env = (*Scheduler)(nil)
	_ Env = (*Wall)(nil)
)
