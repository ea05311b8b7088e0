package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

func (d *driver) AddDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	err := d.t.call(ctx, d.admin, "AddDomain", name, func(now time.Time) error {
		t := d.t
		if err := (mailops.Domain{Name: name}).Validate(); err != nil {
			return err
		}
		if _, ok := t.domains.get(name).latest(); ok {
			return wrapf(mailops.ErrExists, "domain %s is already in this tenant", name)
		}
		if t.cloud.heldElsewhere(t, name) && !t.cloud.HeldUnmanaged(name) {
			// A domain an unmanaged tenant holds can be added (unverified),
			// so that it can be taken over (TakeOverDomain).
			return wrapf(mailops.ErrDomainTaken, "domain %s is verified in another tenant", name)
		}
		token := fmt.Sprintf("ms%08d", t.rng.IntN(100_000_000))
		dom := mailops.Domain{
			Name: name,
			VerificationRecords: []mailops.DNSRecord{
				{Type: "TXT", Label: "@", Value: "MS=" + token, TTL: 3600},
				{Type: "MX", Label: "@", Value: token + ".msv1.invalid", Preference: 32767, TTL: 3600, Optional: true},
			},
			ServiceRecords: serviceRecords(name, t.cloud.mxForm(now), t.mxRegion()),
		}
		if t.parentVerified(name) {
			if err := t.cloud.claim(t, name); err != nil {
				return err
			}
			dom.Verified = true
		}
		t.domains.put(name, newVersion(t, now, t.cfg.Propagation.Domain, dom, false))
		out = cloneDomain(dom)
		return nil
	})
	return out, err
}

// serviceRecords are the records Graph's serviceConfigurationRecords lists
// for Exchange. The MX host has the form the service gives domains added at
// that time (see CloudConfig.MXMicrosoftSince).
func serviceRecords(name string, newForm bool, region byte) []mailops.DNSRecord {
	return []mailops.DNSRecord{
		{Type: "MX", Label: "@", Value: MXHost(name, newForm, region), Preference: 0, TTL: 3600},
		{Type: "TXT", Label: "@", Value: "v=spf1 include:spf.protection.outlook.com -all", TTL: 3600},
		{Type: "CNAME", Label: "autodiscover", Value: "autodiscover.outlook.com", TTL: 3600},
	}
}

// parentVerified reports whether a parent of name is verified here.
// Called with t.mu held.
func (t *Tenant) parentVerified(name string) bool {
	labels := strings.Split(name, ".")
	for i := 1; i < len(labels)-1; i++ {
		if p, ok := t.domains.get(strings.Join(labels[i:], ".")).latest(); ok && p.Verified {
			return true
		}
	}
	return false
}

func (d *driver) VerifyDomain(ctx context.Context, name string) (mailops.Domain, error) {
	t := d.t
	var out mailops.Domain
	// The proof is checked outside the tenant's lock (a ProofChecker may
	// read DNS and take time); apply then makes sure the domain is still
	// the one whose proof was checked.
	var checked, proved bool
	var token string
	var proofErr error
	outside := func(ctx context.Context) error {
		t.mu.Lock()
		dom, ok := t.domains.get(name).latest()
		need := ok && !dom.Verified && !t.parentVerified(name)
		if need {
			token = dom.VerificationRecords[0].Value
		}
		t.mu.Unlock()
		if need {
			checked = true
			proved, proofErr = t.cloud.hasProof(ctx, name, token)
		}
		return nil
	}
	apply := func(now time.Time) error {
		dom, ok := t.domains.get(name).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "domain %s", name)
		}
		if dom.Verified {
			out = cloneDomain(dom)
			return nil
		}
		if !t.parentVerified(name) {
			switch {
			case !checked || dom.VerificationRecords[0].Value != token:
				return wrapf(mailops.ErrNotVerified, "domain %s changed while its proof was checked", name)
			case proofErr != nil:
				return fmt.Errorf("fake: domain %s: checking the ownership record: %v: %w", name, proofErr, mailops.ErrNotVerified)
			case !proved:
				return wrapf(mailops.ErrNotVerified, "domain %s: TXT record %s not found", name, token)
			}
		}
		if err := t.cloud.claim(t, name); err != nil {
			return err
		}
		dom = cloneDomain(dom)
		dom.Verified = true
		t.domains.put(name, newVersion(t, now, t.cfg.Propagation.Domain, dom, false))
		out = cloneDomain(dom)
		return nil
	}
	err := t.run(ctx, d.admin, "VerifyDomain", name, work{outside: outside, apply: apply})
	return out, err
}

func (d *driver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	err := d.read(ctx, "GetDomain", name, func(at time.Time) error {
		v, ok := d.t.domains.get(name).asOf(at)
		if !ok {
			return wrapf(mailops.ErrNotFound, "domain %s", name)
		}
		out = d.t.adminDomain(v, at)
		return nil
	})
	return out, err
}

