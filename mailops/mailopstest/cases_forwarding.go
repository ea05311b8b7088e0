package mailopstest

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// Forwarding. Source: Set-Mailbox
// (learn.microsoft.com/powershell/module/exchangepowershell/set-mailbox):
// -ForwardingAddress "specifies a forwarding address in your organization
// for messages that are sent to this mailbox. You can use any value that
// uniquely identifies the internal recipient"; -ForwardingSmtpAddress
// "specifies a forwarding SMTP address"; "If you configure values for both
// the ForwardingAddress and ForwardingSmtpAddress parameters, the value of
// ForwardingSmtpAddress is ignored." Set-MailUser has neither parameter
// (learn.microsoft.com/powershell/module/exchangepowershell/set-mailuser).
var forwardingCases = []testCase{
	// Both fields are stored and read back as set; a mail contact is a
	// valid ForwardingAddress ("External addresses: Create a mail contact",
	// learn.microsoft.com/exchange/recipients-in-exchange-online/manage-user-mailboxes/configure-email-forwarding).
	{"Forwarding/AddressAndSmtpAddressReadBack", func(f *fixture) {
		_, ps := f.people("alice", "bob")
		ext := f.external("partner")
		fw := mailops.Forwarding{Address: ps[1], SmtpAddress: ext, KeepCopy: true}
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], fw), "SetForwarding")
		f.recipientIs("both forwarding fields read back", ps[0], func(c *check, r mailops.Recipient) {
			assert.Equal(c, ps[1], r.ForwardingAddress)
			assert.Equal(c, ext, r.ForwardingSmtpAddress)
			assert.True(c, r.DeliverToMailboxAndForward)
			assert.Equal(c, ps[1], r.ForwardsTo(), "ForwardingAddress wins")
		})
		other := f.external("contact")
		f.createRecipient(contact(other))
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.Forwarding{Address: other}), "SetForwarding to a mail contact")
		f.recipientIs("forwarding to a contact reads back, the SMTP address cleared", ps[0], func(c *check, r mailops.Recipient) {
			assert.Equal(c, other, r.ForwardingAddress)
			assert.Empty(c, r.ForwardingSmtpAddress)
			assert.False(c, r.DeliverToMailboxAndForward)
		})
	}},
	// ForwardingAddress is a recipient of the organisation: an address no
	// recipient has is ErrNotFound and changes nothing.
	{"Forwarding/AddressMustBeARecipient", func(f *fixture) {
		dom, ps := f.people("alice", "bob")
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.ForwardTo(ps[1], false)), "SetForwarding")
		f.recipientIs("the first forwarding reads back", ps[0], func(c *check, r mailops.Recipient) {
			assert.Equal(c, ps[1], r.ForwardingSmtpAddress)
		})
		for _, a := range []mailops.Address{addr("ghost", dom), f.external("nobody")} {
			assert.ErrorIs(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.Forwarding{Address: a}), mailops.ErrNotFound, "ForwardingAddress %s", a)
		}
		f.afterSettle("the refused forwarding changed nothing", func(c *check) {
			r, err := f.d.GetRecipient(f.ctx, ps[0])
			if !assert.NoError(c, err) {
				return
			}
			assert.Empty(c, r.ForwardingAddress)
			assert.Equal(c, ps[1], r.ForwardingSmtpAddress)
		})
	}},
	// Set-MailUser has no forwarding parameters: ErrInvalid.
	{"Forwarding/MailUserIsInvalid", func(f *fixture) {
		dom, ps := f.people("alice")
		mu := mailops.Recipient{Address: addr("guest", dom), Kind: mailops.MailUser, DisplayName: "Guest", ExternalAddress: f.external("guest")}
		f.createRecipient(mu)
		assert.ErrorIs(f.t, f.d.SetForwarding(f.ctx, mu.Address, mailops.ForwardTo(ps[0], false)), mailops.ErrInvalid, "ForwardingSmtpAddress")
		assert.ErrorIs(f.t, f.d.SetForwarding(f.ctx, mu.Address, mailops.Forwarding{Address: ps[0]}), mailops.ErrInvalid, "ForwardingAddress")
		f.afterSettle("the mail user has no forwarding", func(c *check) {
			r, err := f.d.GetRecipient(f.ctx, mu.Address)
			if !assert.NoError(c, err) {
				return
			}
			assert.True(c, r.Forwarding().IsZero(), "%v", r.Forwarding())
		})
	}},
	// The zero Forwarding clears both fields and the copy flag.
	{"Forwarding/ZeroClearsBoth", func(f *fixture) {
		_, ps := f.people("alice", "bob")
		ext := f.external("partner")
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.Forwarding{Address: ps[1], SmtpAddress: ext, KeepCopy: true}), "SetForwarding")
		f.recipientIs("the forwarding reads back", ps[0], func(c *check, r mailops.Recipient) {
			assert.Equal(c, ps[1], r.ForwardingAddress)
		})
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.Forwarding{}), "clearing")
		f.recipientIs("both fields are cleared", ps[0], func(c *check, r mailops.Recipient) {
			assert.Empty(c, r.ForwardingAddress)
			assert.Empty(c, r.ForwardingSmtpAddress)
			assert.False(c, r.DeliverToMailboxAndForward)
		})
	}},
}
