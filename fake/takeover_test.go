package fake_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// External admin takeover (Entra domains-admin-takeover): the domain moves
// at once, without the release delay, and the unmanaged tenant's users on it
// become this tenant's recipients.
func TestTakeOverDomainMovesUsers(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	other := w.cloud.NewTenant("fabrikam", fake.InstantTenantConfig()).Driver("admin")
	users := []mailops.Recipient{
		{Address: "sato@deptc.example.org", Kind: mailops.Mailbox, DisplayName: "Sato", ProxyAddresses: []mailops.Address{"s.sato@deptc.example.org"}},
		{Address: "suzuki@deptc.example.org", Kind: mailops.Mailbox, DisplayName: "Suzuki"},
	}
	w.cloud.HoldUnmanaged("deptc.example.org", users...)
	require.True(t, w.cloud.HeldUnmanaged("deptc.example.org"))

	_, err := w.d.TakeOverDomain(bg, "deptc.example.org")
	require.ErrorIs(t, err, mailops.ErrNotFound, "the domain must be added first")
	dom, err := w.d.AddDomain(bg, "deptc.example.org")
	require.NoError(t, err)
	_, err = w.d.TakeOverDomain(bg, "deptc.example.org")
	require.ErrorIs(t, err, mailops.ErrNotVerified, "the proof must be published")
	_, err = w.d.GetRecipient(bg, "sato@deptc.example.org")
	require.ErrorIs(t, err, mailops.ErrNotFound, "nothing moved yet")

	w.cloud.PublishProof("deptc.example.org", dom.VerificationRecords[0].Value)
	dom, err = w.d.TakeOverDomain(bg, "deptc.example.org")
	require.NoError(t, err)
	assert.True(t, dom.Verified)
	assert.False(t, w.cloud.HeldUnmanaged("deptc.example.org"))
	owner, ok := w.cloud.TenantForDomain("deptc.example.org")
	require.True(t, ok)
	assert.Equal(t, "contoso", owner.Name())

	list, err := w.d.ListRecipients(bg)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, users[0], list[0], "moved as they were")
	assert.Equal(t, users[1], list[1])
	r, err := w.d.GetRecipient(bg, "s.sato@deptc.example.org")
	require.NoError(t, err, "found by a proxy address too")
	assert.Equal(t, users[0].Address, r.Address)
	assert.ErrorIs(t, w.d.RemoveDomain(bg, "deptc.example.org"), mailops.ErrForbidden, "the moved users use the domain")

	again, err := w.d.TakeOverDomain(bg, "deptc.example.org")
	require.NoError(t, err, "taking over one's own domain again is not an error")
	assert.True(t, again.Verified)
	list, err = w.d.ListRecipients(bg)
	require.NoError(t, err)
	assert.Len(t, list, 2, "and moves nobody twice")

	_, err = other.AddDomain(bg, "deptc.example.org")
	assert.ErrorIs(t, err, mailops.ErrDomainTaken, "a managed tenant holds it now")
}

// Only an unmanaged tenant's domain can be taken over.
func TestTakeOverFromManagedTenantIsForbidden(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	otherTenant := w.cloud.NewTenant("fabrikam", fake.InstantTenantConfig())
	other := otherTenant.Driver("admin")
	dom, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	theirs, err := other.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	w.cloud.PublishProof("contoso.com", theirs.VerificationRecords[0].Value)
	_, err = other.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	w.cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)

	_, err = w.d.TakeOverDomain(bg, "contoso.com")
	require.ErrorIs(t, err, mailops.ErrForbidden)
	got, err := w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.False(t, got.Verified)
	owner, ok := w.cloud.TenantForDomain("contoso.com")
	require.True(t, ok)
	assert.Equal(t, "fabrikam", owner.Name(), "the managed tenant keeps it")
}
