package preview

import (
	"context"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// TenantMailFlow is delegate.MailFlow over a fake tenant's mail view: what
// has propagated to the tenant's transport, for a service run against the
// fake tenant (tests, the lab, `mailops serve --tenant fake`).
type TenantMailFlow struct{ Tenant *fake.Tenant }

var _ delegate.MailFlow = TenantMailFlow{}

// MailGroup returns the group as mail flow resolves it now.
func (m TenantMailFlow) MailGroup(_ context.Context, a mailops.Address) (mailops.Group, bool, error) {
	g, ok := m.Tenant.MailView().Group(a)
	return g, ok, nil
}

// MailRecipient returns the recipient as mail flow sees it now.
func (m TenantMailFlow) MailRecipient(_ context.Context, a mailops.Address) (mailops.Recipient, bool, error) {
	r, ok := m.Tenant.MailView().Recipient(a)
	return r, ok, nil
}
