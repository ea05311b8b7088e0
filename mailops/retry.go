package mailops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// callKind says how a failed call may be retried and how a lost reply
// (ErrUnavailable) is resolved.
type callKind int

const (
	kindRead   callKind = iota // no side effect
	kindWrite                  // idempotent update: a retry after a lost reply is harmless
	kindCreate                 // ErrExists after a lost reply: read back and compare
	kindDelete                 // ErrNotFound after a lost reply: the delete was applied
)

// call describes one Client call for retries and logs.
type call struct {
	op     string // the Driver method, e.g. "CreateGroup"
	target string // the object's identity, "" for lists
	kind   callKind
	// readBack, for kindCreate, reads the object after an ErrExists that
	// follows a lost reply and reports whether it is what was asked.
	readBack func(ctx context.Context) (bool, error)
}

// do runs fn under the session bound, retrying as RetryOptions says. fn is
// one driver call.
func (c *Client) do(ctx context.Context, cl call, fn func(ctx context.Context) error) error {
	var last error
	ambiguous := false // an earlier attempt's reply was lost: it may have been applied
	throttled := 0     // refusals with a Retry-After, which do not use up attempts
	for attempt := 1; ; attempt++ {
		if err := c.enter(ctx, cl, attempt); err != nil {
			c.logAt(ctx, slog.LevelWarn, "mailops: cancelled waiting for a session or a throttling pause", cl, attempt, 0, err)
			if last != nil {
				return fmt.Errorf("mailops: %s %s: cancelled waiting for a session or a throttling pause: %w (last error: %w)", cl.op, cl.target, err, last)
			}
			return fmt.Errorf("mailops: %s %s: cancelled waiting for a session or a throttling pause: %w", cl.op, cl.target, err)
		}
		start := c.clk.Now()
		err := fn(ctx)
		var te *ThrottledError
		if errors.As(err, &te) && te.RetryAfter > 0 {
			// Before releasing the session, so that no call of this
			// Client starts inside the pause.
			c.pause(c.clk.Now().Add(te.RetryAfter))
		}
		c.sess.release()
		took := c.clk.Now().Sub(start)
		if err == nil {
			c.logAt(ctx, slog.LevelDebug, "mailops: call", cl, attempt, took, nil)
			return nil
		}
		c.logAt(ctx, slog.LevelDebug, "mailops: call failed", cl, attempt, took, err)

		if ambiguous {
			switch {
			case cl.kind == kindCreate && cl.readBack != nil && errors.Is(err, ErrExists):
				return c.resolveExists(ctx, cl, attempt, err)
			case cl.kind == kindDelete && errors.Is(err, ErrNotFound):
				c.logAt(ctx, slog.LevelInfo, "mailops: lost reply resolved: already deleted", cl, attempt, 0, err)
				return nil
			}
		}
		delay, retryable := c.retryDelay(err, attempt)
		if !retryable {
			return err
		}
		if errors.Is(err, ErrUnavailable) && cl.kind != kindRead {
			ambiguous = true
		}
		last = err
		// A refusal with a Retry-After is the service saying when to come
		// back, not a failure of the call: it does not use up an attempt
		// (several calls of a Client competing for a slow budget would
		// otherwise starve one of them), up to MaxThrottled of them.
		if te := (*ThrottledError)(nil); errors.As(err, &te) && te.RetryAfter > 0 && throttled < c.maxThrottled() {
			throttled++
		}
		if attempt-throttled >= c.opts.Retry.MaxAttempts {
			c.logAt(ctx, slog.LevelWarn, "mailops: giving up", cl, attempt, 0, err)
			return fmt.Errorf("mailops: %s %s: giving up after %d attempts: %w", cl.op, cl.target, attempt, err)
		}
		c.logAt(ctx, slog.LevelInfo, "mailops: retrying", cl, attempt, delay, err)
		if serr := c.clk.Sleep(ctx, delay); serr != nil {
			c.logAt(ctx, slog.LevelWarn, "mailops: cancelled during backoff", cl, attempt, delay, serr)
			return fmt.Errorf("mailops: %s %s: cancelled during backoff: %w (last error: %w)", cl.op, cl.target, serr, last)
		}
	}
}

// maxThrottled bounds the throttling refusals one call waits through.
func (c *Client) maxThrottled() int { return 8 * c.opts.Retry.MaxAttempts }

// enter waits until the Client is not paused by a Retry-After and holds a
// session.
func (c *Client) enter(ctx context.Context, cl call, attempt int) error {
	for {
		if d := c.pauseLeft(); d > 0 {
			c.logAt(ctx, slog.LevelDebug, "mailops: paused by throttling", cl, attempt, d, nil)
			if err := c.clk.Sleep(ctx, d); err != nil {
				return err
			}
		}
		if err := c.sess.acquire(ctx); err != nil {
			return err
		}
		if c.pauseLeft() <= 0 {
			return nil
		}
		c.sess.release() // a pause began while waiting for the session
	}
}

