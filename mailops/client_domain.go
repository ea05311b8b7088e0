package mailops

import (
	"context"
	"fmt"
)

// AddDomain registers a domain in the tenant. name must be a canonical domain
// name (see ParseDomainName). If the reply to an earlier attempt was lost and
// the retry finds the domain, AddDomain returns it.
func (c *Client) AddDomain(ctx context.Context, name string) (Domain, error) {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return Domain{}, err
	}
	var got Domain
	cl := call{op: "AddDomain", target: name, kind: kindCreate, readBack: func(ctx context.Context) (bool, error) {
		d, err := c.GetDomain(ctx, name)
		if err != nil {
			return false, err
		}
		got = d
		return true, nil
	}}
	d, err := doValue(ctx, c, cl, func(ctx context.Context) (Domain, error) { return c.d.AddDomain(ctx, name) })
	if err != nil {
		return Domain{}, err
	}
	if d.Name == "" { // resolved from a lost reply
		d = got
	}
	c.noteVerified(d)
	return d, c.settle(ctx, "domain "+name+" added", c.domainIs(name, func(Domain) bool { return true }))
}

// VerifyDomain asks the tenant to check the domain's ownership proof.
func (c *Client) VerifyDomain(ctx context.Context, name string) (Domain, error) {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return Domain{}, err
	}
	d, err := doValue(ctx, c, call{op: "VerifyDomain", target: name, kind: kindWrite},
		func(ctx context.Context) (Domain, error) { return c.d.VerifyDomain(ctx, name) })
	if err != nil {
		return Domain{}, err
	}
	c.noteVerified(d)
	return d, c.settle(ctx, "domain "+name+" verified", c.domainIs(name, func(d Domain) bool { return d.Verified }))
}

// GetDomain reads one domain.
func (c *Client) GetDomain(ctx context.Context, name string) (Domain, error) {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return Domain{}, err
	}
	return doValue(ctx, c, call{op: "GetDomain", target: name, kind: kindRead},
		func(ctx context.Context) (Domain, error) { return c.d.GetDomain(ctx, name) })
}

// ListDomains reads every domain of the tenant.
func (c *Client) ListDomains(ctx context.Context) ([]Domain, error) {
	return doValue(ctx, c, call{op: "ListDomains", kind: kindRead}, c.d.ListDomains)
}

// SetDomainType is Set-AcceptedDomain -DomainType.
func (c *Client) SetDomainType(ctx context.Context, name string, t DomainType) error {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetDomainType", target: name, kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetDomainType(ctx, name, t) })
	if err != nil {
		return err
	}
	return c.settle(ctx, fmt.Sprintf("domain %s type %s", name, t), c.domainIs(name, func(d Domain) bool { return d.Type == t }))
}

// RemoveDomain removes the domain from the tenant. If the reply to an
// earlier attempt was lost and the retry finds no domain, the removal
// counts as done.
func (c *Client) RemoveDomain(ctx context.Context, name string) error {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "RemoveDomain", target: name, kind: kindDelete},
		func(ctx context.Context) error { return c.d.RemoveDomain(ctx, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "domain "+name+" removed", absent(func(ctx context.Context) (Domain, error) { return c.GetDomain(ctx, name) }))
}

// TakeOverDomain takes a domain over from an unmanaged (self-service) tenant
// by external admin takeover (see DomainDriver.TakeOverDomain).
func (c *Client) TakeOverDomain(ctx context.Context, name string) (Domain, error) {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return Domain{}, err
	}
	d, err := doValue(ctx, c, call{op: "TakeOverDomain", target: name, kind: kindWrite},
		func(ctx context.Context) (Domain, error) { return c.d.TakeOverDomain(ctx, name) })
	if err != nil {
		return Domain{}, err
	}
	c.noteVerified(d)
	return d, c.settle(ctx, "domain "+name+" taken over", c.domainIs(name, func(d Domain) bool { return d.Verified }))
}

// EnableEmail adds Email to the domain's supported services, after which
// Exchange Online makes it an accepted domain (with a delay: see
// Domain.Accepted).
func (c *Client) EnableEmail(ctx context.Context, name string) error {
	if err := checkDomainName("Domain.Name", name); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "EnableEmail", target: name, kind: kindWrite},
		func(ctx context.Context) error { return c.d.EnableEmail(ctx, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "domain "+name+" supports Email", c.domainIs(name, func(d Domain) bool { return hasService(d, "Email") }))
}

func hasService(d Domain, s string) bool {
	for _, x := range d.SupportedServices {
		if x == s {
			return true
		}
	}
	return false
}