func (d *driver) ListDomains(ctx context.Context) ([]mailops.Domain, error) {
	var out []mailops.Domain
	err := d.read(ctx, "ListDomains", "", func(at time.Time) error {
		d.t.domains.each(func(h *history[mailops.Domain]) (mailops.Domain, bool) { return h.asOf(at) },
			func(_ string, v mailops.Domain) { out = append(out, d.t.adminDomain(v, at)) })
		return nil
	})
	return out, err
}

// adminDomain is a domain as an admin read at time at shows it: not an
// accepted domain (Type "") until Exchange has picked up its Email service.
// Called with t.mu held.
func (t *Tenant) adminDomain(v mailops.Domain, at time.Time) mailops.Domain {
	v = cloneDomain(v)
	if !t.acceptedAt(v.Name, at) {
		v.Type = ""
	}
	return v
}

// acceptedAt reports whether the domain is an Exchange accepted domain at
// time at. Called with t.mu held.
func (t *Tenant) acceptedAt(name string, at time.Time) bool {
	when, ok := t.acceptAt[name]
	return ok && !at.Before(when)
}

// EnableEmail adds Email to the domain's supported services (Graph PATCH
// /domains/{id}). Exchange Online makes it an accepted domain
// Propagation.AcceptedDomain later (Authoritative, the default type): admin
// reads show Type "" and mail flow does not know the domain until then.
func (d *driver) EnableEmail(ctx context.Context, name string) error {
	return d.t.call(ctx, d.admin, "EnableEmail", name, func(now time.Time) error {
		t := d.t
		dom, ok := t.domains.get(name).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "domain %s", name)
		}
		if !dom.Verified {
			return wrapf(mailops.ErrNotVerified, "domain %s: supported services can be set only on a verified domain", name)
		}
		if slices.Contains(dom.SupportedServices, "Email") {
			return nil
		}
		dom = cloneDomain(dom)
		dom.SupportedServices = append(dom.SupportedServices, "Email")
		if dom.Type == "" {
			dom.Type = mailops.Authoritative
		}
		v := newVersion(t, now, t.cfg.Propagation.AcceptedDomain, dom, false)
		t.acceptAt[name] = v.visible
		t.domains.put(name, v)
		return nil
	})
}

func (d *driver) SetDomainType(ctx context.Context, name string, typ mailops.DomainType) error {
	return d.t.call(ctx, d.admin, "SetDomainType", name, func(now time.Time) error {
		t := d.t
		if err := typ.Validate(); err != nil {
			return err
		}
		dom, ok := t.domains.get(name).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "domain %s", name)
		}
		if !dom.Verified {
			return wrapf(mailops.ErrNotVerified, "domain %s is not verified: it is not an accepted domain yet", name)
		}
		if !t.acceptedAt(name, now) {
			// Set-AcceptedDomain cannot find a domain Exchange has not
			// made an accepted domain yet.
			return wrapf(mailops.ErrNotFound, "accepted domain %s (its supported services must include Email, and Exchange Online takes a while to pick it up)", name)
		}
		dom = cloneDomain(dom)
		dom.Type = typ
		t.domains.put(name, newVersion(t, now, t.cfg.Propagation.Domain, dom, false))
		return nil
	})
}

func (d *driver) RemoveDomain(ctx context.Context, name string) error {
	return d.t.call(ctx, d.admin, "RemoveDomain", name, func(now time.Time) error {
		t := d.t
		dom, ok := t.domains.get(name).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "domain %s", name)
		}
		if user := t.domainUser(name); user != "" {
			return wrapf(mailops.ErrForbidden, "domain %s is still used by %s", name, user)
		}
		t.domains.put(name, newVersion(t, now, t.cfg.Propagation.Domain, dom, true))
		delete(t.acceptAt, name)
		t.cloud.release(t, name)
		return nil
	})
}

// domainUser names an object with an address in the domain, or "".
// Called with t.mu held.
func (t *Tenant) domainUser(name string) string {
	user := ""
	t.recipients.each(func(h *history[mailops.Recipient]) (mailops.Recipient, bool) { return h.latest() }, func(a mailops.Address, r mailops.Recipient) {
		for _, x := range r.Addresses() {
			if user == "" && x.Domain() == name {
				user = "recipient " + string(a)
			}
		}
	})
	t.groups.each(func(h *history[mailops.Group]) (mailops.Group, bool) { return h.latest() }, func(a mailops.Address, _ mailops.Group) {
		if user == "" && a.Domain() == name {
			user = "group " + string(a)
		}
	})
	return user
}

// accepted reports whether a domain is an accepted domain of the tenant now
// (verified, Email enabled, and picked up by Exchange). Called with t.mu held.
func (t *Tenant) accepted(name string) bool {
	dom, ok := t.domains.get(name).latest()
	return ok && dom.Verified && t.acceptedAt(name, t.clk.Now())
}
