package mailops

import (
	"context"
	"errors"
	"fmt"
)

// checkDomainName validates a domain name in canonical form (A-labels, lower
// case), as the driver's identities are.
func checkDomainName(field, s string) error {
	n, err := parseDomainField(field, s)
	if err != nil {
		return err
	}
	if n != s {
		return invalid(field, s, "not in canonical form (want "+n+")")
	}
	return nil
}

// addressField is a list of addresses under one field name, for the
// external-member policy.
type addressField struct {
	field string
	addrs []Address
	index bool // name entries field[i]
}

// checkExternal refuses addresses outside the tenant's accepted (verified)
// domains with a *PolicyError, unless the Client or ctx allows them. It reads
// the tenant's domains only when there is something to check, and reads
// consistently: a domain this Client saw verified counts as verified, and a
// domain a read shows unverified is read again (Consistency.Reads times,
// Consistency.Interval apart) before an address in it is refused, so a
// lagging read is never taken for "external".
func (c *Client) checkExternal(ctx context.Context, fields ...addressField) error {
	if c.externalAllowed(ctx) {
		return nil
	}
	n := 0
	for _, f := range fields {
		n += len(f.addrs)
	}
	if n == 0 || c.allKnownVerified(fields) {
		return nil
	}
	doms, err := c.ListDomains(ctx)
	if err != nil {
		return fmt.Errorf("mailops: reading the accepted domains for the external-member policy: %w", err)
	}
	for _, d := range doms {
		c.noteVerified(d)
	}
	for _, f := range fields {
		for i, a := range f.addrs {
			internal, err := c.domainVerified(ctx, a.Domain())
			if err != nil {
				return fmt.Errorf("mailops: reading domain %s for the external-member policy: %w", a.Domain(), err)
			}
			if internal {
				continue
			}
			field := f.field
			if f.index {
				field = fmt.Sprintf("%s[%d]", f.field, i)
			}
			return &PolicyError{
				Field:  field,
				Value:  string(a),
				Reason: "external address: " + a.Domain() + " is not an accepted domain of the tenant (allow with Options.AllowExternalMembers or WithExternalMembers)",
			}
		}
	}
	return nil
}

// allKnownVerified reports whether every address is in a domain this Client
// has seen verified: then the policy needs no read at all (a university's
// hundreds of group writes would otherwise list every domain each time).
func (c *Client) allKnownVerified(fields []addressField) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range fields {
		for _, a := range f.addrs {
			if !c.verified[a.Domain()] {
				return false
			}
		}
	}
	return true
}

// noteVerified remembers a domain seen verified.
func (c *Client) noteVerified(d Domain) {
	if !d.Verified || d.Name == "" {
		return
	}
	c.mu.Lock()
	c.verified[d.Name] = true
	c.mu.Unlock()
}

func (c *Client) knownVerified(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.verified[name]
}

// domainVerified reports whether the tenant has name verified: at once when
// this Client saw it so, else after Consistency.Reads reads in a row agree
// that it is not.
func (c *Client) domainVerified(ctx context.Context, name string) (bool, error) {
	if c.knownVerified(name) {
		return true, nil
	}
	for i := 0; i < c.opts.Consistency.Reads; i++ {
		if i > 0 {
			if err := c.clk.Sleep(ctx, c.opts.Consistency.Interval); err != nil {
				return false, err
			}
		}
		d, err := c.GetDomain(ctx, name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if d.Verified {
			c.noteVerified(d)
			return true, nil
		}
	}
	return false, nil
}

// checkPrincipals refuses owners and SendAs trustees that the tenant holds as
// something other than a security principal: "The owner you specify for this
// parameter must be a mailbox, mail user or mail-enabled security group"
// (New-DistributionGroup -ManagedBy); a SendAs trustee can be a mailbox, mail
// user or security group (Add-RecipientPermission -Trustee). An address no
// read finds is left to the driver (a lagging read is not absence), and
// external addresses (allowed by policy) are not read.
func (c *Client) checkPrincipals(ctx context.Context, fields ...addressField) error {
	for _, f := range fields {
		for i, a := range f.addrs {
			kind, err := c.principalKind(ctx, a)
			if err != nil {
				return err
			}
			if kind == "" {
				continue
			}
			field := f.field
			if f.index {
				field = fmt.Sprintf("%s[%d]", f.field, i)
			}
			return &ValidationError{Field: field, Value: string(a),
				Reason: "is a " + kind + ": an owner or SendAs trustee must be a mailbox, mail user or mail-enabled security group"}
		}
	}
	return nil
}

// principalKind returns "" when a is a security principal or not found, else
// what it is ("distribution group", "mail contact").
func (c *Client) principalKind(ctx context.Context, a Address) (string, error) {
	c.mu.Lock()
	known := c.principals[a]
	c.mu.Unlock()
	if known {
		return "", nil
	}
	r, err := c.GetRecipient(ctx, a)
	switch {
	case err == nil:
		if r.SecurityPrincipal() {
			c.notePrincipal(a)
			return "", nil
		}
		return kindNoun(r.Kind), nil
	case !errors.Is(err, ErrNotFound):
		return "", err
	}
	g, err := c.GetGroup(ctx, a)
	switch {
	case err == nil:
		if g.Type.Or() == Security {
			c.notePrincipal(a)
			return "", nil
		}
		return "distribution group", nil
	case errors.Is(err, ErrNotFound):
		return "", nil
	}
	return "", err
}

// notePrincipal remembers an address seen as a security principal, so that
// a plan's hundreds of groups with the same owner read it once.
func (c *Client) notePrincipal(a Address) {
	c.mu.Lock()
	c.principals[a] = true
	c.mu.Unlock()
}
