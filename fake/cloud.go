package fake

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// ProofChecker answers whether a domain's ownership proof (the TXT value
// "MS=ms...") is published. The default keeps proofs in memory
// (Cloud.PublishProof); a simulated world plugs in one that asks its DNS.
type ProofChecker interface {
	HasProof(ctx context.Context, domain, token string) (bool, error)
}

// Cloud is the directory shared by tenants: it decides which tenant holds a
// verified domain, including unmanaged (self-service) tenants.
type Cloud struct {
	clk mailops.Clock
	rng *rand.Rand
	cfg CloudConfig

	mu      sync.Mutex
	tenants map[string]*Tenant
	owner   map[string]*Tenant // verified domain → tenant; nil value = unmanaged
	// owners counts changes to owner (OwnersEpoch); read without the lock.
	owners   atomic.Uint64
	released map[string]time.Time
	// unmanagedUsers are the users an unmanaged tenant has on a domain it
	// holds; they move with the domain on external takeover.
	unmanagedUsers map[string][]mailops.Recipient
	proofs         ProofChecker
	memProof       *memProofs
}

// NewCloud returns an empty cloud. rng seeds every tenant made from it.
func NewCloud(clk mailops.Clock, rng *rand.Rand, cfg CloudConfig) *Cloud {
	mp := &memProofs{m: map[string]map[string]bool{}}
	return &Cloud{clk: clk, rng: rng, cfg: cfg, tenants: map[string]*Tenant{}, owner: map[string]*Tenant{},
		released: map[string]time.Time{}, unmanagedUsers: map[string][]mailops.Recipient{}, proofs: mp, memProof: mp}
}

// SetProofChecker replaces the in-memory proofs (for example with DNS).
func (c *Cloud) SetProofChecker(p ProofChecker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.proofs = p
}

// PublishProof records an ownership proof in the in-memory checker.
func (c *Cloud) PublishProof(domain, token string) {
	c.memProof.publish(domain, token)
}

// TenantForDomain returns the tenant holding a verified domain.
func (c *Cloud) TenantForDomain(domain string) (*Tenant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.owner[domain]
	return t, ok && t != nil
}

// OwnersEpoch counts the changes to which tenant holds which domain (the
// answers of TenantForDomain): while it stays the same, TenantForDomain
// answers the same, so fake/mailflow's hot path remembers its answers until
// it moves. It takes no lock and is safe from any goroutine.
func (c *Cloud) OwnersEpoch() uint64 { return c.owners.Load() }

// setOwner and dropOwner change who holds a domain. The caller holds c.mu.
func (c *Cloud) setOwner(domain string, t *Tenant) {
	c.owner[domain] = t
	c.owners.Add(1)
}

func (c *Cloud) dropOwner(domain string) {
	delete(c.owner, domain)
	c.owners.Add(1)
}

// HoldUnmanaged makes an unmanaged (self-service sign-up) tenant hold the
// domain verified, with the given users (mailboxes) on it: no managed tenant
// can verify it until it is released or taken over (TakeOverDomain).
func (c *Cloud) HoldUnmanaged(domain string, users ...mailops.Recipient) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setOwner(domain, nil)
	c.unmanagedUsers[domain] = append(c.unmanagedUsers[domain], users...)
}

// HeldUnmanaged reports whether an unmanaged tenant holds the domain.
func (c *Cloud) HeldUnmanaged(domain string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owner[domain]
	return ok && o == nil
}

// ReleaseUnmanaged releases a domain held by an unmanaged tenant; another
// tenant can verify it ReleaseDelay later.
func (c *Cloud) ReleaseUnmanaged(domain string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.owner[domain]; ok && t == nil {
		c.dropOwner(domain)
		delete(c.unmanagedUsers, domain)
		c.released[domain] = c.clk.Now()
	}
}

// HeldElsewhere reports whether a tenant other than t (or an unmanaged one)
// holds the domain. It satisfies the runbook's ownership probe when bound to
// a tenant (see Tenant.OwnershipProbe).
func (c *Cloud) heldElsewhere(t *Tenant, domain string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owner[domain]
	return ok && o != t
}

// claim records t as the holder of a verified domain. It fails with
// ErrDomainTaken when someone else holds it or it was released too recently.
func (c *Cloud) claim(t *Tenant, domain string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.owner[domain]; ok && o != t {
		return wrapf(mailops.ErrDomainTaken, "%s is verified in another tenant", domain)
	}
	if at, ok := c.released[domain]; ok && c.clk.Now().Sub(at) < c.cfg.ReleaseDelay {
		return wrapf(mailops.ErrDomainTaken, "%s was released %s ago; another tenant may verify it %s after release",
			domain, c.clk.Now().Sub(at), c.cfg.ReleaseDelay)
	}
	c.setOwner(domain, t)
	return nil
}

func (c *Cloud) release(t *Tenant, domain string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.owner[domain]; ok && o == t {
		c.dropOwner(domain)
		c.released[domain] = c.clk.Now()
	}
}

func (c *Cloud) proofChecker() ProofChecker {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proofs
}

func (c *Cloud) hasProof(ctx context.Context, domain, token string) (bool, error) {
	c.mu.Lock()
	p := c.proofs
	c.mu.Unlock()
	return p.HasProof(ctx, domain, token)
}

type memProofs struct {
	mu sync.Mutex
	m  map[string]map[string]bool
}

func (p *memProofs) publish(domain, token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m[domain] == nil {
		p.m[domain] = map[string]bool{}
	}
	p.m[domain][token] = true
}

func (p *memProofs) HasProof(_ context.Context, domain, token string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[domain][token], nil
}

// NewTenant adds a tenant to the cloud. Its randomness is drawn from the
// cloud's generator at creation, so tenants made in the same order get the
// same streams.
func (c *Cloud) NewTenant(name string, cfg TenantConfig) *Tenant {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := newTenant(c, name, cfg, rand.New(rand.NewPCG(c.rng.Uint64(), c.rng.Uint64())))
	c.tenants[name] = t
	return t
}
