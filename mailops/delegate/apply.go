package delegate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// SnoozeError asks the queue to run the job again after For without counting
// a failure: the tenant throttled the service (its Retry-After), or another
// request for the same address is being applied.
type SnoozeError struct {
	For    time.Duration
	Reason error
}

// Error says how long and why.
func (e *SnoozeError) Error() string { return fmt.Sprintf("delegate: snooze %s: %v", e.For, e.Reason) }

// Unwrap returns the reason.
func (e *SnoozeError) Unwrap() error { return e.Reason }

// BusySnooze is how long a job waits when its address is busy.
const BusySnooze = 5 * time.Second

// Notifier is told about a request that reached a state worth a mail
// (awaiting approval, done, failed, rejected). An error is logged by the
// caller, never undoes the state change.
type Notifier interface {
	Notify(ctx context.Context, r Request) error
}

// Applier applies queued requests to the tenant through a mailops.Client. It
// is idempotent: each run checks the operation against the tenant first, so
// a job run twice (after a crash, or a lost reply) finds the change made and
// only waits for it to converge.
type Applier struct {
	Store  Store
	Client *mailops.Client
	Config Config
	// Clock stamps audit entries; default the Client's.
	Clock mailops.Clock
	// Outbox, if set, queues the done and failed notifications in the
	// transaction of the state change (Queue.Outbox); otherwise Notify, if
	// set, is called after the commit.
	Outbox func(r Request) TxHook
	// Notify, without an Outbox, hears of done and failed requests.
	Notify Notifier
	// Logger records notification failures; default discards.
	Logger *slog.Logger
	// MailFlow, if set, must show the change before a converged request
	// is done: done means the change reached mail flow, not only admin
	// reads. Without it a request is done once converged.
	MailFlow MailFlow
	// Replica, if set, is refreshed after each request ends, so that the
	// service's own change is in the replica before the next periodic
	// refresh compares it.
	Replica *Refresher
}

func (a *Applier) now() time.Time {
	if a.Clock != nil {
		return a.Clock.Now()
	}
	return a.Client.Options().Clock.Now()
}

// Apply works request id once. It returns nil when the request ended (done,
// failed, or already terminal), a *SnoozeError to be run again later, or
// another error for the queue to retry; with final set (the queue's last
// attempt) a retryable failure fails the request instead.
func (a *Applier) Apply(ctx context.Context, id string, final bool) error {
	r, err := a.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case r.State.Terminal():
		return nil
	case r.State == Converged:
		return a.done(ctx, r)
	case r.State != Queued && r.State != Applying:
		return fmt.Errorf("%w: job for a request that is %s", ErrTransition, r.State)
	}
	r, err = a.Store.Claim(ctx, id, Entry{At: a.now(), Actor: "service", Event: "claim"})
	if errors.Is(err, ErrBusy) {
		return &SnoozeError{For: BusySnooze, Reason: err}
	}
	if err != nil {
		return err
	}
	err = a.change(ctx, r)
	var te *mailops.ThrottledError
	switch {
	case err == nil:
		if err := a.finish(ctx, id, Converged, "reads show the change"); err != nil {
			return err
		}
		return a.done(ctx, r)
	case errors.As(err, &te) && !final:
		d := te.RetryAfter
		if d <= 0 {
			d = time.Second // no hint: a short pause
		}
		return &SnoozeError{For: d, Reason: err}
	case retryable(err) && !final:
		return err
	}
	return a.finish(ctx, id, Failed, err.Error())
}

// retryable reports whether err may pass by itself: a throttle, a lost reply,
// a busy backend, a change not yet visible. Validation, policy, permission
// and conflict errors never do.
func retryable(err error) bool {
	for _, perm := range []error{mailops.ErrInvalid, mailops.ErrPolicy, mailops.ErrForbidden, mailops.ErrConflict,
		mailops.ErrExists, mailops.ErrNotFound, mailops.ErrDomainTaken, mailops.ErrNotVerified, ErrTransition} {
		if errors.Is(err, perm) {
			return false
		}
	}
	return true
}

// change checks the request's operation against the tenant, applies it unless
// it is already there, and waits until reads show it Consistency.Reads
// times in a row.
func (a *Applier) change(ctx context.Context, r Request) error {
	p, err := a.Config.Plan(r)
	if err != nil {
		return err
	}
	if len(a.Config.External(r.Targets)) > 0 {
		ctx = mailops.WithExternalMembers(ctx) // approved by IT: NeedsApproval sends every external target there
	}
	c := a.Client
	for _, s := range p.Steps {
		for _, act := range s.Actions {
			st, err := a.stableCheck(ctx, act.Op)
			if err != nil {
				return fmt.Errorf("delegate: request %s: check %s: %w", r.ID, act.Op.Describe(), err)
			}
			if st != mailops.Done {
				if err := act.Op.Apply(ctx, c); err != nil {
					return fmt.Errorf("delegate: request %s: %s: %w", r.ID, act.Op.Describe(), err)
				}
			}
			if err := a.await(ctx, act.Op); err != nil {
				return fmt.Errorf("delegate: request %s: %w", r.ID, err)
			}
		}
	}
	return nil
}

