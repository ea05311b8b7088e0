package fake

import (
	"context"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// TraceSource answers message trace queries for a tenant: a simulated world
// plugs in its ledger (see Tenant.SetTraceSource).
type TraceSource func(q mailops.TraceQuery) []mailops.TraceEntry

// SetTraceSource sets what MessageTrace answers from. Without one the tenant
// has traced nothing.
func (t *Tenant) SetTraceSource(src TraceSource) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trace = src
}

func (d *driver) MessageTrace(ctx context.Context, q mailops.TraceQuery) ([]mailops.TraceEntry, error) {
	var out []mailops.TraceEntry
	err := d.t.call(ctx, d.admin, "MessageTrace", "", func(time.Time) error {
		if err := q.Validate(); err != nil {
			return err
		}
		if d.t.trace != nil {
			out = d.t.trace(q)
		}
		return nil
	})
	return out, err
}

func (d *driver) GetOutboundSpamPolicy(ctx context.Context, name string) (mailops.OutboundSpamPolicy, error) {
	return getOne(d, ctx, "GetOutboundSpamPolicy", "outbound spam filter policy", d.t.spam, name, func(p mailops.OutboundSpamPolicy) mailops.OutboundSpamPolicy { return p })
}

// SetOutboundSpamPolicy sets AutoForwardingMode. Mail flow sees it after
// Propagation.RemoteDomain (undocumented, like other policy settings).
func (d *driver) SetOutboundSpamPolicy(ctx context.Context, p mailops.OutboundSpamPolicy) error {
	return d.t.call(ctx, d.admin, "SetOutboundSpamPolicy", p.Name, func(now time.Time) error {
		t := d.t
		if err := p.Validate(); err != nil {
			return err
		}
		if _, ok := t.spam.get(p.Name).latest(); !ok {
			return wrapf(mailops.ErrNotFound, "outbound spam filter policy %s", p.Name)
		}
		t.spam.put(p.Name, newVersion(t, now, t.cfg.Propagation.RemoteDomain, p, false))
		return nil
	})
}

func (d *driver) GetDkimSigningConfig(ctx context.Context, domain string) (mailops.DkimSigningConfig, error) {
	return getOne(d, ctx, "GetDkimSigningConfig", "DKIM signing configuration", d.t.dkim, domain, func(c mailops.DkimSigningConfig) mailops.DkimSigningConfig { return c })
}

// CreateDkimSigningConfig makes the domain's selector keys. Their CNAME
// targets take the form the service gives domains added at the time:
// selectorN-<token>._domainkey.<tenant>.<x>-v1.dkim.mail.microsoft since
// July 2026, selectorN-<token>._domainkey.<tenant>.onmicrosoft.com before
// (email-authentication-dkim-configure); callers must read them back.
// Enabling checks the CNAMEs (see CNAMEChecker).
func (d *driver) CreateDkimSigningConfig(ctx context.Context, domain string, enabled bool) error {
	t := d.t
	var cnameErr error
	outside := func(ctx context.Context) error {
		if enabled {
			t.mu.Lock()
			now := t.clk.Now()
			c := mailops.DkimSigningConfig{Domain: domain, Selector1CNAME: t.dkimTarget(domain, 1, now), Selector2CNAME: t.dkimTarget(domain, 2, now)}
			t.mu.Unlock()
			cnameErr = t.dkimPublished(ctx, c)
		}
		return nil
	}
	apply := func(now time.Time) error {
		if !t.accepted(domain) {
			return wrapf(mailops.ErrNotFound, "accepted domain %s", domain)
		}
		if _, ok := t.dkim.get(domain).latest(); ok {
			return wrapf(mailops.ErrExists, "DKIM signing configuration for %s", domain)
		}
		if cnameErr != nil {
			return cnameErr
		}
		c := mailops.DkimSigningConfig{Domain: domain, Enabled: enabled, Selector1CNAME: t.dkimTarget(domain, 1, now), Selector2CNAME: t.dkimTarget(domain, 2, now)}
		t.dkim.put(domain, newVersion(t, now, t.cfg.Propagation.Domain, c, false))
		return nil
	}
	return t.run(ctx, d.admin, "CreateDkimSigningConfig", domain, work{outside: outside, apply: apply})
}

// dkimTarget is the CNAME target of selector n. Called with t.mu held.
func (t *Tenant) dkimTarget(domain string, n int, now time.Time) string {
	token := strings.ReplaceAll(domain, ".", "-")
	prefix := "selector" + string(rune('0'+n)) + "-" + token + "._domainkey." + t.name
	if t.cloud.mxForm(now) {
		return prefix + "." + string(t.mxRegion()) + "-v1.dkim.mail.microsoft"
	}
	return prefix + ".onmicrosoft.com"
}

// CNAMEChecker is what a ProofChecker may also implement so that enabling
// DKIM signing checks the selector CNAMEs (a simulated world asks its DNS).
// Without one the fake does not check them.
type CNAMEChecker interface {
	HasCNAME(ctx context.Context, name, target string) (bool, error)
}

// dkimPublished checks the selector CNAMEs when the cloud's proof checker
// can. Called without t.mu (the check may wait on the clock).
func (t *Tenant) dkimPublished(ctx context.Context, c mailops.DkimSigningConfig) error {
	cc, ok := t.cloud.proofChecker().(CNAMEChecker)
	if !ok {
		return nil
	}
	for i, target := range []string{c.Selector1CNAME, c.Selector2CNAME} {
		name := "selector" + string(rune('1'+i)) + "._domainkey." + c.Domain
		has, err := cc.HasCNAME(ctx, name, target)
		if err != nil {
			return wrapf(mailops.ErrUnavailable, "checking CNAME %s: %v", name, err)
		}
		if !has {
			return wrapf(mailops.ErrNotVerified, "CNAME record does not exist for this config: publish %s CNAME %s", name, target)
		}
	}
	return nil
}

// SetDkimSigning is Set-DkimSigningConfig -Enabled; enabling checks the
// selector CNAMEs first.
func (d *driver) SetDkimSigning(ctx context.Context, domain string, enabled bool) error {
	t := d.t
	var checked mailops.DkimSigningConfig
	var cnameErr error
	outside := func(ctx context.Context) error {
		t.mu.Lock()
		c, ok := t.dkim.get(domain).latest()
		t.mu.Unlock()
		if ok && enabled && !c.Enabled {
			checked, cnameErr = c, t.dkimPublished(ctx, c)
		}
		return nil
	}
	apply := func(now time.Time) error {
		c, ok := t.dkim.get(domain).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "DKIM signing configuration for %s", domain)
		}
		if enabled && !c.Enabled {
			if c != checked {
				return wrapf(mailops.ErrUnavailable, "DKIM signing configuration for %s changed while its CNAMEs were checked", domain)
			}
			if cnameErr != nil {
				return cnameErr
			}
		}
		c.Enabled = enabled
		t.dkim.put(domain, newVersion(t, now, t.cfg.Propagation.Domain, c, false))
		return nil
	}
	return t.run(ctx, d.admin, "SetDkimSigning", domain, work{outside: outside, apply: apply})
}

func (d *driver) SetGroupSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	return d.updateGroup(ctx, "SetGroupSimpleDisplayName", a, func(g *mailops.Group) { g.SimpleDisplayName = name })
}
