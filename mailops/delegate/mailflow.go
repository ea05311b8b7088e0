package delegate

import (
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// MailFlow is what mail flow sees of the tenant: the configuration that has
// propagated to transport, which may trail what admin reads show by
// minutes to hours. In tests it is the fake tenant's mail view.
type MailFlow interface {
	// MailGroup returns the group at addr as mail flow resolves it; ok is
	// false when mail flow does not know it.
	MailGroup(ctx context.Context, addr mailops.Address) (g mailops.Group, ok bool, err error)
	// MailRecipient returns the recipient at addr as mail flow sees it.
	MailRecipient(ctx context.Context, addr mailops.Address) (r mailops.Recipient, ok bool, err error)
}

// MailFlowSnooze is how long a converged request waits before mail flow is
// asked again.
const MailFlowSnooze = time.Minute

// reachedMail reports whether mail flow shows r's change: a created or
// changed address resolves to exactly its new targets, a deleted one to
// nothing, a display name is the asked-for one.
func reachedMail(ctx context.Context, mf MailFlow, r Request) (bool, string, error) {
	addr := r.Address()
	if r.Kind == SetDisplayName {
		x, ok, err := mf.MailRecipient(ctx, addr)
		if err != nil || !ok {
			return false, "mail flow does not know " + string(addr), err
		}
		return x.SimpleDisplayName == r.DisplayName, fmt.Sprintf("mail flow shows %s as %q", addr, x.SimpleDisplayName), nil
	}
	g, ok, err := mf.MailGroup(ctx, addr)
	if err != nil {
		return false, "", err
	}
	if r.Kind == DeleteAddress {
		return !ok, "mail flow still resolves " + string(addr), nil
	}
	if !ok {
		return false, "mail flow does not resolve " + string(addr) + " yet", nil
	}
	return sameSet(g.Members, r.Targets), fmt.Sprintf("mail flow resolves %s to %v", addr, g.Members), nil
}
