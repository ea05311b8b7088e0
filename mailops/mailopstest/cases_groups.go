package mailopstest

import (
	"fmt"
	"slices"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func groupAddrs(gs []mailops.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, string(g.PrimaryAddress))
	}
	return out
}

// groupIs waits until the group reads back as want says.
func (f *fixture) groupIs(what string, a mailops.Address, want func(c *check, g mailops.Group)) {
	f.t.Helper()
	f.eventually(what, func(c *check) {
		g, err := f.d.GetGroup(f.ctx, a)
		require.NoError(c, err)
		want(c, g)
	})
}

// groupAbsent checks, after a Settle, that no group has the address.
func (f *fixture) groupAbsent(what string, a mailops.Address) {
	f.t.Helper()
	f.afterSettle(what, func(c *check) {
		_, err := f.d.GetGroup(f.ctx, a)
		assert.ErrorIs(c, err, mailops.ErrNotFound)
	})
}

var groupCases = []testCase{
	{"Group/CreateWithMembersReadBack", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "admin")
		g := group(dom, "sales", ps[:2], ps[2:])
		g.SendAs = []mailops.Address{ps[0]}
		g.RequireSenderAuthentication = false
		f.createGroup(g)
		f.groupIs("the group reads back with everything set in one call", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, g.PrimaryAddress, got.PrimaryAddress)
			assert.Equal(c, g.Name, got.Name)
			assert.Equal(c, g.Name, got.DisplayName, "the display name defaults to the name")
			assert.ElementsMatch(c, g.Members, got.Members, "members are set in the creating call")
			assert.ElementsMatch(c, g.Owners, got.Owners, "owners are not members")
			assert.ElementsMatch(c, g.SendAs, got.SendAs)
			assert.False(c, got.RequireSenderAuthentication)
		})
	}},
	{"Group/RequireSenderAuthentication", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := group(dom, "info", ps[:1], ps[1:])
		g.DisplayName = "Information desk"
		f.createGroup(g)
		f.groupIs("created requiring authenticated senders", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.True(c, got.RequireSenderAuthentication)
			assert.Equal(c, "Information desk", got.DisplayName)
		})
		require.NoError(f.t, f.d.SetGroupSenderAuthentication(f.ctx, g.PrimaryAddress, false))
		require.NoError(f.t, f.d.SetGroupSenderAuthentication(f.ctx, g.PrimaryAddress, false), "setting the same value again is fine")
		f.groupIs("open to external senders", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.False(c, got.RequireSenderAuthentication)
			assert.Equal(c, ps[:1], got.Members, "members untouched")
		})
		require.NoError(f.t, f.d.SetGroupSenderAuthentication(f.ctx, g.PrimaryAddress, true))
		f.groupIs("closed again", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.True(c, got.RequireSenderAuthentication)
		})
		assert.ErrorIs(f.t, f.d.SetGroupSenderAuthentication(f.ctx, addr("nogroup", dom), false), mailops.ErrNotFound)
	}},
	{"Group/MissingMemberOrOwnerCreatesNothing", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		ghost := addr("ghost", dom)
		for i, g := range []mailops.Group{
			group(dom, "sales", []mailops.Address{ps[0], ghost}, ps[1:]),
			group(dom, "support", ps[:1], []mailops.Address{ghost}),
		} {
			err := f.d.CreateGroup(f.ctx, g)
			assert.ErrorIs(f.t, err, mailops.ErrNotFound, "case %d: %s does not exist", i, ghost)
			f.groupAbsent("nothing is applied in part", g.PrimaryAddress)
		}
		f.eventually("no group was made", func(c *check) {
			list, err := f.d.ListGroups(f.ctx)
			require.NoError(c, err)
			assert.NotContains(c, groupAddrs(list), string(addr("sales", dom)))
			assert.NotContains(c, groupAddrs(list), string(addr("support", dom)))
		})
	}},
	{"Group/IndexListsEveryGroup", func(f *fixture) {
		gi, ok := f.d.(mailops.GroupIndexer)
		if !ok {
			return // an optional interface: a driver without it is read with ListGroups
		}
		dom, ps := f.people("alice", "admin")
		for _, local := range []string{"sales", "support"} {
			f.createGroup(group(dom, local, ps[:1], ps[1:]))
		}
		f.eventually("the index and the full list name the same groups", func(c *check) {
			idx, err := gi.ListGroupAddresses(f.ctx)
			require.NoError(c, err)
			list, err := f.d.ListGroups(f.ctx)
			require.NoError(c, err)
			var got []string
			for _, a := range idx {
				got = append(got, string(a))
			}
			want := groupAddrs(list)
			slices.Sort(want)
			assert.Equal(c, want, got)
			assert.Contains(c, got, string(addr("sales", dom)))
			assert.Contains(c, got, string(addr("support", dom)))
		})
	}},
	{"Group/UnverifiedDomainIsRefused", func(f *fixture) {
		_, ps := f.people("alice", "admin")
		dom := f.unverifiedDomain()
		f.settle()
		g := group(dom.Name, "sales", ps[:1], ps[1:])
		assert.Error(f.t, f.d.CreateGroup(f.ctx, g), "a group's address must be in a verified domain")
		f.groupAbsent("nothing was created", g.PrimaryAddress)
	}},
	{"Group/InvalidIsRefused", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		var owners []mailops.Address
		for i := range mailops.MaxGroupOwners + 1 {
			owners = append(owners, addr(fmt.Sprintf("owner%d", i), dom))
		}
		bad := []mailops.Group{
			group(dom, "noowner", ps[:1], nil),
			group(dom, "manyowners", ps[:1], owners),
			group(dom, "twice", []mailops.Address{ps[0], ps[0]}, ps[1:]),
			group(dom, "self", []mailops.Address{addr("self", dom)}, ps[1:]),
			{PrimaryAddress: addr("noname", dom), Members: ps[:1], Owners: ps[1:]},
			{PrimaryAddress: "not an address", Name: "bad address", Members: ps[:1], Owners: ps[1:]},
		}
		for _, g := range bad {
			assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, g), mailops.ErrInvalid, "%+v", g)
		}
		f.afterSettle("a driver never stores an invalid object", func(c *check) {
			for _, g := range bad[:5] {
				_, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
				assert.ErrorIs(c, err, mailops.ErrNotFound, g.PrimaryAddress)
			}
		})
	}},
	{"Group/DuplicateAddressOrNameIsExists", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := group(dom, "sales", ps[:1], ps[1:])
		f.createGroup(g)
		dupName := group(dom, "sales2", ps[:1], ps[1:])
		dupName.Name = g.Name
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, dupName), mailops.ErrExists, "names are unique")
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, group(dom, "alice", ps[1:], ps[1:])), mailops.ErrExists, "the address of a mailbox")
		again := g
		again.Name = "other name"
		assert.ErrorIs(f.t, f.d.CreateGroup(f.ctx, again), mailops.ErrExists, "the address of a group")
		f.groupAbsent("the group with the duplicate name was not made", dupName.PrimaryAddress)
		f.groupIs("the first group is unchanged", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, g.Name, got.Name)
		})
	}},
	{"Group/SetMembersReplaces", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "carol", "admin")
		g := group(dom, "sales", ps[:2], ps[3:])
		f.createGroup(g)
		require.NoError(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, []mailops.Address{ps[2]}))
		require.NoError(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, []mailops.Address{ps[2]}), "setting the same members again is fine")
		f.groupIs("the members are replaced, not added to", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, []mailops.Address{ps[2]}, got.Members)
			assert.Equal(c, ps[3:], got.Owners, "owners untouched")
		})
		assert.ErrorIs(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, []mailops.Address{ps[0], addr("ghost", dom)}), mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.SetGroupMembers(f.ctx, addr("nogroup", dom), ps[:1]), mailops.ErrNotFound)
		f.afterSettle("a refused change changes nothing", func(c *check) {
			got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
			require.NoError(c, err)
			assert.Equal(c, []mailops.Address{ps[2]}, got.Members)
		})
		require.NoError(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, nil), "a group may be emptied")
		f.groupIs("the group is empty", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Empty(c, got.Members)
		})
	}},
	{"Group/NestedGroupMember", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		inner := group(dom, "inner", ps[:1], ps[1:])
		f.createGroup(inner)
		outer := group(dom, "outer", []mailops.Address{inner.PrimaryAddress}, ps[1:])
		f.createGroup(outer)
		f.groupIs("a group is a member of another", outer.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, []mailops.Address{inner.PrimaryAddress}, got.Members)
		})
	}},
	{"Group/DeletedMemberLeavesTheGroup", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "admin")
		inner := group(dom, "inner", ps[:1], ps[2:])
		f.createGroup(inner)
		g := group(dom, "sales", []mailops.Address{ps[0], ps[1], inner.PrimaryAddress}, ps[2:])
		g.SendAs = []mailops.Address{ps[1]}
		f.createGroup(g)
		require.NoError(f.t, f.d.DeleteRecipient(f.ctx, ps[1]), "deleting a member and SendAs trustee")
		require.NoError(f.t, f.d.DeleteGroup(f.ctx, inner.PrimaryAddress), "deleting a nested member group")
		f.groupIs("the deleted recipient and group are no longer members", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, ps[:1], got.Members)
		})
		// The group exists: changing it must not fail as if it did not,
		// whatever became of the deleted trustee's grant.
		assert.NoError(f.t, f.d.SetGroupSenderAuthentication(f.ctx, g.PrimaryAddress, false))
		assert.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[0]))
		assert.NoError(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, ps[:1]))
		f.groupIs("the group still takes changes", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.False(c, got.RequireSenderAuthentication)
			assert.Contains(c, got.SendAs, ps[0])
			assert.Equal(c, ps[:1], got.Members)
		})
	}},
	{"Group/SendAsGrantTwiceAndRevoke", func(f *fixture) {
		dom, ps := f.people("alice", "bob", "admin")
		g := group(dom, "sales", ps[:2], ps[2:])
		f.createGroup(g)
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[0]))
		f.groupIs("the grant reads back", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, ps[:1], got.SendAs)
		})
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[0]), "granting twice is not an error")
		require.NoError(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, ps[1]))
		f.groupIs("both grants, each once", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.ElementsMatch(c, ps[:2], got.SendAs)
		})
		require.NoError(f.t, f.d.RevokeSendAs(f.ctx, g.PrimaryAddress, ps[0]))
		f.groupIs("the revoked grant is gone", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, ps[1:2], got.SendAs)
			assert.ElementsMatch(c, ps[:2], got.Members, "members untouched")
		})
		assert.ErrorIs(f.t, f.d.GrantSendAs(f.ctx, g.PrimaryAddress, addr("ghost", dom)), mailops.ErrNotFound, "a trustee that does not exist")
		assert.ErrorIs(f.t, f.d.GrantSendAs(f.ctx, addr("nogroup", dom), ps[0]), mailops.ErrNotFound, "a group that does not exist")
		assert.ErrorIs(f.t, f.d.RevokeSendAs(f.ctx, addr("nogroup", dom), ps[0]), mailops.ErrNotFound, "a group that does not exist")
		f.afterSettle("the refused grant changed nothing", func(c *check) {
			got, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
			require.NoError(c, err)
			assert.Equal(c, ps[1:2], got.SendAs)
		})
	}},
	{"Group/DeleteThenNotFound", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := group(dom, "sales", ps[:1], ps[1:])
		f.createGroup(g)
		require.NoError(f.t, f.d.DeleteGroup(f.ctx, g.PrimaryAddress))
		f.eventually("the deleted group is gone", func(c *check) {
			_, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
			list, err := f.d.ListGroups(f.ctx)
			require.NoError(c, err)
			assert.NotContains(c, groupAddrs(list), string(g.PrimaryAddress))
		})
		assert.ErrorIs(f.t, f.d.DeleteGroup(f.ctx, g.PrimaryAddress), mailops.ErrNotFound, "deleting twice")
		assert.ErrorIs(f.t, f.d.SetGroupMembers(f.ctx, g.PrimaryAddress, ps[:1]), mailops.ErrNotFound)
		f.eventually("its members still exist", func(c *check) {
			_, err := f.d.GetRecipient(f.ctx, ps[0])
			assert.NoError(c, err)
		})
	}},
	{"Group/ReturnedValuesAreCopies", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := group(dom, "sales", []mailops.Address{ps[0]}, ps[1:])
		f.createGroup(g)
		g.Members[0] = "changed@example.invalid" // the caller's slice is not kept
		f.groupIs("the caller's slice is not shared", g.PrimaryAddress, func(c *check, got mailops.Group) {
			require.Equal(c, ps[:1], got.Members)
			got.Members[0] = "changed@example.invalid"
			got.Owners[0] = "changed@example.invalid"
			list, err := f.d.ListGroups(f.ctx)
			require.NoError(c, err)
			for _, x := range list {
				for i := range x.Members {
					x.Members[i] = "changed@example.invalid"
				}
			}
		})
		f.groupIs("a returned slice is not shared", g.PrimaryAddress, func(c *check, got mailops.Group) {
			assert.Equal(c, ps[:1], got.Members)
			assert.Equal(c, ps[1:], got.Owners)
		})
	}},
	{"Group/ListSorted", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		for _, l := range []string{"zeta", "alpha", "mid"} {
			f.createGroup(group(dom, l, ps[:1], ps[1:]))
		}
		f.eventually("every group listed, sorted by address", func(c *check) {
			list, err := f.d.ListGroups(f.ctx)
			require.NoError(c, err)
			got := groupAddrs(list)
			assert.Subset(c, got, []string{string(addr("alpha", dom)), string(addr("mid", dom)), string(addr("zeta", dom))})
			assert.True(c, slices.IsSorted(got), "sorted by primary address: %v", got)
		})
	}},
}
