package mailops

import (
	"context"
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
// the tenant's domains only when there is something to check.
func (c *Client) checkExternal(ctx context.Context, fields ...addressField) error {
	if c.externalAllowed(ctx) {
		return nil
	}
	n := 0
	for _, f := range fields {
		n += len(f.addrs)
	}
	if n == 0 {
		return nil
	}
	doms, err := c.ListDomains(ctx)
	if err != nil {
		return fmt.Errorf("mailops: reading the accepted domains for the external-member policy: %w", err)
	}
	accepted := make(map[string]bool, len(doms))
	for _, d := range doms {
		if d.Verified {
			accepted[d.Name] = true
		}
	}
	for _, f := range fields {
		for i, a := range f.addrs {
			if accepted[a.Domain()] {
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
