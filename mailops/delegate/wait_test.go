package delegate

import (
	"context"
	"testing"
	"time"
)

// waitBound is how long a test waits for the queue's workers (which run in
// real time) to get somewhere before it fails: an overall deadline, not a
// poll interval.
const waitBound = 30 * time.Second

// waitCtx is a context that ends waitBound from now (or with the test).
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	t.Cleanup(cancel)
	return ctx
}

// await calls check now and again after each signal of changed (a channel
// closed by the next change) until check reports done, or returns ctx's
// error. changed is taken before each check, so a change made while check
// runs still wakes it: no change is missed, and nothing polls.
func await(ctx context.Context, changed func() <-chan struct{}, check func() bool) error {
	for {
		ch := changed()
		if check() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
