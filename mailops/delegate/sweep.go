package delegate

import (
	"context"
	"errors"
	"fmt"
)

// Sweep applies, one after another, every queued or applying request of the
// delegated domains, and returns how many it left unfinished (snoozed or
// failing for now). The store's queued requests are the queue: it is the
// queue's work without River, for a single process on any mailops.Clock,
// in particular the simulator's virtual time, where River (on the wall
// clock) cannot run.
func (a *Applier) Sweep(ctx context.Context) (int, error) {
	left := 0
	for _, d := range a.Config.allDomains() {
		rs, err := a.Store.List(ctx, d)
		if err != nil {
			return left, err
		}
		for _, r := range rs {
			if r.State != Queued && r.State != Applying && r.State != Converged {
				continue
			}
			err := a.Apply(ctx, r.ID, false)
			var sn *SnoozeError
			switch {
			case err == nil:
			case errors.As(err, &sn) || retryable(err):
				left++
			default:
				return left, fmt.Errorf("delegate: sweep %s: %w", r.ID, err)
			}
		}
	}
	return left, nil
}
