package mailops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrNotConsistent means reads did not show a change Consistency.Reads times
// in a row before Consistency.Timeout.
var ErrNotConsistent = errors.New("mailops: change not visible to reads before the timeout")

// Await polls ok every Consistency.Interval until it reports true
// Consistency.Reads times in a row, and returns nil then. desc names what is
// awaited, for errors and logs. An ErrNotFound from ok counts as "not yet";
// any other error stops the wait and is returned (a failed read is never
// taken for absence). Await fails with an error matching ErrNotConsistent
// when Consistency.Timeout passes first, and with ctx.Err() when ctx ends.
// All waiting goes through the Client's Clock.
func (c *Client) Await(ctx context.Context, desc string, ok func(ctx context.Context) (bool, error)) error {
	return c.awaitWithin(ctx, desc, c.opts.Consistency.Timeout, ok)
}

// AcceptedTimeout bounds AwaitAccepted: Exchange Online documents no delay
// between enabling Email on a domain and the accepted domain appearing;
// an hour is a generous guess.
const AcceptedTimeout = time.Hour

// AwaitAccepted waits until reads show the domain as an Exchange Online
// accepted domain (after EnableEmail), Consistency.Reads times in a row,
// for at most AcceptedTimeout.
func (c *Client) AwaitAccepted(ctx context.Context, name string) error {
	return c.awaitWithin(ctx, "accepted domain "+name, max(AcceptedTimeout, c.opts.Consistency.Timeout),
		c.domainIs(name, func(d Domain) bool { return d.Accepted() }))
}

func (c *Client) awaitWithin(ctx context.Context, desc string, timeout time.Duration, ok func(ctx context.Context) (bool, error)) error {
	cfg := c.opts.Consistency
	start := c.clk.Now()
	deadline := start.Add(timeout)
	streak := 0
	for reads := 1; ; reads++ {
		seen, err := ok(ctx)
		switch {
		case err != nil && !errors.Is(err, ErrNotFound):
			c.log.LogAttrs(ctx, slog.LevelWarn, "mailops: consistency wait failed", slog.String("awaiting", desc),
				slog.Int("reads", reads), slog.Time("at", c.clk.Now()), slog.Any("error", err))
			return fmt.Errorf("mailops: waiting for %s: %w", desc, err)
		case err == nil && seen:
			streak++
		default:
			streak = 0
		}
		if streak >= cfg.Reads {
			c.log.LogAttrs(ctx, slog.LevelDebug, "mailops: consistent", slog.String("awaiting", desc),
				slog.Int("reads", reads), slog.Duration("waited", c.clk.Now().Sub(start)), slog.Time("at", c.clk.Now()))
			return nil
		}
		if c.clk.Now().Add(cfg.Interval).After(deadline) {
			c.log.LogAttrs(ctx, slog.LevelWarn, "mailops: consistency timeout", slog.String("awaiting", desc),
				slog.Int("reads", reads), slog.Int("streak", streak), slog.Time("at", c.clk.Now()))
			return fmt.Errorf("%w: %s: %d reads over %s, last %d in a row, %d needed",
				ErrNotConsistent, desc, reads, c.clk.Now().Sub(start), streak, cfg.Reads)
		}
		if err := c.clk.Sleep(ctx, cfg.Interval); err != nil {
			return fmt.Errorf("mailops: waiting for %s: %w", desc, err)
		}
	}
}

// AwaitGroup waits until reads show a group equal to g (address, name,
// members, owners, SendAs and sender authentication) Consistency.Reads times
// in a row.
func (c *Client) AwaitGroup(ctx context.Context, g Group) error {
	return c.Await(ctx, "group "+string(g.PrimaryAddress), c.groupIs(g.PrimaryAddress, func(have Group) bool { return groupsMatch(have, g) }))
}

// AwaitRecipient waits until reads show a recipient equal to r
// Consistency.Reads times in a row.
func (c *Client) AwaitRecipient(ctx context.Context, r Recipient) error {
	return c.Await(ctx, "recipient "+string(r.Address), c.recipientIs(r.Address, func(have Recipient) bool { return recipientsMatch(have, r) }))
}

// settle is called after a successful write: with Options.WaitConsistent it
// waits until reads show the write.
func (c *Client) settle(ctx context.Context, desc string, ok func(ctx context.Context) (bool, error)) error {
	if !c.opts.WaitConsistent {
		return nil
	}
	return c.Await(ctx, desc, ok)
}

// Predicates over reads, for Await. Each read goes through the Client (session
// bound and retries).

func (c *Client) groupIs(a Address, pred func(Group) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		g, err := c.GetGroup(ctx, a)
		if err != nil {
			return false, err
		}
		return pred(g), nil
	}
}

func (c *Client) recipientIs(a Address, pred func(Recipient) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		r, err := c.GetRecipient(ctx, a)
		if err != nil {
			return false, err
		}
		return pred(r), nil
	}
}

func (c *Client) domainIs(name string, pred func(Domain) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		d, err := c.GetDomain(ctx, name)
		if err != nil {
			return false, err
		}
		return pred(d), nil
	}
}

// absent turns a read into "the object is gone": ErrNotFound is true, any
// other error is passed on.
func absent[T any](read func(ctx context.Context) (T, error)) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		_, err := read(ctx)
		if errors.Is(err, ErrNotFound) {
			return true, nil
		}
		return false, err
	}
}

// equalTo is "the object reads back equal to want" for comparable types.
func equalTo[T comparable](read func(ctx context.Context) (T, error), want T) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		have, err := read(ctx)
		if err != nil {
			return false, err
		}
		return have == want, nil
	}
}

func matching[T any](read func(ctx context.Context) (T, error), eq func(T) bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		have, err := read(ctx)
		if err != nil {
			return false, err
		}
		return eq(have), nil
	}
}
