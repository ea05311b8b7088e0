package fake

import (
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// FaultKind says what a targeted fault does.
type FaultKind int

// Fault kinds.
const (
	// FaultError refuses the call with Err; nothing is applied.
	FaultError FaultKind = iota
	// FaultReplyLost applies the call, then reports an error wrapping
	// mailops.ErrUnavailable: the caller cannot tell whether it was applied.
	FaultReplyLost
)

// Fault is a targeted failure: the Nth call of Op (counting from 1, across
// admins, every call the tenant received including those refused for
// sessions or throttling) fails as Kind says. Nth 0 means the next call of
// Op. If the Nth call is refused before it reaches the service (session
// limit, throttling), the fault fires on the next call of Op that does.
type Fault struct {
	// Op is the Driver method name, e.g. "CreateGroup".
	Op   string
	Nth  int
	Kind FaultKind
	// Err is the error of a FaultError, for example
	// &mailops.ThrottledError{RetryAfter: time.Minute}; nil means an error
	// wrapping mailops.ErrUnavailable.
	Err error
}

// InjectFault arms a targeted fault. Each fault fires once.
func (t *Tenant) InjectFault(f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.Nth <= 0 {
		f.Nth = t.opCount[f.Op] + 1
	}
	t.faults = append(t.faults, f)
}

// pickFault returns the targeted fault for the nth call of op, else maybe a
// random one (TenantConfig.Faults). Called with t.mu held.
func (t *Tenant) pickFault(op string, n int) (FaultKind, error) {
	for i, f := range t.faults {
		if f.Op == op && f.Nth <= n {
			t.faults = append(t.faults[:i], t.faults[i+1:]...)
			if f.Kind == FaultReplyLost {
				return FaultReplyLost, nil
			}
			if f.Err == nil {
				f.Err = wrapf(mailops.ErrUnavailable, "%s: injected fault", op)
			}
			return FaultError, f.Err
		}
	}
	rf := t.cfg.Faults
	if rf.Throttle == 0 && rf.Unavailable == 0 && rf.ReplyLost == 0 {
		return 0, nil
	}
	x := t.rng.Float64()
	switch {
	case x < rf.Throttle:
		return FaultError, &mailops.ThrottledError{Op: op, RetryAfter: ceilSeconds(rf.ThrottleRetryAfter.Sample(t.rng))}
	case x < rf.Throttle+rf.Unavailable:
		return FaultError, wrapf(mailops.ErrUnavailable, "%s: service unavailable", op)
	case x < rf.Throttle+rf.Unavailable+rf.ReplyLost:
		return FaultReplyLost, nil
	}
	return 0, nil
}

// sessionError is the refusal of a call beyond the admin's session limit,
// worded as Exchange Online's (exo-facts 8.1).
// sessionError is the refusal of a call over the concurrency limit. Every
// cmdlet goes through the REST transport since 2023, where overload is
// answered as throttling (429 with Retry-After), not with the remote
// PowerShell "Fail to create a runspace" error (fidelity audit C3, E1). It
// matches both ErrThrottled (with its Retry-After) and ErrTooManySessions.
func sessionError(op string, limit int) error {
	te := &mailops.ThrottledError{Op: op, RetryAfter: time.Second}
	return fmt.Errorf("fake: %s: too many concurrent requests (more than %d in flight): 429, Retry-After 1: %w: %w", op, limit, te, mailops.ErrTooManySessions)
}

// LagReads makes every admin read until the tenant's clock reaches until see
// the state as it was lag earlier: a burst of stale reads, beyond the
// configured AdminLag (a lab's "lagging read" event). Mail flow is not
// affected. lag <= 0 or an until in the past ends a burst.
func (t *Tenant) LagReads(until time.Time, lag time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if lag <= 0 {
		until = time.Time{}
	}
	t.lagUntil, t.lagBy = until, lag
}
