package fake_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

func TestRecipients(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	_, err := w.d.AddDomain(bg, "unverified.example")
	require.NoError(t, err)
	alice := mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "Alice",
		ProxyAddresses: []mailops.Address{"a.smith@contoso.com"}}
	require.NoError(t, w.d.CreateRecipient(bg, alice))

	for _, tc := range []struct {
		name string
		r    mailops.Recipient
		want error
	}{
		{"same primary", mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "X"}, mailops.ErrExists},
		{"primary is another's proxy", mailops.Recipient{Address: "a.smith@contoso.com", Kind: mailops.Mailbox, DisplayName: "X"}, mailops.ErrExists},
		{"proxy is another's primary", mailops.Recipient{Address: "x@contoso.com", Kind: mailops.Mailbox, DisplayName: "X",
			ProxyAddresses: []mailops.Address{"alice@contoso.com"}}, mailops.ErrExists},
		{"domain not in the tenant", mailops.Recipient{Address: "x@elsewhere.example", Kind: mailops.Mailbox, DisplayName: "X"}, mailops.ErrNotVerified},
		{"domain not verified", mailops.Recipient{Address: "x@unverified.example", Kind: mailops.Mailbox, DisplayName: "X"}, mailops.ErrNotVerified},
		{"proxy domain not verified", mailops.Recipient{Address: "x@contoso.com", Kind: mailops.Mailbox, DisplayName: "X",
			ProxyAddresses: []mailops.Address{"x@unverified.example"}}, mailops.ErrNotVerified},
		{"invalid", mailops.Recipient{Address: "x@contoso.com", Kind: "Robot", DisplayName: "X"}, mailops.ErrInvalid},
	} {
		err := w.d.CreateRecipient(bg, tc.r)
		assert.ErrorIs(t, err, tc.want, tc.name)
		_, err = w.d.GetRecipient(bg, "x@contoso.com")
		assert.ErrorIs(t, err, mailops.ErrNotFound, "%s: nothing created", tc.name)
	}

	got, err := w.d.GetRecipient(bg, "a.smith@contoso.com")
	require.NoError(t, err, "found by a proxy address")
	assert.Equal(t, alice, got)

	require.NoError(t, w.d.SetSimpleDisplayName(bg, "alice@contoso.com", "Alice Smith"))
	err = w.d.SetSimpleDisplayName(bg, "alice@contoso.com", "Álice")
	var ve *mailops.ValidationError
	require.ErrorAs(t, err, &ve, "characters EXO refuses")
	assert.Equal(t, "Recipient.SimpleDisplayName", ve.Field)
	require.NoError(t, w.d.SetForwarding(bg, "a.smith@contoso.com", mailops.ForwardTo("alice@fabrikam.example", true)))
	got, _ = w.d.GetRecipient(bg, "alice@contoso.com")
	assert.Equal(t, "Alice Smith", got.SimpleDisplayName, "an invalid change leaves the old value")
	assert.Equal(t, mailops.Address("alice@fabrikam.example"), got.ForwardingSmtpAddress)
	assert.True(t, got.DeliverToMailboxAndForward)
	assert.ErrorIs(t, w.d.SetForwarding(bg, "alice@contoso.com", mailops.ForwardTo("alice@contoso.com", false)), mailops.ErrInvalid, "forwarding to itself")
	require.NoError(t, w.d.SetForwarding(bg, "alice@contoso.com", mailops.Forwarding{}))
	got, _ = w.d.GetRecipient(bg, "alice@contoso.com")
	assert.Empty(t, got.ForwardingSmtpAddress)
	assert.False(t, got.DeliverToMailboxAndForward, "clearing forwarding clears the copy flag")
	assert.ErrorIs(t, w.d.SetSimpleDisplayName(bg, "nobody@contoso.com", "N"), mailops.ErrNotFound)

	bob := mailops.Recipient{Address: "bob@contoso.com", Kind: mailops.MailUser, DisplayName: "Bob", ExternalAddress: "bob@legacy.example"}
	require.NoError(t, w.d.CreateRecipient(bg, bob))
	list, err := w.d.ListRecipients(bg)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []mailops.Address{"alice@contoso.com", "bob@contoso.com"}, []mailops.Address{list[0].Address, list[1].Address}, "sorted")
	list[0].ProxyAddresses[0] = "mutated@contoso.com"
	got, _ = w.d.GetRecipient(bg, "alice@contoso.com")
	assert.Equal(t, mailops.Address("a.smith@contoso.com"), got.ProxyAddresses[0], "lists return copies")

	require.NoError(t, w.d.DeleteRecipient(bg, "a.smith@contoso.com"), "deleted by a proxy address")
	_, err = w.d.GetRecipient(bg, "alice@contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.DeleteRecipient(bg, "alice@contoso.com"), mailops.ErrNotFound)
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "a.smith@contoso.com", Kind: mailops.Mailbox, DisplayName: "New"}),
		"a deleted recipient's addresses are free again")
}