// stableCheck checks op against the tenant until Consistency.Reads checks
// in a row agree, so that one lagging read (a group that "is not there yet"
// an instant after it was made) is not taken for a conflict or for done.
func (a *Applier) stableCheck(ctx context.Context, op mailops.Operation) (mailops.Status, error) {
	c := a.Client.Options()
	limit := int(c.Consistency.Timeout/c.Consistency.Interval) + c.Consistency.Reads
	var last string
	streak := 0
	for range limit {
		st, err := op.Check(ctx, a.Client)
		if err != nil && retryable(err) && !errors.Is(err, mailops.ErrConflict) {
			return 0, err
		}
		key := fmt.Sprint(st)
		if err != nil {
			key = err.Error()
		}
		if key == last {
			streak++
		} else {
			last, streak = key, 1
		}
		if streak >= c.Consistency.Reads {
			return st, err
		}
		if err := c.Clock.Sleep(ctx, c.Consistency.Interval); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%w: checks of %s never agreed %d times in a row", mailops.ErrNotConsistent, op.Describe(), c.Consistency.Reads)
}

// await waits until reads show op's effect.
func (a *Applier) await(ctx context.Context, op mailops.Operation) error {
	c := a.Client
	switch o := op.(type) {
	case mailops.CreateGroup:
		return c.AwaitGroup(ctx, o.Group)
	case mailops.SetGroupMembers:
		return c.Await(ctx, "members of "+string(o.Group), func(ctx context.Context) (bool, error) {
			g, err := c.GetGroup(ctx, o.Group)
			if err != nil {
				return false, err
			}
			return sameSet(g.Members, o.Members), nil
		})
	case mailops.SetSimpleDisplayName:
		return c.Await(ctx, "simple display name of "+string(o.Address), func(ctx context.Context) (bool, error) {
			r, err := c.GetRecipient(ctx, o.Address)
			if err != nil {
				return false, err
			}
			return r.SimpleDisplayName == o.Name, nil
		})
	case mailops.DeleteGroup:
		return c.Await(ctx, "deletion of "+string(o.Group), func(ctx context.Context) (bool, error) {
			_, err := c.GetGroup(ctx, o.Group)
			if errors.Is(err, mailops.ErrNotFound) {
				return true, nil
			}
			return false, err
		})
	}
	return fmt.Errorf("delegate: no convergence check for %T", op)
}

func sameSet(a, b []mailops.Address) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[mailops.Address]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// done moves a converged request to done once mail flow shows its change,
// or snoozes it (MailFlowSnooze) until it does.
func (a *Applier) done(ctx context.Context, r Request) error {
	detail := ""
	if a.MailFlow != nil {
		ok, seen, err := reachedMail(ctx, a.MailFlow, r)
		if err != nil {
			return err
		}
		if !ok {
			return &SnoozeError{For: MailFlowSnooze, Reason: fmt.Errorf("delegate: request %s converged, waiting for mail flow: %s", r.ID, seen)}
		}
		detail = seen
	}
	return a.finish(ctx, r.ID, Done, detail)
}

// finish moves the request to state to (converged, done or failed) and
// notifies of done and failed, through the Outbox or after the commit.
func (a *Applier) finish(ctx context.Context, id string, to State, detail string) error {
	var after Request
	r, err := a.Store.Update(ctx, id, func(r *Request) (Entry, error) {
		r.State = to
		r.UpdatedAt = a.now()
		if to == Failed {
			r.Reason = detail
		}
		after = *r
		return Entry{At: r.UpdatedAt, Actor: "service", Event: string(to), Detail: detail}, nil
	}, noticeHook(a.Outbox, &after))
	if err != nil {
		return err
	}
	if a.Replica != nil && to.Terminal() {
		_, _ = a.Replica.Refresh(ctx) // best effort: the periodic refresh catches up
	}
	if a.Outbox == nil && a.Notify != nil && notifies(to) {
		if err := a.Notify.Notify(ctx, r); err != nil && a.Logger != nil { // a lost mail never undoes the change
			a.Logger.WarnContext(ctx, "delegate: notification failed", slog.String("request", id), slog.Any("error", err))
		}
	}
	return nil
}
