package fake

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Tenant is one fake Exchange Online organisation.
type Tenant struct {
	cloud *Cloud
	name  string
	cfg   TenantConfig
	clk   mailops.Clock

	mu         sync.Mutex
	rng        *rand.Rand
	domains    *store[string, mailops.Domain]
	recipients *store[mailops.Address, mailops.Recipient]
	groups     *store[mailops.Address, mailops.Group]
	outbound   *store[string, mailops.OutboundConnector]
	inbound    *store[string, mailops.InboundConnector]
	remote     *store[string, mailops.RemoteDomain]
	// alias maps every address of a recipient (primary and proxies) to its
	// primary address; proxies never change after creation.
	alias map[mailops.Address]mailops.Address
	// groupName maps live group names to their address (names are unique).
	groupName map[string]mailops.Address

	sessions map[string]int
	tokens   float64
	refilled time.Time
	opCount  map[string]int
	faults   []Fault
	calls    []Call
	callSeq  uint64
}

func newTenant(c *Cloud, name string, cfg TenantConfig, rng *rand.Rand) *Tenant {
	t := &Tenant{
		cloud: c, name: name, cfg: cfg, clk: c.clk, rng: rng,
		domains:    newStore[string, mailops.Domain](),
		recipients: newStore[mailops.Address, mailops.Recipient](),
		groups:     newStore[mailops.Address, mailops.Group](),
		outbound:   newStore[string, mailops.OutboundConnector](),
		inbound:    newStore[string, mailops.InboundConnector](),
		remote:     newStore[string, mailops.RemoteDomain](),
		alias:      map[mailops.Address]mailops.Address{},
		groupName:  map[string]mailops.Address{},
		sessions:   map[string]int{},
		opCount:    map[string]int{},
		tokens:     float64(cfg.Throttle.Burst),
		refilled:   c.clk.Now(),
	}
	epoch := time.Time{}
	t.remote.put(mailops.DefaultRemoteDomain, version[mailops.RemoteDomain]{written: epoch, visible: epoch,
		val: mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*"}})
	return t
}

// Name returns the tenant's name.
func (t *Tenant) Name() string { return t.name }

// Cloud returns the cloud the tenant belongs to.
func (t *Tenant) Cloud() *Cloud { return t.cloud }

// Driver returns a mailops.Driver acting as the given admin; each admin has
// its own session budget.
func (t *Tenant) Driver(admin string) mailops.Driver { return &driver{t: t, admin: admin} }

// HeldElsewhere reports whether another tenant (or an unmanaged one) holds
// the domain: the runbook's ownership probe.
func (t *Tenant) HeldElsewhere(_ context.Context, domain string) (bool, error) {
	return t.cloud.heldElsewhere(t, domain), nil
}

// Call is one driver call as the tenant saw it.
type Call struct {
	Admin      string
	Op         string
	Target     string
	Start, End time.Time
	Err        error
	RetryAfter time.Duration // when throttled
	// StartSeq and EndSeq order calls that start or end at the same
	// virtual instant: one counter for both, in the order things happened.
	StartSeq, EndSeq uint64
}

// CallLog returns every call so far, in the order they ended.
func (t *Tenant) CallLog() []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Call(nil), t.calls...)
}

// FaultKind says what a targeted fault does.
type FaultKind int

// Fault kinds.
const (
	// FaultError refuses the call with Err; nothing is applied.
	FaultError FaultKind = iota
	// FaultReplyLost applies the call, then reports ErrUnavailable.
	FaultReplyLost
)

// Fault is a targeted failure: the Nth call (counting from 1, across admins)
// of Op fails as Kind says. Nth 0 means the next call of Op.
type Fault struct {
	Op   string
	Nth  int
	Kind FaultKind
	// Err for FaultError; for example &mailops.ThrottledError{RetryAfter: time.Minute}.
	Err error
}

// InjectFault arms a targeted fault.
func (t *Tenant) InjectFault(f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.Nth == 0 {
		f.Nth = t.opCount[f.Op] + 1
	}
	t.faults = append(t.faults, f)
}