// pause makes every call of the Client wait until t: a backend throttles the
// admin (or app), not one call, so other calls sent before the Retry-After
// would only be throttled too.
func (c *Client) pause(t time.Time) {
	c.mu.Lock()
	if t.After(c.notBefore) {
		c.notBefore = t
	}
	c.mu.Unlock()
}

func (c *Client) pauseLeft() time.Duration {
	c.mu.Lock()
	nb := c.notBefore
	c.mu.Unlock()
	return nb.Sub(c.clk.Now())
}

// resolveExists settles a create whose reply was lost and whose retry found
// the object: success if the object is what was asked, else the ErrExists.
// The backend just said the object exists, so a read-back that does not find
// it, or finds it different, may be read lag: it is read again, every
// Consistency.Interval, until the Consistency.Timeout, and only then is a
// different object believed.
func (c *Client) resolveExists(ctx context.Context, cl call, attempt int, existsErr error) error {
	deadline := c.clk.Now().Add(c.opts.Consistency.Timeout)
	for {
		same, err := cl.readBack(ctx)
		// Absent or different may both be a lagging read (an older version,
		// even of an earlier object at the same address): read again.
		if (errors.Is(err, ErrNotFound) || (err == nil && !same)) && c.clk.Now().Before(deadline) {
			c.logAt(ctx, slog.LevelDebug, "mailops: lost reply: read-back lags, reading again", cl, attempt, c.opts.Consistency.Interval, err)
			if serr := c.clk.Sleep(ctx, c.opts.Consistency.Interval); serr != nil {
				return fmt.Errorf("mailops: %s %s: exists after a lost reply, cancelled reading it back: %w (read-back: %w)", cl.op, cl.target, existsErr, serr)
			}
			continue
		}
		if err != nil {
			c.logAt(ctx, slog.LevelWarn, "mailops: lost reply unresolved: read-back failed", cl, attempt, 0, err)
			return fmt.Errorf("mailops: %s %s: exists after a lost reply and reading it back failed: %w (read-back: %w)", cl.op, cl.target, existsErr, err)
		}
		if !same {
			c.logAt(ctx, slog.LevelWarn, "mailops: lost reply: a different object exists", cl, attempt, 0, existsErr)
			return fmt.Errorf("mailops: %s %s: a different object exists: %w", cl.op, cl.target, existsErr)
		}
		c.logAt(ctx, slog.LevelInfo, "mailops: lost reply resolved: created as asked", cl, attempt, 0, existsErr)
		return nil
	}
}

// retryDelay reports whether err is worth retrying and how long to wait
// first: max(Retry-After, backoff) for throttling, the backoff for too many
// sessions and lost replies.
func (c *Client) retryDelay(err error, attempt int) (time.Duration, bool) {
	var te *ThrottledError
	switch {
	case errors.As(err, &te):
		return max(te.RetryAfter, c.backoff(attempt)), true
	case errors.Is(err, ErrThrottled), errors.Is(err, ErrTooManySessions), errors.Is(err, ErrUnavailable):
		return c.backoff(attempt), true
	}
	return 0, false
}

// backoff returns the jittered delay before retry n (n >= 1): uniform in
// [d/2, d] with d = min(Max, Base*2^(n-1)).
func (c *Client) backoff(n int) time.Duration {
	r := c.opts.Retry
	d := r.Max
	if shift := n - 1; shift < 62 && r.Base <= r.Max>>shift {
		d = r.Base << shift
	}
	half := d / 2
	c.mu.Lock()
	j := time.Duration(c.rng.Int64N(int64(d-half) + 1))
	c.mu.Unlock()
	return half + j
}

// logAt logs one record; d is the call's duration for "mailops: call"
// records and the backoff delay otherwise.
func (c *Client) logAt(ctx context.Context, level slog.Level, msg string, cl call, attempt int, d time.Duration, err error) {
	if !c.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", cl.op),
		slog.Int("attempt", attempt),
		slog.Time("at", c.clk.Now()),
	}
	if cl.target != "" {
		attrs = append(attrs, slog.String("target", cl.target))
	}
	if d != 0 {
		key := "delay"
		if strings.HasPrefix(msg, "mailops: call") {
			key = "took"
		}
		attrs = append(attrs, slog.Duration(key, d))
	}
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	c.log.LogAttrs(ctx, level, msg, attrs...)
}

// doValue is do for driver calls that return a value.
func doValue[T any](ctx context.Context, c *Client, cl call, fn func(ctx context.Context) (T, error)) (T, error) {
	var out T
	err := c.do(ctx, cl, func(ctx context.Context) error {
		v, err := fn(ctx)
		if err == nil {
			out = v
		}
		return err
	})
	return out, err
}
