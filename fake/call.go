package fake

import (
	"context"
	"errors"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// work is what one driver call does once admitted.
type work struct {
	// outside, if set, runs after the latency without the tenant's lock:
	// for calls that consult something outside the tenant (VerifyDomain
	// asks the ProofChecker, which may read DNS and take time).
	outside func(ctx context.Context) error
	// apply runs under the tenant's lock at the call's virtual end time.
	apply func(now time.Time) error
}

// call runs one driver call whose work needs only the tenant's state.
func (t *Tenant) call(ctx context.Context, admin, op, target string, apply func(now time.Time) error) error {
	return t.run(ctx, admin, op, target, work{apply: apply})
}

// run runs one driver call: admission (session limit, token bucket, faults)
// under the lock, the latency through the clock without it, then the work.
// A call whose context ends during the latency is not applied.
func (t *Tenant) run(ctx context.Context, admin, op, target string, w work) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	start := t.clk.Now()
	t.callSeq++
	startSeq := t.callSeq
	t.opCount[op]++
	n := t.opCount[op]
	if lim := t.cfg.SessionLimit; lim > 0 && t.sessions[admin] >= lim {
		err := sessionError(op, lim)
		t.log(admin, op, target, start, startSeq, err, 0)
		t.mu.Unlock()
		return err
	}
	if ra, ok := t.bucket.take(start); !ok {
		err := &mailops.ThrottledError{Op: op, RetryAfter: ra}
		t.log(admin, op, target, start, startSeq, err, ra)
		t.mu.Unlock()
		return err
	}
	kind, ferr := t.pickFault(op, n)
	var latency time.Duration
	if t.cfg.Latency.Max > 0 {
		latency = t.cfg.Latency.Sample(t.rng)
	}
	if t.bucket.microDelay() {
		latency += t.cfg.Throttle.MicroDelay.Sample(t.rng)
	}
	t.sessions[admin]++
	t.mu.Unlock()

	var err error
	if latency > 0 {
		err = t.clk.Sleep(ctx, latency)
	}
	if err == nil && w.outside != nil && ferr == nil {
		err = w.outside(ctx)
		if err == nil {
			err = ctx.Err()
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	t.sessions[admin]--
	switch {
	case err != nil:
	case ferr != nil:
		err = ferr
	default:
		err = w.apply(t.clk.Now())
		if err == nil && kind == FaultReplyLost {
			err = wrapf(mailops.ErrUnavailable, "%s %s: applied, but the reply was lost", op, target)
		}
	}
	var ra time.Duration
	var te *mailops.ThrottledError
	if errors.As(err, &te) {
		ra = te.RetryAfter
	}
	t.log(admin, op, target, start, startSeq, err, ra)
	return err
}