func wrapf(base error, format string, args ...any) error {
	return fmt.Errorf("fake: "+format+": %w", append(args, base)...)
}

// call runs one driver call: admission (sessions, throttling, faults),
// latency through the clock, then apply under the lock.
func (t *Tenant) call(ctx context.Context, admin, op, target string, apply func(now time.Time) error) error {
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
		err := wrapf(mailops.ErrTooManySessions, "%s: you have exceeded the maximum number of connections allowed : %d for the policy party : MaxConcurrency", op, lim)
		t.log(admin, op, target, start, startSeq, err, 0)
		t.mu.Unlock()
		return err
	}
	if ra, ok := t.takeToken(start); !ok {
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
	t.sessions[admin]++
	t.mu.Unlock()

	serr := t.clk.Sleep(ctx, latency)

	t.mu.Lock()
	defer t.mu.Unlock()
	t.sessions[admin]--
	var err error
	switch {
	case serr != nil:
		err = serr
	case ferr != nil && kind == FaultError:
		err = ferr
	default:
		err = apply(t.clk.Now())
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

func (t *Tenant) log(admin, op, target string, start time.Time, startSeq uint64, err error, ra time.Duration) {
	t.callSeq++
	t.calls = append(t.calls, Call{Admin: admin, Op: op, Target: target, Start: start, End: t.clk.Now(), Err: err, RetryAfter: ra,
		StartSeq: startSeq, EndSeq: t.callSeq})
}

// Groups returns the tenant's current groups as the service holds them: no
// read lag, no latency, no call accounting. It is an inspection hook for
// tests and labs, not part of the Driver.
func (t *Tenant) Groups() []mailops.Group {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []mailops.Group
	t.groups.each(func(h *history[mailops.Group]) (mailops.Group, bool) { return h.latest() }, func(_ mailops.Address, g mailops.Group) {
		out = append(out, cloneGroup(g))
	})
	return out
}

// takeToken refills the bucket and takes a token, or says how long until one
// is available (rounded up to whole seconds, as services do).
func (t *Tenant) takeToken(now time.Time) (time.Duration, bool) {
	th := t.cfg.Throttle
	if th.Rate <= 0 {
		return 0, true
	}
	if el := now.Sub(t.refilled); el > 0 {
		t.tokens = math.Min(float64(th.Burst), t.tokens+el.Seconds()*th.Rate)
		t.refilled = now
	}
	if t.tokens >= 1 {
		t.tokens--
		return 0, true
	}
	secs := math.Ceil((1 - t.tokens) / th.Rate)
	return time.Duration(secs) * time.Second, false
}

// pickFault returns the targeted fault for this call, else maybe a random one.
func (t *Tenant) pickFault(op string, n int) (FaultKind, error) {
	for i, f := range t.faults {
		if f.Op == op && f.Nth == n {
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
		return FaultError, &mailops.ThrottledError{Op: op, RetryAfter: rf.ThrottleRetryAfter.Sample(t.rng).Round(time.Second)}
	case x < rf.Throttle+rf.Unavailable:
		return FaultError, wrapf(mailops.ErrUnavailable, "%s: service unavailable", op)
	case x < rf.Throttle+rf.Unavailable+rf.ReplyLost:
		return FaultReplyLost, nil
	}
	return 0, nil
}

// readTime is the snapshot an admin read sees: now, or a little earlier.
// Called with t.mu held.
func (t *Tenant) readTime(now time.Time) time.Time {
	l := t.cfg.AdminLag
	if l.Probability > 0 && t.rng.Float64() < l.Probability {
		return now.Add(-l.Lag.Sample(t.rng))
	}
	return now
}

// newVersion stamps a write with its propagation delay. Called with t.mu held.
func newVersion[T any](t *Tenant, now time.Time, d Dist, val T, deleted bool) version[T] {
	var delay time.Duration
	if d.Max > 0 {
		delay = d.Sample(t.rng)
	}
	return version[T]{written: now, visible: now.Add(delay), val: val, deleted: deleted}
}
