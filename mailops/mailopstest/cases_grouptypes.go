package mailopstest

import (
	"context"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// tryCreateGroup creates g expecting a refusal: should the backend accept
// it, its deletion is registered so a real tenant is left clean.
func (f *fixture) tryCreateGroup(g mailops.Group) error {
	f.t.Helper()
	err := f.d.CreateGroup(f.ctx, g)
	if err == nil {
		f.cleanup("group "+string(g.PrimaryAddress), func(ctx context.Context) error { return f.d.DeleteGroup(ctx, g.PrimaryAddress) })
	}
	return err
}

// Group types. Source: New-DistributionGroup
// (learn.microsoft.com/powershell/module/exchangepowershell/new-distributiongroup):
// -Type "Distribution: A distribution group. These groups can't have
// permissions assigned. This value is the default. Security: A mail-enabled
// security group. These groups can have permissions assigned." -ManagedBy:
// "The owner you specify for this parameter must be a mailbox, mail user or
// mail-enabled security group". Set-DistributionGroup -SimpleDisplayName
// (learn.microsoft.com/powershell/module/exchangepowershell/set-distributiongroup).
// Add-RecipientPermission -Trustee takes mailboxes, mail users and security
// groups (learn.microsoft.com/powershell/module/exchangepowershell/add-recipientpermission).
var groupTypeCases = []testCase{
	// A mail-enabled security group reads back as Security and can own a
	// distribution group and be its SendAs trustee.
	{"GroupType/SecurityGroupOwnsAndSendsAs", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		sec := group(dom, "admins", ps[1:], ps[1:])
		sec.Type = mailops.Security
		f.createGroup(sec)
		f.groupIs("the security group reads back as Security", sec.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, mailops.Security, got.Type)
		})
		g := group(dom, "sales", ps[:1], []mailops.Address{sec.PrimaryAddress})
		f.createGroup(g)
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, sec.PrimaryAddress))
		f.groupIs("the security group owns the group and may send as it", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, []mailops.Address{sec.PrimaryAddress}, got.Owners)
			assert.Equal(c, []mailops.Address{sec.PrimaryAddress}, got.SendAs)
			assert.Equal(c, mailops.Distribution, got.Type)
		})
	}},
	// -Type's default is Distribution: an empty Type reads back as
	// Distribution, and such a group cannot own a group: nothing is created.
	{"GroupType/DistributionGroupCannotOwn", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		dl := group(dom, "all", ps, ps[1:])
		f.createGroup(dl)
		f.groupIs("an empty Type reads back as Distribution", dl.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, mailops.Distribution, got.Type)
		})
		g := group(dom, "sales", ps[:1], []mailops.Address{dl.PrimaryAddress})
		assert.ErrorIs(f.t, f.tryCreateGroup(g), mailops.ErrInvalid, "a distribution group as owner")
		f.groupAbsent("the refused group was not created", g.PrimaryAddress)
		explicit := group(dom, "explicit", ps[:1], ps[1:])
		explicit.Type = mailops.Distribution
		f.createGroup(explicit)
		f.groupIs("Distribution reads back", explicit.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, mailops.Distribution, got.Type)
		})
	}},
	// "These groups can't have permissions assigned": a distribution group
	// is no SendAs trustee, by a grant or on create.
	{"GroupType/DistributionGroupNotASendAsTrustee", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		dl := group(dom, "all", ps, ps[1:])
		f.createGroup(dl)
		g := group(dom, "sales", ps[:1], ps[1:])
		f.createGroup(g)
		assert.ErrorIs(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, dl.PrimaryAddress), mailops.ErrInvalid)
		withTrustee := group(dom, "support", ps[:1], ps[1:])
		withTrustee.SendAs = []mailops.Address{dl.PrimaryAddress}
		assert.ErrorIs(f.t, f.tryCreateGroup(withTrustee), mailops.ErrInvalid)
		f.groupAbsent("the refused group was not created", withTrustee.PrimaryAddress)
		f.afterSettle("the refused grant changed nothing", func(c *check) {
			got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
			require.NoError(c, err)
			assert.Empty(c, got.SendAs)
		})
	}},
	// SimpleDisplayName on create, changed and cleared through
	// Set-DistributionGroup -SimpleDisplayName.
	{"GroupType/SimpleDisplayName", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := group(dom, "sales", ps[:1], ps[1:])
		g.SimpleDisplayName = "Sales Team"
		f.createGroup(g)
		f.groupIs("the simple display name given on create reads back", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, "Sales Team", got.SimpleDisplayName)
		})
		require.NoError(f.t, f.d.SetGroupSimpleDisplayName(f.ctx, g.PrimaryAddress, "Sales (JP)"))
		f.groupIs("the new simple display name reads back", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, "Sales (JP)", got.SimpleDisplayName)
			assert.Equal(c, ps[:1], got.Members, "members untouched")
		})
		require.NoError(f.t, f.d.SetGroupSimpleDisplayName(f.ctx, g.PrimaryAddress, ""))
		f.groupIs("the cleared simple display name reads back", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Empty(c, got.SimpleDisplayName)
		})
		assert.ErrorIs(f.t, f.d.SetGroupSimpleDisplayName(f.ctx, addr("nogroup", dom), "X"), mailops.ErrNotFound)
	}},
}
