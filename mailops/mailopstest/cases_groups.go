package mailopstest

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

var groupCases = []testCase{
	{"Group/CreateWithMembersReadBack", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "admin")
		g := f.group(dom, "sales", ps[:2], ps[2:])
		g.SendAs = []mailops.Address{ps[0]}
		g.RequireSenderAuthentication = false
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		f.settle()
		got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.Equal(f.t, g.Name, got.Name)
		assert.ElementsMatch(f.t, g.Members, got.Members, "members are set in the creating call")
		assert.ElementsMatch(f.t, g.Owners, got.Owners)
		assert.ElementsMatch(f.t, g.SendAs, got.SendAs)
		assert.False(f.t, got.RequireSenderAuthentication)
	}},
	{"Group/MissingMemberCreatesNothing", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := f.group(dom, "sales", []mailops.Address{ps[0], addr("ghost", dom)}, ps[1:])
		err := f.d.CreateGroup(f.ctx, g)
		require.Error(f.t, err)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		f.settle()
		_, err = f.d.GetGroup(f.ctx, g.PrimaryAddress)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "nothing is applied in part")
	}},
	{"Group/InvalidIsRefused", func(f *fixture) {
		dom, ps := f.people("alice")
		g := f.group(dom, "noowner", ps, nil)
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, g), mailops.ErrInvalid, "a group needs an owner")
		f.settle()
		_, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
	}},
	{"Group/DuplicateAddressOrNameIsExists", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := f.group(dom, "sales", ps[:1], ps[1:])
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		f.settle()
		dupName := f.group(dom, "sales2", ps[:1], ps[1:])
		dupName.Name = g.Name
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, dupName), mailops.ErrExists, "names are unique")
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, f.group(dom, "alice", ps[1:], ps[1:])), mailops.ErrExists, "address of a mailbox")
		again := g
		again.Name = "other name"
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, again), mailops.ErrExists, "address of a group")
	}},
	{"Group/SetMembersReplaces", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "carol", "admin")
		g := f.group(dom, "sales", ps[:2], ps[3:])
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		f.settle()
		require.NoError(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, []mailops.Address{ps[2]}))
		f.settle()
		got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.Equal(f.t, []mailops.Address{ps[2]}, got.Members)
		assert.ErrorIs(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, []mailops.Address{addr("ghost", dom)}), mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.SetGroupMembers(f.ctx, addr("nogroup", dom), ps[:1]), mailops.ErrNotFound)
		f.settle()
		got, err = f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.Equal(f.t, []mailops.Address{ps[2]}, got.Members, "a refused change changes nothing")
	}},
	{"Group/SenderAuthentication", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := f.group(dom, "info", ps[:1], ps[1:])
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		f.settle()
		require.NoError(f.t, f.d.SetGroupSenderAuthentication(f.ctx, g.PrimaryAddress, false))
		f.settle()
		got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.False(f.t, got.RequireSenderAuthentication)
	}},
	{"Group/SendAsGrantTwiceAndRevoke", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "admin")
		g := f.group(dom, "sales", ps[:2], ps[2:])
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		f.settle()
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[0]))
		f.settle()
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[0]), "granting twice is not an error")
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[1]))
		f.settle()
		got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.ElementsMatch(f.t, ps[:2], got.SendAs)
		require.NoError(f.t, f.d.RevokeSendAs(f.ctx, g.PrimaryAddress, ps[0]))
		f.settle()
		got, err = f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.Equal(f.t, ps[1:2], got.SendAs)
	}},
	{"Group/DeleteThenNotFound", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := f.group(dom, "sales", ps[:1], ps[1:])
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		f.settle()
		require.NoError(f.t, f.d.DeleteGroup(f.ctx, g.PrimaryAddress))
		f.settle()
		_, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.DeleteGroup(f.ctx, g.PrimaryAddress), mailops.ErrNotFound)
	}},
	{"Group/ReturnedValuesAreCopies", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := f.group(dom, "sales", []mailops.Address{ps[0]}, ps[1:])
		require.NoError(f.t, f.d.CreateGroup(f.ctx, g))
		g.Members[0] = "changed@example.invalid"
		f.settle()
		got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(f.t, err)
		assert.Equal(f.t, ps[0], got.Members[0], "the caller's slice is not shared")
		got.Members[0] = "changed@example.invalid"
		list, err := f.d.ListGroups(f.ctx)
		require.NoError(f.t, err)
		for _, x := range list {
			if x.PrimaryAddress == g.PrimaryAddress {
				assert.Equal(f.t, ps[0], x.Members[0], "a returned slice is not shared")
			}
		}
	}},
	{"Group/ListSorted", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		for _, l := range []string{"zeta", "alpha", "mid"} {
			require.NoError(f.t, f.d.CreateGroup(f.ctx, f.group(dom, l, ps[:1], ps[1:])))
		}
		f.settle()
		list, err := f.d.ListGroups(f.ctx)
		require.NoError(f.t, err)
		var got []string
		for _, g := range list {
			got = append(got, string(g.PrimaryAddress))
		}
		assert.Subset(f.t, got, []string{string(addr("alpha", dom)), string(addr("mid", dom)), string(addr("zeta", dom))})
		assert.IsNonDecreasing(f.t, got)
	}},
}
