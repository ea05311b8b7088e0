package fake

import (
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// TakeOverDomain is Entra's external admin takeover of a domain held by an
// unmanaged (self-service) tenant: verification with forceTakeover. Source:
// learn.microsoft.com/entra/identity/users/domains-admin-takeover: "When you
// verify ownership of the domain name, Microsoft Entra ID removes the domain
// name from the unmanaged organization and moves it to your existing
// organization"; the resources moved are "Users, Subscriptions, License
// assignments"; external takeover is supported for Exchange Online.
//
// The domain must have been added to this tenant (AddDomain) and its
// ownership TXT published. It is verified at once, without the release
// delay, and the unmanaged tenant's users on the domain (HoldUnmanaged) move
// here as mailboxes. A domain held by a managed tenant gives ErrForbidden.
func (d *driver) TakeOverDomain(ctx context.Context, name string) (mailops.Domain, error) {
	t := d.t
	var out mailops.Domain
	var token string
	var proved bool
	var proofErr error
	outside := func(ctx context.Context) error {
		t.mu.Lock()
		dom, ok := t.domains.get(name).latest()
		if ok && len(dom.VerificationRecords) > 0 {
			token = dom.VerificationRecords[0].Value
		}
		t.mu.Unlock()
		if token != "" {
			proved, proofErr = t.cloud.hasProof(ctx, name, token)
		}
		return nil
	}
	apply := func(now time.Time) error {
		dom, ok := t.domains.get(name).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "domain %s: add it before taking it over", name)
		}
		if dom.Verified {
			out = t.adminDomain(dom, now)
			return nil
		}
		switch {
		case token == "" || dom.VerificationRecords[0].Value != token:
			return wrapf(mailops.ErrNotVerified, "domain %s changed while its proof was checked", name)
		case proofErr != nil:
			return fmt.Errorf("fake: domain %s: checking the ownership record: %v: %w", name, proofErr, mailops.ErrNotVerified)
		case !proved:
			return wrapf(mailops.ErrNotVerified, "domain %s: TXT record %s not found", name, token)
		}
		users, err := t.cloud.takeOver(t, name)
		if err != nil {
			return err
		}
		dom = cloneDomain(dom)
		dom.Verified = true
		t.domains.put(name, newVersion(t, now, t.cfg.Propagation.Domain, dom, false))
		for _, u := range users {
			u = cloneRecipient(u)
			for _, a := range u.Addresses() {
				t.addAlias(a, u.Address)
			}
			t.recipients.put(u.Address, newVersion(t, now, t.cfg.Propagation.Recipient, u, false))
		}
		out = t.adminDomain(dom, now)
		return nil
	}
	err := t.run(ctx, d.admin, "TakeOverDomain", name, work{outside: outside, apply: apply})
	return out, err
}

// takeOver moves a domain held by an unmanaged tenant to t, returning that
// tenant's users on the domain. ErrForbidden if a managed tenant holds it.
func (c *Cloud) takeOver(t *Tenant, domain string) ([]mailops.Recipient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owner[domain]
	switch {
	case ok && o == t:
		return nil, nil
	case ok && o != nil:
		return nil, wrapf(mailops.ErrForbidden, "%s is held by a managed tenant: external takeover applies only to unmanaged ones", domain)
	}
	c.setOwner(domain, t)
	delete(c.released, domain)
	users := c.unmanagedUsers[domain]
	delete(c.unmanagedUsers, domain)
	return users, nil
}

// DomainHold reports who holds a domain ("" nobody, "unmanaged", or
// "managed": another tenant) and how long until this tenant can verify it:
// the runbook preflight's ownership probe.
func (t *Tenant) DomainHold(_ context.Context, domain string) (heldBy string, wait time.Duration, err error) {
	c := t.cloud
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.owner[domain]; ok && o != t {
		if o == nil {
			return "unmanaged", 0, nil
		}
		return "managed", 0, nil
	}
	if rel, ok := c.released[domain]; ok {
		if left := c.cfg.ReleaseDelay - c.clk.Now().Sub(rel); left > 0 {
			return "", left, nil
		}
	}
	return "", 0, nil
}
