package fake

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Tenant is one fake Exchange Online organisation. Its state is guarded by
// one mutex, never held while a call sleeps through the clock or consults
// something outside the tenant (a ProofChecker), so it is safe on the wall
// executor too.
type Tenant struct {
	cloud *Cloud
	name  string
	cfg   TenantConfig
	clk   mailops.Clock

	mu         sync.Mutex
	epochs     [mailParts]mailEpoch // moved by every write to the stores below (MailSettled)
	rng        *rand.Rand
	domains    *store[string, mailops.Domain]
	recipients *store[mailops.Address, mailops.Recipient]
	groups     *store[mailops.Address, mailops.Group]
	outbound   *store[string, mailops.OutboundConnector]
	inbound    *store[string, mailops.InboundConnector]
	remote     *store[string, mailops.RemoteDomain]
	spam       *store[string, mailops.OutboundSpamPolicy]
	dkim       *store[string, mailops.DkimSigningConfig]
	// acceptAt is when Exchange made each domain an accepted domain (after
	// EnableEmail and Propagation.AcceptedDomain).
	acceptAt map[string]time.Time
	// trace answers MessageTrace (a world plugs in its ledger).
	trace TraceSource
	// alias maps every address a recipient ever had (primary and proxies)
	// to the primary addresses of the recipients that had it, oldest
	// first. Proxies never change after creation, so a recipient found
	// this way is checked to still hold the address in the version read.
	alias map[mailops.Address][]mailops.Address
	// groupName maps live group names to their address (names are unique).
	groupName map[string]mailops.Address
	// refs indexes the live groups by the addresses they name.
	refs refIndex
	// lagUntil and lagBy: until lagUntil every admin read sees the state
	// as it was lagBy earlier (LagReads).
	lagUntil time.Time
	lagBy    time.Duration

	sessions map[string]int
	bucket   bucket
	opCount  map[string]int
	faults   []Fault
	calls    [][]Call // the call log in chunks (calllog.go)
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
		spam:       newStore[string, mailops.OutboundSpamPolicy](),
		dkim:       newStore[string, mailops.DkimSigningConfig](),
		acceptAt:   map[string]time.Time{},
		alias:      map[mailops.Address][]mailops.Address{},
		groupName:  map[string]mailops.Address{},
		refs:       refIndex{},
		sessions:   map[string]int{},
		opCount:    map[string]int{},
		bucket:     newBucket(cfg.Throttle, c.clk.Now()),
	}
	t.recipients.epoch, t.groups.epoch, t.domains.epoch = &t.epochs[MailRecipients], &t.epochs[MailGroups], &t.epochs[MailDomains]
	routing := &t.epochs[MailRouting]
	t.outbound.epoch, t.inbound.epoch, t.remote.epoch, t.spam.epoch, t.dkim.epoch = routing, routing, routing, routing, routing
	// The Default remote domain exists from the beginning of time: admin
	// reads and mail flow see it whatever their lag.
	epoch := time.Time{}
	// Its AutoForwardEnabled is $true: "This value is the default for new
	// remote domains that you create and the built-in remote domain named
	// Default in Exchange Online" (Set-RemoteDomain).
	t.remote.put(mailops.DefaultRemoteDomain, version[mailops.RemoteDomain]{written: epoch, visible: epoch,
		val: mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*", AutoForwardEnabled: mailops.BoolPtr(true)}})
	// The Default outbound spam policy's AutoForwardingMode is Automatic,
	// which "is now the same as Off" (outbound-spam-policies-external-email-forwarding).
	t.spam.put(mailops.DefaultOutboundSpamPolicy, version[mailops.OutboundSpamPolicy]{written: epoch, visible: epoch,
		val: mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardAutomatic}})
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

func wrapf(base error, format string, args ...any) error {
	return fmt.Errorf("fake: "+format+": %w", append(args, base)...)
}

// readTime is the snapshot an admin read sees: now, or a little earlier.
// Called with t.mu held.
func (t *Tenant) readTime(now time.Time) time.Time {
	if now.Before(t.lagUntil) {
		return now.Add(-t.lagBy)
	}
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

// addAlias records that the recipient with primary address p holds a.
// Called with t.mu held.
func (t *Tenant) addAlias(a, p mailops.Address) {
	ps := slices.DeleteFunc(t.alias[a], func(x mailops.Address) bool { return x == p })
	t.alias[a] = append(ps, p)
}

// findRecipient returns the recipient that holds address a (as its primary
// or a proxy) in the version pick chooses, the most recently created first.
// Called with t.mu held.
func (t *Tenant) findRecipient(a mailops.Address, pick func(*history[mailops.Recipient]) (mailops.Recipient, bool)) (mailops.Recipient, bool) {
	ps := t.alias[a]
	for i := len(ps) - 1; i >= 0; i-- {
		if r, ok := pick(t.recipients.get(ps[i])); ok && (r.Address == a || slices.Contains(r.ProxyAddresses, a)) {
			return r, true
		}
	}
	return mailops.Recipient{}, false
}

// findMailRecipient is findRecipient for mail flow at time at, without
// copies: the stored version, which callers only read. Called with t.mu held.
func (t *Tenant) findMailRecipient(a mailops.Address, at time.Time) *mailops.Recipient {
	ps := t.alias[a]
	for i := len(ps) - 1; i >= 0; i-- {
		v := t.recipients.get(ps[i]).mailVersion(at)
		if v != nil && !v.deleted && (v.val.Address == a || slices.Contains(v.val.ProxyAddresses, a)) {
			return &v.val
		}
	}
	return nil
}

func latestOf[T any](h *history[T]) (T, bool) { return h.latest() }
