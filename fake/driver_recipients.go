package fake

import (
	"context"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// taken names what holds an address (a recipient's primary or proxy address,
// or a group), or "". Called with t.mu held.
func (t *Tenant) taken(a mailops.Address) string {
	if r, ok := t.findRecipient(a, latestOf); ok {
		return "recipient " + string(r.Address)
	}
	if _, ok := t.groups.get(a).latest(); ok {
		return "group " + string(a)
	}
	return ""
}

// exists reports whether a is a live recipient (any of its addresses) or
// group: something that can be a member, owner or trustee.
func (t *Tenant) exists(a mailops.Address) bool { return t.taken(a) != "" }

func (d *driver) CreateRecipient(ctx context.Context, r mailops.Recipient) error {
	return d.t.call(ctx, d.admin, "CreateRecipient", string(r.Address), func(now time.Time) error {
		t := d.t
		if err := r.Validate(); err != nil {
			return err
		}
		if r.Kind == mailops.MailContact {
			// New-MailContact: the primary address is the external one.
			r.ExternalAddress = r.Address
		}
		if r.Kind != mailops.Mailbox && !r.Forwarding().IsZero() {
			return wrapf(mailops.ErrInvalid, "recipient %s: a parameter cannot be found that matches parameter name 'ForwardingSmtpAddress' (Set-MailUser and Set-MailContact have no forwarding)", r.Address)
		}
		if err := t.checkForwardTarget(r); err != nil {
			return err
		}
		for _, a := range r.Addresses() {
			if r.Kind == mailops.MailContact && a == r.Address {
				if t.accepted(a.Domain()) {
					return wrapf(mailops.ErrInvalid, "contact %s: the external address is in an accepted domain of the tenant", a)
				}
			} else if !t.accepted(a.Domain()) {
				return wrapf(mailops.ErrNotVerified, "recipient %s: %s is not an accepted domain of the tenant", r.Address, a.Domain())
			}
			if by := t.taken(a); by != "" {
				return wrapf(mailops.ErrExists, "address %s is used by %s", a, by)
			}
		}
		r = cloneRecipient(r)
		for _, a := range r.Addresses() {
			t.addAlias(a, r.Address)
		}
		t.recipients.put(r.Address, newVersion(t, now, t.cfg.Propagation.Recipient, r, false))
		return nil
	})
}

func (d *driver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	var out mailops.Recipient
	err := d.read(ctx, "GetRecipient", string(a), func(at time.Time) error {
		r, ok := d.t.findRecipient(a, func(h *history[mailops.Recipient]) (mailops.Recipient, bool) { return h.asOf(at) })
		if !ok {
			return wrapf(mailops.ErrNotFound, "recipient %s", a)
		}
		out = cloneRecipient(r)
		return nil
	})
	return out, err
}

func (d *driver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	return listAll(d, ctx, "ListRecipients", d.t.recipients, cloneRecipient)
}

// updateRecipient applies fn to the current recipient and writes a version.
func (d *driver) updateRecipient(ctx context.Context, op string, a mailops.Address, fn func(*mailops.Recipient)) error {
	return d.t.call(ctx, d.admin, op, string(a), func(now time.Time) error {
		t := d.t
		r, ok := t.findRecipient(a, latestOf)
		if !ok {
			return wrapf(mailops.ErrNotFound, "recipient %s", a)
		}
		p := r.Address
		r = cloneRecipient(r)
		fn(&r)
		if err := r.Validate(); err != nil {
			return err
		}
		t.recipients.put(p, newVersion(t, now, t.cfg.Propagation.Recipient, r, false))
		return nil
	})
}

func (d *driver) SetSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	return d.updateRecipient(ctx, "SetSimpleDisplayName", a, func(r *mailops.Recipient) { r.SimpleDisplayName = name })
}

// SetForwarding is Set-Mailbox with both forwarding parameters. Set-MailUser
// and Set-MailContact have none: the call is refused as the service refuses
// an unknown parameter.
func (d *driver) SetForwarding(ctx context.Context, a mailops.Address, f mailops.Forwarding) error {
	return d.t.call(ctx, d.admin, "SetForwarding", string(a), func(now time.Time) error {
		t := d.t
		r, ok := t.findRecipient(a, latestOf)
		if !ok {
			return wrapf(mailops.ErrNotFound, "recipient %s", a)
		}
		if r.Kind != mailops.Mailbox {
			return wrapf(mailops.ErrInvalid, "%s is a %s: a parameter cannot be found that matches parameter name 'ForwardingSmtpAddress'", a, r.Kind)
		}
		r = cloneRecipient(r)
		r.ForwardingAddress, r.ForwardingSmtpAddress, r.DeliverToMailboxAndForward = f.Address, f.SmtpAddress, f.KeepCopy && f.Effective() != ""
		if err := r.Validate(); err != nil {
			return err
		}
		if err := t.checkForwardTarget(r); err != nil {
			return err
		}
		t.recipients.put(r.Address, newVersion(t, now, t.cfg.Propagation.Recipient, r, false))
		return nil
	})
}

// checkForwardTarget makes sure a ForwardingAddress names a recipient of the
// tenant (it is a recipient identity, not an SMTP address), and stores it as
// that recipient's primary address. Called with t.mu held.
func (t *Tenant) checkForwardTarget(r mailops.Recipient) error {
	if r.ForwardingAddress == "" {
		return nil
	}
	if _, ok := t.findRecipient(r.ForwardingAddress, latestOf); ok {
		return nil
	}
	if _, ok := t.groups.get(r.ForwardingAddress).latest(); ok {
		return nil
	}
	return wrapf(mailops.ErrNotFound, "recipient %s: ForwardingAddress %s is not a recipient of the tenant (use ForwardingSmtpAddress for an SMTP address)", r.Address, r.ForwardingAddress)
}

func (d *driver) DeleteRecipient(ctx context.Context, a mailops.Address) error {
	return d.t.call(ctx, d.admin, "DeleteRecipient", string(a), func(now time.Time) error {
		t := d.t
		r, ok := t.findRecipient(a, latestOf)
		if !ok {
			return wrapf(mailops.ErrNotFound, "recipient %s", a)
		}
		p, addrs := r.Address, r.Addresses()
		var owns string
		for _, ga := range t.referrers(addrs...) {
			g, _ := t.groups.get(ga).latest()
			if slices.ContainsFunc(g.Owners, func(o mailops.Address) bool { return indexOf(addrs, o) >= 0 }) {
				owns = string(ga)
				break
			}
		}
		if owns != "" {
			return wrapf(mailops.ErrForbidden, "recipient %s owns group %s: change the group's owners first", p, owns)
		}
		// Exchange removes a deleted recipient from the groups it was in,
		// whichever of its addresses they name.
		t.dropReferences(now, addrs...)
		// alias entries stay: mail flow still sees the recipient until the
		// deletion propagates, and taken() checks liveness.
		t.recipients.put(p, newVersion(t, now, t.cfg.Propagation.Recipient, r, true))
		return nil
	})
}

func indexOf(as []mailops.Address, a mailops.Address) int {
	for i, x := range as {
		if x == a {
			return i
		}
	}
	return -1
}
