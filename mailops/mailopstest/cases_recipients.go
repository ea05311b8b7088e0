package mailopstest

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

var recipientCases = []testCase{
	{"Recipient/CreateAndReadBack", func(f *fixture) {
		dom := f.verifiedDomain()
		r := mailops.Recipient{Address: addr("taro", dom), Kind: mailops.Mailbox, DisplayName: "山田 太郎", SimpleDisplayName: "Taro Yamada",
			ProxyAddresses: []mailops.Address{addr("t.yamada", dom)}}
		require.NoError(f.t, f.d.CreateRecipient(f.ctx, r))
		f.settle()
		got, err := f.d.GetRecipient(f.ctx, r.Address)
		require.NoError(f.t, err)
		assert.Equal(f.t, r.Address, got.Address)
		assert.Equal(f.t, mailops.Mailbox, got.Kind)
		assert.Equal(f.t, "山田 太郎", got.DisplayName)
		assert.Equal(f.t, "Taro Yamada", got.SimpleDisplayName)
		assert.Equal(f.t, []mailops.Address{addr("t.yamada", dom)}, got.ProxyAddresses)
		byProxy, err := f.d.GetRecipient(f.ctx, addr("t.yamada", dom))
		require.NoError(f.t, err, "a recipient is found by a proxy address too")
		assert.Equal(f.t, r.Address, byProxy.Address)
	}},
	{"Recipient/MailUser", func(f *fixture) {
		dom := f.verifiedDomain()
		r := mailops.Recipient{Address: addr("guest", dom), Kind: mailops.MailUser, DisplayName: "Guest", ExternalAddress: "guest@partner.example"}
		require.NoError(f.t, f.d.CreateRecipient(f.ctx, r))
		f.settle()
		got, err := f.d.GetRecipient(f.ctx, r.Address)
		require.NoError(f.t, err)
		assert.Equal(f.t, mailops.MailUser, got.Kind)
		assert.Equal(f.t, mailops.Address("guest@partner.example"), got.ExternalAddress)
	}},
	{"Recipient/DuplicateAddressIsExists", func(f *fixture) {
		dom, ps := f.people("alice")
		err := f.d.CreateRecipient(f.ctx, mailops.Recipient{Address: ps[0], Kind: mailops.Mailbox, DisplayName: "Other"})
		assert.ErrorIs(f.t, err, mailops.ErrExists)
		err = f.d.CreateRecipient(f.ctx, mailops.Recipient{Address: addr("bob", dom), Kind: mailops.Mailbox, DisplayName: "Bob", ProxyAddresses: []mailops.Address{ps[0]}})
		assert.ErrorIs(f.t, err, mailops.ErrExists, "a proxy address taken by another recipient")
	}},
	{"Recipient/UnverifiedDomainIsRefused", func(f *fixture) {
		name := f.newDomain()
		_, err := f.d.AddDomain(f.ctx, name)
		require.NoError(f.t, err)
		f.settle()
		err = f.d.CreateRecipient(f.ctx, mailops.Recipient{Address: addr("x", name), Kind: mailops.Mailbox, DisplayName: "X"})
		assert.ErrorIs(f.t, err, mailops.ErrNotVerified)
	}},
	{"Recipient/InvalidIsRefused", func(f *fixture) {
		dom := f.verifiedDomain()
		err := f.d.CreateRecipient(f.ctx, mailops.Recipient{Address: addr("x", dom), Kind: mailops.Mailbox, DisplayName: "X", SimpleDisplayName: "日本語"})
		assert.ErrorIs(f.t, err, mailops.ErrInvalid)
		f.settle()
		_, err = f.d.GetRecipient(f.ctx, addr("x", dom))
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "a driver never stores an invalid object")
	}},
	{"Recipient/SimpleDisplayName", func(f *fixture) {
		_, ps := f.people("hanako")
		require.NoError(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], "Hanako Sato (Sales)"))
		f.settle()
		got, err := f.d.GetRecipient(f.ctx, ps[0])
		require.NoError(f.t, err)
		assert.Equal(f.t, "Hanako Sato (Sales)", got.SimpleDisplayName)
		assert.ErrorIs(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], "佐藤 花子"), mailops.ErrInvalid)
		require.NoError(f.t, f.d.SetSimpleDisplayName(f.ctx, ps[0], ""))
		f.settle()
		got, err = f.d.GetRecipient(f.ctx, ps[0])
		require.NoError(f.t, err)
		assert.Empty(f.t, got.SimpleDisplayName)
		assert.ErrorIs(f.t, f.d.SetSimpleDisplayName(f.ctx, addr("nobody", f.newDomain()), "X"), mailops.ErrNotFound)
	}},
	{"Recipient/Forwarding", func(f *fixture) {
		_, ps := f.people("alice", "bob")
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], ps[1], true))
		f.settle()
		got, err := f.d.GetRecipient(f.ctx, ps[0])
		require.NoError(f.t, err)
		assert.Equal(f.t, ps[1], got.ForwardingAddress)
		assert.True(f.t, got.DeliverToMailboxAndForward)
		require.NoError(f.t, f.d.SetForwarding(f.ctx, ps[0], "", false))
		f.settle()
		got, err = f.d.GetRecipient(f.ctx, ps[0])
		require.NoError(f.t, err)
		assert.Empty(f.t, got.ForwardingAddress)
		assert.False(f.t, got.DeliverToMailboxAndForward)
		assert.ErrorIs(f.t, f.d.SetForwarding(f.ctx, ps[0], ps[0], false), mailops.ErrInvalid, "forwarding to itself")
	}},
	{"Recipient/DeleteThenNotFound", func(f *fixture) {
		_, ps := f.people("alice")
		require.NoError(f.t, f.d.DeleteRecipient(f.ctx, ps[0]))
		f.settle()
		_, err := f.d.GetRecipient(f.ctx, ps[0])
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.DeleteRecipient(f.ctx, ps[0]), mailops.ErrNotFound)
	}},
	{"Recipient/ListSorted", func(f *fixture) {
		_, ps := f.people("carol", "alice", "bob")
		list, err := f.d.ListRecipients(f.ctx)
		require.NoError(f.t, err)
		var got []string
		for _, r := range list {
			got = append(got, string(r.Address))
		}
		for _, p := range ps {
			assert.Contains(f.t, got, string(p))
		}
		assert.IsNonDecreasing(f.t, got)
	}},
}
