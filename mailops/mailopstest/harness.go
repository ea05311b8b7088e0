package mailopstest

import (
	"context"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Harness adapts one backend to the suite. RunConformanceTests makes a new
// Harness for every case (through the HarnessMaker) and closes it when the
// case ends, after the case's clean-ups.
//
// A hook that cannot do what it is asked on this backend returns an error
// wrapping errors.ErrUnsupported: the cases that need it are then skipped
// with the hook's message. Any other error fails the case. The fake
// tenant's harness supports every hook.
type Harness interface {
	// MakeDriver returns the driver under test, on a tenant that holds
	// none of the domains NewDomain hands out: a fresh tenant (the fake),
	// or a real test tenant the suite cleans up after itself (it deletes
	// what it creates, best effort).
	MakeDriver(ctx context.Context) (mailops.Driver, error)
	// NewDomain returns a domain name no tenant holds and that this
	// harness has not handed out before, so that runs against one real
	// tenant do not collide (add a run id to the name). The suite adds it
	// to the tenant, proves ownership with ProveOwnership and removes it.
	// A harness whose names are subdomains of a domain verified in the
	// tenant (verified at once, no proof needed) runs every case except
	// those that need an unverified domain, which are skipped.
	NewDomain(ctx context.Context) (string, error)
	// ProveOwnership makes the domain's ownership proof visible to the
	// backend, given the verification records AddDomain returned (the TXT
	// "MS=ms..." record): fake: Cloud.PublishProof; real: publish the
	// record in DNS. It may return before the proof is visible: the suite
	// settles and retries VerifyDomain.
	ProveOwnership(ctx context.Context, domain string, records []mailops.DNSRecord) error
	// HoldElsewhere makes another tenant hold the domain (a fresh one from
	// NewDomain, possibly already added unverified to the tenant under
	// test) verified, so that this tenant gets ErrDomainTaken. A harness
	// with no second tenant returns errors.ErrUnsupported; it may then
	// implement ForeignDomainHarness so that AddDomain's ErrDomainTaken is
	// still checked.
	HoldElsewhere(ctx context.Context, domain string) error
	// Settle lets time pass so that the writes made so far become visible
	// to reads: fake: advance virtual time past the admin-read lag and
	// propagation; real: sleep a while. The suite does not assume that one
	// Settle is enough: it reads again, settling between attempts, up to
	// ten reads.
	Settle(ctx context.Context) error
	// Close releases the harness. It is called once per case, last.
	Close()
}

// ForeignDomainHarness is an optional Harness hook for real tenants: a
// domain verified in another tenant, which AddDomain must refuse with
// ErrDomainTaken. When the Harness implements it, the suite uses it in
// place of NewDomain plus HoldElsewhere for that check.
type ForeignDomainHarness interface {
	// ForeignDomain names a domain verified in another tenant; the suite
	// only tries to add it, and removes it should the add succeed.
	ForeignDomain(ctx context.Context) (string, error)
}

// HarnessMaker makes the Harness for one case; t is the case's subtest.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// UnmanagedDomainHarness is an optional Harness hook for the external admin
// takeover cases: it makes an unmanaged (self-service sign-up) tenant hold a
// fresh domain from NewDomain verified, with the given users (mailboxes) on
// it. A harness that cannot return errors.ErrUnsupported (or does not
// implement the interface): the takeover case is then skipped.
type UnmanagedDomainHarness interface {
	HoldUnmanaged(ctx context.Context, domain string, users []mailops.Recipient) error
}

// DkimDNSHarness is an optional Harness hook: it publishes a domain's DKIM
// selector CNAMEs (selector1._domainkey and selector2._domainkey pointing at
// cfg.Selector1CNAME and cfg.Selector2CNAME) where the backend looks for
// them. It may return before they are visible: the suite settles and
// retries. A harness without DNS returns errors.ErrUnsupported (or does not
// implement the interface): the case that enables signing is then skipped.
type DkimDNSHarness interface {
	PublishDkimCNAMEs(ctx context.Context, cfg mailops.DkimSigningConfig) error
}

// NowHarness is an optional Harness hook: the backend's current time (fake:
// virtual time; real tenant: the wall clock), for queries that must fall in
// a window the service keeps, such as message trace (the last 90 days).
// Without it the cases check only what does not depend on the time.
type NowHarness interface {
	Now() time.Time
}
