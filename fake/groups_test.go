package fake_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

func TestGroupChanges(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	w.mailbox(t, "alice@contoso.com")
	w.mailbox(t, "bob@contoso.com")
	// An external member must exist as a mail user (a contact in EXO terms).
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "carol.ext@contoso.com", Kind: mailops.MailUser, DisplayName: "Carol",
		ExternalAddress: "carol@partner.example"}))
	g := mailops.Group{PrimaryAddress: "sales@contoso.com", Name: "Sales", Members: []mailops.Address{"alice@contoso.com"},
		Owners: []mailops.Address{"bob@contoso.com"}, RequireSenderAuthentication: true}

	missingOwner := g
	missingOwner.Owners = []mailops.Address{"ghost@contoso.com"}
	err := w.d.CreateGroup(bg, missingOwner)
	require.ErrorIs(t, err, mailops.ErrNotFound)
	assert.Contains(t, err.Error(), "owner ghost@contoso.com")
	external := g
	external.Members = []mailops.Address{"carol@partner.example"}
	err = w.d.CreateGroup(bg, external)
	require.ErrorIs(t, err, mailops.ErrNotFound, "a bare external address is not a recipient")
	assert.Contains(t, err.Error(), "carol@partner.example")
	groups, err := w.d.ListGroups(bg)
	require.NoError(t, err)
	assert.Empty(t, groups, "failed creations leave nothing behind")

	require.NoError(t, w.d.CreateGroup(bg, g))
	got, err := w.d.GetGroup(bg, "sales@contoso.com")
	require.NoError(t, err)
	assert.Equal(t, "Sales", got.DisplayName, "DisplayName defaults to Name")
	assert.True(t, got.RequireSenderAuthentication)

	taken := mailops.Recipient{Address: "sales@contoso.com", Kind: mailops.Mailbox, DisplayName: "S"}
	assert.ErrorIs(t, w.d.CreateRecipient(bg, taken), mailops.ErrExists, "a group's address is taken for recipients")
	other := g
	other.Name = "Other"
	assert.ErrorIs(t, w.d.CreateGroup(bg, other), mailops.ErrExists, "the address is taken")
	other.PrimaryAddress = "bob@contoso.com"
	other.Members = nil
	assert.ErrorIs(t, w.d.CreateGroup(bg, other), mailops.ErrExists, "a recipient's address is taken for groups")

	err = w.d.SetGroupMembers(bg, "sales@contoso.com", []mailops.Address{"bob@contoso.com", "ghost@contoso.com"})
	require.ErrorIs(t, err, mailops.ErrNotFound)
	got, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Equal(t, []mailops.Address{"alice@contoso.com"}, got.Members, "a refused replacement changes nothing")
	require.NoError(t, w.d.SetGroupMembers(bg, "sales@contoso.com", []mailops.Address{"bob@contoso.com", "carol.ext@contoso.com"}))
	got, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Equal(t, []mailops.Address{"bob@contoso.com", "carol.ext@contoso.com"}, got.Members, "members are replaced")
	assert.ErrorIs(t, w.d.SetGroupMembers(bg, "sales@contoso.com", []mailops.Address{"bob@contoso.com", "bob@contoso.com"}), mailops.ErrInvalid)

	require.NoError(t, w.d.SetGroupSenderAuthentication(bg, "sales@contoso.com", false))
	require.NoError(t, w.d.GrantSendAs(bg, "sales@contoso.com", "alice@contoso.com"))
	assert.ErrorIs(t, w.d.GrantSendAs(bg, "sales@contoso.com", "ghost@contoso.com"), mailops.ErrNotFound)
	got, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.False(t, got.RequireSenderAuthentication)
	assert.Equal(t, []mailops.Address{"alice@contoso.com"}, got.SendAs)
	require.NoError(t, w.d.RevokeSendAs(bg, "sales@contoso.com", "alice@contoso.com"))
	require.NoError(t, w.d.RevokeSendAs(bg, "sales@contoso.com", "alice@contoso.com"), "revoking what is not granted is not an error")
	got, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Empty(t, got.SendAs)

	// Nested groups; deleting the inner one removes it from the outer.
	inner := mailops.Group{PrimaryAddress: "inner@contoso.com", Name: "Inner", Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"bob@contoso.com"}}
	require.NoError(t, w.d.CreateGroup(bg, inner))
	require.NoError(t, w.d.SetGroupMembers(bg, "sales@contoso.com", []mailops.Address{"inner@contoso.com"}))
	require.NoError(t, w.d.DeleteGroup(bg, "inner@contoso.com"))
	got, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Empty(t, got.Members)
	assert.ErrorIs(t, w.d.DeleteGroup(bg, "inner@contoso.com"), mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.SetGroupSenderAuthentication(bg, "inner@contoso.com", true), mailops.ErrNotFound)

	// A member named by a proxy address leaves when its recipient is deleted.
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "dan@contoso.com", Kind: mailops.Mailbox, DisplayName: "Dan",
		ProxyAddresses: []mailops.Address{"d@contoso.com"}}))
	require.NoError(t, w.d.SetGroupMembers(bg, "sales@contoso.com", []mailops.Address{"d@contoso.com", "bob@contoso.com"}))
	require.NoError(t, w.d.DeleteRecipient(bg, "dan@contoso.com"))
	got, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Equal(t, []mailops.Address{"bob@contoso.com"}, got.Members)

	// Names are free again once a group is deleted.
	require.NoError(t, w.d.DeleteGroup(bg, "sales@contoso.com"))
	g.PrimaryAddress = "sales2@contoso.com"
	require.NoError(t, w.d.CreateGroup(bg, g))
	groups, err = w.d.ListGroups(bg)
	require.NoError(t, err)
	require.Len(t, groups, 1)
	assert.Equal(t, mailops.Address("sales2@contoso.com"), groups[0].PrimaryAddress)
}
