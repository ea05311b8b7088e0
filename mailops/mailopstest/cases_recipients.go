package mailopstest

import (
	"slices"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func recipientAddrs(rs []mailops.Recipient) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Address))
	}
	return out
}

var recipientCases = []testCase{
	{"Recipient/CreateAndReadBack", func(f *fixture) {
		dom := f.verifiedDomain()
		r := mailops.Recipient{Address: addr("taro", dom), Kind: mailops.Mailbox, DisplayName: "山田 太郎", SimpleDisplayName: "Taro Yamada",
			ProxyAddresses: []mailops.Address{addr("t.yamada", dom)}}
		f.createRecipient(r)
		f.eventually("the mailbox reads back by primary and proxy address", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, r.Address)
			require.NoError(c, err)
			assert.Equal(c, r, got)
			byProxy, err := f.d.GetRecipient(f.ctx, addr("t.yamada", dom))
			require.NoError(c, err, "a recipient is found by a proxy address too")
			assert.Equal(c, r.Address, byProxy.Address)
			list, err := f.d.ListRecipients(f.ctx)
			require.NoError(c, err)
			assert.Contains(c, recipientAddrs(list), string(r.Address))
		})
	}},
	{"Recipient/MailUser", func(f *fixture) {
		dom := f.verifiedDomain()
		r := mailops.Recipient{Address: addr("guest", dom), Kind: mailops.MailUser, DisplayName: "Guest", ExternalAddress: "guest@partner.example"}
		f.createRecipient(r)
		f.eventually("the mail user reads back", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, r.Address)
			require.NoError(c, err)
			assert.Equal(c, mailops.MailUser, got.Kind)
			assert.Equal(c, r.ExternalAddress, got.ExternalAddress)
			assert.Equal(c, "Guest", got.DisplayName)
		})
	}},
	{"Recipient/DuplicateAddressIsExists", func(f *fixture) {
		dom, ps := f.people("alice")
		r := mailbox(addr("al", dom))
		r.ProxyAddresses = []mailops.Address{addr("alias", dom)}
		f.createRecipient(r)
		for _, dup := range []mailops.Recipient{
			{Address: ps[0], Kind: mailops.Mailbox, DisplayName: "Other"},
			{Address: addr("bob", dom), Kind: mailops.Mailbox, DisplayName: "Bob", ProxyAddresses: []mailops.Address{ps[0]}},
			{Address: addr("alias", dom), Kind: mailops.Mailbox, DisplayName: "Alias"},
			{Address: addr("carol", dom), Kind: mailops.MailUser, DisplayName: "Carol", ExternalAddress: "carol@partner.example", ProxyAddresses: []mailops.Address{addr("alias", dom)}},
		} {
			assert.ErrorIs(f.t, f.d.CreateRecipient(f.ctx, dup), mailops.ErrExists, "%s %v takes a used address", dup.Address, dup.ProxyAddresses)
		}
		f.afterSettle("the refused recipients were not created", func(c *check) {
			for _, a := range []mailops.Address{addr("bob", dom), addr("carol", dom)} {
				_, err := f.d.GetRecipient(f.ctx, a)
				assert.ErrorIs(c, err, mailops.ErrNotFound, a)
			}
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Equal(c, "User alice", got.DisplayName, "the first recipient is unchanged")
		})
	}},
	{"Recipient/DomainNotVerifiedIsRefused", func(f *fixture) {
		dom := f.unverifiedDomain()
		f.settle()
		home := f.verifiedDomain()
		absent := f.newDomain()
		for _, r := range []mailops.Recipient{
			mailbox(addr("x", dom.Name)),
			mailbox(addr("y", absent)),
			{Address: addr("z", home), Kind: mailops.Mailbox, DisplayName: "Z", ProxyAddresses: []mailops.Address{addr("z", dom.Name)}},
		} {
			assert.ErrorIs(f.t, f.d.CreateRecipient(f.ctx, r), mailops.ErrNotVerified, "%s %v", r.Address, r.ProxyAddresses)
		}
		f.afterSettle("nothing was created", func(c *check) {
			for _, a := range []mailops.Address{addr("x", dom.Name), addr("y", absent), addr("z", home)} {
				_, err := f.d.GetRecipient(f.ctx, a)
				assert.ErrorIs(c, err, mailops.ErrNotFound, a)
			}
		})
	}},
	{"Recipient/InvalidIsRefused", func(f *fixture) {
		dom := f.verifiedDomain()
		bad := []mailops.Recipient{
			{Address: addr("a", dom), Kind: mailops.Mailbox, DisplayName: "A", SimpleDisplayName: "日本語"},
			{Address: addr("b", dom), Kind: mailops.MailUser, DisplayName: "B"},
			{Address: addr("c", dom), Kind: mailops.Mailbox, DisplayName: "C", ExternalAddress: "c@partner.example"},
			{Address: addr("d", dom), Kind: "Contact", DisplayName: "D"},
			{Address: addr("e", dom), Kind: mailops.Mailbox, DisplayName: ""},
			{Address: addr("f", dom), Kind: mailops.Mailbox, DisplayName: "F", ForwardingSmtpAddress: addr("f", dom)},
			{Address: "not an address", Kind: mailops.Mailbox, DisplayName: "G"},
		}
		for _, r := range bad {
			assert.ErrorIs(f.t, f.d.CreateRecipient(f.ctx, r), mailops.ErrInvalid, "%+v", r)
		}
		f.afterSettle("a driver never stores an invalid object", func(c *check) {
			for _, r := range bad[:6] {
				_, err := f.d.GetRecipient(f.ctx, r.Address)
				assert.ErrorIs(c, err, mailops.ErrNotFound, r.Address)
			}
		})
	}},
	{"Recipient/SimpleDisplayName", func(f *fixture) {
		_, ps := f.people("hanako")
		require.NoError(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], "Hanako Sato (Sales)"))
		require.NoError(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], "Hanako Sato (Sales)"), "setting the same name again is fine")
		f.eventually("the simple display name reads back", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Equal(c, "Hanako Sato (Sales)", got.SimpleDisplayName)
		})
		assert.ErrorIs(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], "佐藤 花子"), mailops.ErrInvalid, "outside EXO's allowed characters")
		f.afterSettle("the refused name changed nothing", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Equal(c, "Hanako Sato (Sales)", got.SimpleDisplayName)
		})
		require.NoError(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], ""), "an empty name clears it")
		f.eventually("the cleared name reads back empty", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Empty(c, got.SimpleDisplayName)
			assert.Equal(c, "User hanako", got.DisplayName, "the display name is untouched")
		})
	}},
	{"Recipient/Forwarding", func(f *fixture) {
		_, ps := f.people("alice", "bob")
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.ForwardTo(ps[1], true)))
		f.eventually("forwarding with a copy reads back", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Equal(c, ps[1], got.ForwardingSmtpAddress)
			assert.True(c, got.DeliverToMailboxAndForward)
		})
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.ForwardTo(ps[1], false)))
		f.eventually("forwarding without a copy reads back", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Equal(c, ps[1], got.ForwardingSmtpAddress)
			assert.False(c, got.DeliverToMailboxAndForward)
		})
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.Forwarding{}))
		f.eventually("cleared forwarding reads back", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Empty(c, got.ForwardingSmtpAddress)
			assert.False(c, got.DeliverToMailboxAndForward)
		})
		assert.ErrorIs(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.ForwardTo(ps[0], false)), mailops.ErrInvalid, "forwarding to itself")
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.ForwardTo(ps[1], true)))
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], mailops.Forwarding{}), "the zero Forwarding clears forwarding")
		f.afterSettle("forwarding is cleared, with no copy flag left on its own", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, ps[0])
			require.NoError(c, err)
			assert.Empty(c, got.ForwardingSmtpAddress)
			assert.False(c, got.DeliverToMailboxAndForward)
		})
	}},
	{"Recipient/MissingIsNotFound", func(f *fixture) {
		dom := f.verifiedDomain()
		a := addr("nobody", dom)
		_, err := f.d.GetRecipient(f.ctx, a)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "GetRecipient")
		assert.ErrorIs(f.t, f.d.SetSimpleDisplayName(f.ctx, a, "X"), mailops.ErrNotFound, "SetSimpleDisplayName")
		assert.ErrorIs(f.t, f.d.SetForwarding(f.ctx, a, mailops.ForwardTo(addr("other", dom), false)), mailops.ErrNotFound, "SetForwarding")
		assert.ErrorIs(f.t, f.d.DeleteRecipient(f.ctx, a), mailops.ErrNotFound, "DeleteRecipient")
	}},
	{"Recipient/DeleteThenNotFound", func(f *fixture) {
		dom := f.verifiedDomain()
		r := mailbox(addr("alice", dom))
		r.ProxyAddresses = []mailops.Address{addr("a.liddell", dom)}
		f.createRecipient(r)
		require.NoError(f.t, f.d.DeleteRecipient(f.ctx, r.Address))
		f.eventually("the deleted recipient is gone, by every address", func(c *check) {
			_, err := f.d.GetRecipient(f.ctx, r.Address)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
			_, err = f.d.GetRecipient(f.ctx, r.ProxyAddresses[0])
			assert.ErrorIs(c, err, mailops.ErrNotFound)
			list, err := f.d.ListRecipients(f.ctx)
			require.NoError(c, err)
			assert.NotContains(c, recipientAddrs(list), string(r.Address))
		})
		assert.ErrorIs(f.t, f.d.DeleteRecipient(f.ctx, r.Address), mailops.ErrNotFound, "deleting twice")
	}},
	{"Recipient/ListSorted", func(f *fixture) {
		_, ps := f.people("carol", "alice", "bob")
		f.eventually("every recipient listed, sorted by address", func(c *check) {
			list, err := f.d.ListRecipients(f.ctx)
			require.NoError(c, err)
			got := recipientAddrs(list)
			for _, p := range ps {
				assert.Contains(c, got, string(p))
			}
			assert.True(c, slices.IsSorted(got), "sorted by primary address: %v", got)
		})
	}},
	{"Recipient/ReturnedValuesAreCopies", func(f *fixture) {
		dom := f.verifiedDomain()
		r := mailbox(addr("alice", dom))
		r.ProxyAddresses = []mailops.Address{addr("a.liddell", dom)}
		f.createRecipient(r)
		r.ProxyAddresses[0] = "changed@example.invalid" // the caller's slice is not kept
		want := []mailops.Address{addr("a.liddell", dom)}
		f.eventually("the recipient reads back", func(c *check) {
			got, err := f.d.GetRecipient(f.ctx, r.Address)
			require.NoError(c, err)
			require.Equal(c, want, got.ProxyAddresses, "the caller's slice is not shared")
			got.ProxyAddresses[0] = "changed@example.invalid"
			list, err := f.d.ListRecipients(f.ctx)
			require.NoError(c, err)
			for _, x := range list {
				for i := range x.ProxyAddresses {
					x.ProxyAddresses[i] = "changed@example.invalid"
				}
			}
		})
		f.eventually("changing a returned slice changes nothing in the tenant", func(c *check) {
			again, err := f.d.GetRecipient(f.ctx, r.Address)
			require.NoError(c, err)
			assert.Equal(c, want, again.ProxyAddresses, "a returned slice is not shared")
		})
	}},
}
