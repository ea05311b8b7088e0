package mailflow

import (
	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// Forwarding as Exchange Online applies it.
//
//   - A mail user or a mail contact is an external recipient: its copy goes
//     to its external address, out of the tenant (New-MailUser,
//     New-MailContact). A group member that is a contact receives its copy
//     outside the tenant.
//   - A mailbox forwards to Recipient.ForwardsTo(): ForwardingAddress (a
//     recipient of the tenant) wins over ForwardingSmtpAddress ("If you
//     configure values for both the ForwardingAddress and
//     ForwardingSmtpAddress parameters, the value of ForwardingSmtpAddress is
//     ignored", Set-Mailbox). DeliverToMailboxAndForward keeps a copy.
//   - Forwarding is external when the target's domain is not accepted, or
//     when the target is a mail user or mail contact of the tenant
//     ([inference]: "Disabling automatic forwarding disables any ... mailbox
//     forwarding (admins) that redirect messages to external addresses").
//     External automatic forwarding is decided by the Default outbound spam
//     filter policy: Automatic (now the same as Off) and Off bounce it with
//     5.7.520, On lets it through; "Automatic forwarding of messages between
//     internal users isn't affected"
//     (learn.microsoft.com/defender-office-365/outbound-spam-policies-external-email-forwarding).
//   - Remote domains do not govern forwarding an admin set: "When admins use
//     other methods to configure automatic forwarding for users, the
//     forwarded messages aren't affected by the remote domain settings"
//     (learn.microsoft.com/exchange/mail-flow-best-practices/remote-domains/remote-domains).
//     Their AutoForwardEnabled=false silently drops only forwarding users set
//     up themselves (Inbox rules), which the world does not model.
func (x *exo) toRecipient(t *fake.Tenant, v fake.MailView, env *envelope, r mailops.Recipient) {
	w := x.w
	if ext := r.External(); ext != "" {
		kind := "contact:"
		if r.Kind == mailops.MailUser {
			kind = "mailuser:"
		}
		c := env.child(x.w, ext, kind+string(r.Address))
		c.hops++
		x.external(t, v, c)
		w.done(c)
		return
	}
	to := r.ForwardsTo()
	if to == "" || r.DeliverToMailboxAndForward {
		w.deliver(env, w.mailbox("exo", t.Name(), r.Address))
	}
	if to == "" {
		return
	}
	c := env.child(x.w, to, w.hopName("forward", string(r.Address)))
	c.hops++
	// Mailbox forwarding resubmits the message to the new recipient:
	// message trace shows that copy as a row of its own.
	w.traceForwarded(t, c)
	if forwardsExternally(v, to) && !v.OutboundSpamPolicy().AutoForwardingMode.AllowsExternal() {
		w.bounce(c, w.exoHop(t), ReplyExternalForward)
		w.done(c)
		return
	}
	x.transport(t, c)
	w.done(c)
}

// forwardsExternally reports whether forwarding to a leaves the tenant: a
// domain the tenant does not accept, or a mail user or contact of the tenant.
func forwardsExternally(v fake.MailView, a mailops.Address) bool {
	if _, ok := v.AcceptedDomain(a.Domain()); !ok {
		return true
	}
	r, ok := v.Recipient(a)
	return ok && r.External() != ""
}
