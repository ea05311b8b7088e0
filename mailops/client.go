package mailops

import (
	"context"
	crand "crypto/rand"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Options configure a Client. The zero value is usable: every zero field takes
// the default documented on it.
type Options struct {
	// Clock is the source of time and concurrency; default WallClock{}.
	// Inside the simulator pass the *sim.Scheduler.
	Clock Clock
	// Logger receives one record per call, retry and give-up; default
	// discards.
	Logger *slog.Logger
	// MaxSessions bounds the driver calls this Client has in flight at once;
	// default DefaultMaxSessions. It is a setting, not a documented limit:
	// every Exchange Online cmdlet goes through the REST transport since
	// 2023, and Microsoft documents no number of concurrent REST calls (only
	// "you could use up all the sessions available to you",
	// learn.microsoft.com/powershell/exchange/connect-to-exchange-online-powershell).
	// The last documented figure, five open connections, applied to remote
	// PowerShell only and was removed in July 2023. Throttling arrives as
	// 429 with Retry-After, which the Client honours whatever this value.
	MaxSessions int
	// Retry controls retries of throttled and transient failures.
	Retry RetryOptions
	// Rand is the source of backoff jitter. The Client uses it under its
	// own lock: do not use it elsewhere concurrently. Default: if Clock has a
	// method Rand(subsystem string) *rand.Rand (as the simulator's
	// scheduler does), Clock.Rand("mailops.Client"), so that simulations
	// reproduce from their seed; otherwise a generator seeded from
	// crypto/rand, so that separate processes do not jitter in step.
	Rand *rand.Rand
	// AllowExternalMembers lets group members, owners and SendAs trustees
	// be outside the tenant's accepted domains. Default false: such
	// addresses are refused with a *PolicyError. A single call can allow
	// them with a context from WithExternalMembers.
	AllowExternalMembers bool
	// Consistency controls waiting for reads to show a write.
	Consistency ConsistencyOptions
	// WaitConsistent makes every successful write wait (see Await) until
	// reads show its effect Consistency.Reads times in a row.
	WaitConsistent bool
}

// RetryOptions control the Client's retries. A throttled call is retried no
// sooner than its Retry-After and no sooner than the jittered backoff, and
// the Retry-After pauses the whole Client: no other call of it starts before
// the Retry-After has passed (the backend throttles the admin, not a call). A
// call
// refused for too many sessions or whose backend was unavailable is retried
// after the jittered backoff. The backoff before retry n (n = 1, 2, ...) is
// drawn uniformly from [d/2, d] where d = min(Max, Base*2^(n-1)).
type RetryOptions struct {
	// MaxAttempts is the total number of attempts, first call included;
	// default 8. 1 disables retries.
	MaxAttempts int
	// Base is the first backoff step; default 1s.
	Base time.Duration
	// Max caps every backoff (not a Retry-After, which is always honoured);
	// default 2m.
	Max time.Duration
}

// ConsistencyOptions control Await and the waits of Options.WaitConsistent.
type ConsistencyOptions struct {
	// Reads is how many reads in a row must show the change; default 3.
	Reads int
	// Interval is the pause between reads; default 2s.
	Interval time.Duration
	// Timeout bounds one wait; default 5m.
	Timeout time.Duration
}

// Defaults used for zero Options fields.
const (
	// DefaultMaxSessions stays below the last documented remote
	// PowerShell figure (five); see Options.MaxSessions.
	DefaultMaxSessions         = 3
	DefaultRetryAttempts       = 8
	DefaultRetryBase           = time.Second
	DefaultRetryMax            = 2 * time.Minute
	DefaultConsistencyReads    = 3
	DefaultConsistencyInterval = 2 * time.Second
	DefaultConsistencyTimeout  = 5 * time.Minute
)

// Client is the portable client callers use. It validates every value before
// any driver call (nothing is applied in part), enforces policy, bounds
// concurrent driver calls to MaxSessions, retries throttled and transient
// failures, resolves lost replies, logs with slog and can wait for
// consistency. *Client implements Driver, so it can stand wherever a Driver
// is expected (the Runner, operations). It is safe for concurrent use.
type Client struct {
	d    Driver
	clk  Clock
	log  *slog.Logger
	opts Options
	sess *sessions

	mu        sync.Mutex // guards rng, notBefore, verified and principals
	rng       *rand.Rand
	notBefore time.Time // no call starts before this (a Retry-After)
	// verified holds the domains this Client has seen verified (its own
	// AddDomain, VerifyDomain and TakeOverDomain results, and reads): the
	// external-member policy reads its own writes, so a lagging read right
	// after a verification cannot make internal members look external.
	verified map[string]bool
	// principals holds addresses seen as security principals (owners and
	// SendAs trustees that passed checkPrincipals).
	principals map[Address]bool
}

var _ Driver = (*Client)(nil)

// NewClient returns a Client over d.
func NewClient(d Driver, opts Options) *Client {
	if opts.Clock == nil {
		opts.Clock = WallClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.Retry.MaxAttempts <= 0 {
		opts.Retry.MaxAttempts = DefaultRetryAttempts
	}
	if opts.Retry.Base <= 0 {
		opts.Retry.Base = DefaultRetryBase
	}
	if opts.Retry.Max <= 0 {
		opts.Retry.Max = DefaultRetryMax
	}
	if opts.Retry.Max < opts.Retry.Base {
		opts.Retry.Max = opts.Retry.Base
	}
	if opts.Consistency.Reads <= 0 {
		opts.Consistency.Reads = DefaultConsistencyReads
	}
	if opts.Consistency.Interval <= 0 {
		opts.Consistency.Interval = DefaultConsistencyInterval
	}
	if opts.Consistency.Timeout <= 0 {
		opts.Consistency.Timeout = DefaultConsistencyTimeout
	}
	if opts.Rand == nil {
		opts.Rand = defaultRand(opts.Clock)
	}
	return &Client{
		d:          d,
		clk:        opts.Clock,
		log:        opts.Logger,
		opts:       opts,
		sess:       newSessions(opts.Clock, opts.MaxSessions),
		rng:        opts.Rand,
		verified:   map[string]bool{},
		principals: map[Address]bool{},
	}
}

func defaultRand(clk Clock) *rand.Rand {
	if r, ok := clk.(interface{ Rand(string) *rand.Rand }); ok {
		if g := r.Rand("mailops.Client"); g != nil {
			return g
		}
	}
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails (crypto/rand panics instead)
	return rand.New(rand.NewChaCha8(seed))
}

// Options returns the Client's options with defaults filled in.
func (c *Client) Options() Options { return c.opts }

type externalKey struct{}

// WithExternalMembers returns a context under which the Client's calls accept
// group members, owners and SendAs trustees outside the tenant's accepted
// domains, as if Options.AllowExternalMembers were set. It is the per-call
// form of that option (the Client's methods keep the Driver's signatures).
func WithExternalMembers(ctx context.Context) context.Context {
	return context.WithValue(ctx, externalKey{}, true)
}

func (c *Client) externalAllowed(ctx context.Context) bool {
	if c.opts.AllowExternalMembers {
		return true
	}
	v, _ := ctx.Value(externalKey{}).(bool)
	return v
}
