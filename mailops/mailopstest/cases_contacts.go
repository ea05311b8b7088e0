package mailopstest

import (
	"context"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// recipientIs reads the recipient until want passes.
func (f *fixture) recipientIs(what string, a mailops.Address, want func(c *check, r mailops.Recipient)) {
	f.t.Helper()
	f.eventually(what, func(c *check) {
		r, err := f.d.GetRecipient(f.ctx, a)
		require.NoError(c, err)
		want(c, r)
	})
}

// Mail contacts. Sources:
//   - New-MailContact (learn.microsoft.com/powershell/module/exchangepowershell/new-mailcontact):
//     -ExternalEmailAddress "specifies the target email address of the mail
//     contact"; a contact has no sign-in of the tenant.
//   - New-DistributionGroup -ManagedBy
//     (learn.microsoft.com/powershell/module/exchangepowershell/new-distributiongroup):
//     "The owner you specify for this parameter must be a mailbox, mail user
//     or mail-enabled security group"; -Members takes any mail-enabled
//     recipient.
//   - Add-RecipientPermission -Trustee
//     (learn.microsoft.com/powershell/module/exchangepowershell/add-recipientpermission):
//     trustees are mailbox users, mail users and security groups.
var contactCases = []testCase{
	// New-MailContact: the contact's primary address is its external
	// address; it reads back as a MailContact and can be deleted.
	{"Contact/CreateReadBackDelete", func(f *fixture) {
		ext := f.external("partner")
		f.createRecipient(contact(ext))
		f.recipientIs("the contact reads back", ext, func(c *check, r mailops.Recipient) {
			assert.Equal(c, mailops.MailContact, r.Kind)
			assert.Equal(c, ext, r.Address, "the primary address is the external address")
			assert.Equal(c, ext, r.External())
			assert.Equal(c, "Contact partner", r.DisplayName)
		})
		f.eventually("the contact is listed", func(c *check) {
			list, err := f.d.ListRecipients(f.ctx)
			require.NoError(c, err)
			assert.Contains(c, recipientAddrs(list), string(ext))
		})
		require.NoError(f.t, f.d.DeleteRecipient(f.ctx, ext))
		f.eventually("the deleted contact is gone", func(c *check) {
			_, err := f.d.GetRecipient(f.ctx, ext)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
		})
	}},
	// -Members takes a mail contact; -ManagedBy refuses one (not a mailbox,
	// mail user or mail-enabled security group), and nothing is created.
	{"Contact/GroupMemberButNotOwner", func(f *fixture) {
		dom, ps := f.people("admin")
		ext := f.external("partner")
		f.createRecipient(contact(ext))
		g := group(dom, "partners", []mailops.Address{ext}, ps)
		f.createGroup(g)
		f.groupIs("the contact is a member", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, []mailops.Address{ext}, got.Members)
		})
		owned := group(dom, "owned", ps, []mailops.Address{ext})
		assert.ErrorIs(f.t, f.tryCreateGroup(owned), mailops.ErrInvalid, "a mail contact cannot own a group")
		f.groupAbsent("the refused group was not created", owned.PrimaryAddress)
	}},
	// Add-RecipientPermission -Trustee: a mail contact is not a trustee
	// (not a security principal); neither on create nor by a grant.
	{"Contact/NotASendAsTrustee", func(f *fixture) {
		dom, ps := f.people("admin")
		ext := f.external("partner")
		f.createRecipient(contact(ext))
		g := group(dom, "sales", ps, ps)
		f.createGroup(g)
		assert.ErrorIs(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ext), mailops.ErrInvalid)
		withTrustee := group(dom, "support", ps, ps)
		withTrustee.SendAs = []mailops.Address{ext}
		assert.ErrorIs(f.t, f.tryCreateGroup(withTrustee), mailops.ErrInvalid, "a group created with a contact as trustee")
		f.groupAbsent("the refused group was not created", withTrustee.PrimaryAddress)
		f.afterSettle("the refused grant changed nothing", func(c *check) {
			got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
			require.NoError(c, err)
			assert.Empty(c, got.SendAs)
		})
	}},
	// A mail contact stands for an address outside the organisation
	// ("External addresses: Create a mail contact", learn.microsoft.com/exchange/recipients-in-exchange-online/manage-user-mailboxes/configure-email-forwarding);
	// one in an accepted domain of the tenant is refused.
	{"Contact/InAcceptedDomainIsRefused", func(f *fixture) {
		dom := f.verifiedDomain()
		a := addr("inside", dom)
		err := f.d.CreateRecipient(f.ctx, contact(a))
		if err == nil {
			f.cleanup("recipient "+string(a), func(ctx context.Context) error { return f.d.DeleteRecipient(ctx, a) })
		}
		assert.ErrorIs(f.t, err, mailops.ErrInvalid)
		f.afterSettle("the refused contact was not created", func(c *check) {
			_, err := f.d.GetRecipient(f.ctx, a)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
		})
	}},
}
