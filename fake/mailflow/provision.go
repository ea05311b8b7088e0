package mailflow

import (
	"context"

	"github.com/mailops-dev/mailops/mailops"
)

// ProvisionDomain sets up a domain hosted in our tenant, as an admin would
// through a Client that retries the tenant's faults: added, its
// verification record published, verified, Email enabled and accepted, with
// a mailbox for each of people. Run it inside the world's scheduler (a
// simulated process); point the domain's MX at Exchange Online afterwards
// (PointMXAtEXO).
func (w *World) ProvisionDomain(ctx context.Context, domain string, people []mailops.Address) error {
	return provisionTenant(ctx, w, w.tenant, domain, people)
}
