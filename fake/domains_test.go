package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

func TestAddDomainRecords(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	dom, err := w.d.AddDomain(bg, "dept.example.ac.uk")
	require.NoError(t, err)
	require.Len(t, dom.VerificationRecords, 2)
	txt, mx := dom.VerificationRecords[0], dom.VerificationRecords[1]
	assert.Equal(t, "TXT", txt.Type)
	assert.Equal(t, 3600, txt.TTL)
	token := txt.Value[len("MS="):]
	assert.Equal(t, mailops.DNSRecord{Type: "MX", Label: "@", Value: token + ".msv1.invalid", Preference: 32767, TTL: 3600, Optional: true}, mx,
		"the MX alternative carries the same token")
	assert.Equal(t, []mailops.DNSRecord{
		{Type: "MX", Label: "@", Value: "dept-example-ac-uk.mail.protection.outlook.com", Preference: 0, TTL: 3600},
		{Type: "TXT", Label: "@", Value: "v=spf1 include:spf.protection.outlook.com -all", TTL: 3600},
		{Type: "CNAME", Label: "autodiscover", Value: "autodiscover.outlook.com", TTL: 3600},
	}, dom.ServiceRecords)
	_, err = w.d.AddDomain(bg, "Not A Domain")
	assert.ErrorIs(t, err, mailops.ErrInvalid)
	dom.VerificationRecords[0].Value = "mutated"
	again, err := w.d.GetDomain(bg, "dept.example.ac.uk")
	require.NoError(t, err)
	assert.Equal(t, txt, again.VerificationRecords[0], "returned domains are copies")
}

// A managed tenant removes the domain; another may verify it an hour later
// (exo-facts 1.4), and a subdomain added there is verified at once.
func TestDomainMovesBetweenTenantsAfterTheReleaseDelay(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	w.mailbox(t, "alice@contoso.com")
	dst := w.cloud.NewTenant("fabrikam", fake.InstantTenantConfig())
	d2 := dst.Driver("admin")

	_, err := d2.AddDomain(bg, "contoso.com")
	require.ErrorIs(t, err, mailops.ErrDomainTaken)
	require.ErrorIs(t, w.d.RemoveDomain(bg, "contoso.com"), mailops.ErrForbidden, "alice still uses it")
	require.NoError(t, w.d.DeleteRecipient(bg, "alice@contoso.com"))
	require.NoError(t, w.d.RemoveDomain(bg, "contoso.com"))
	_, held := w.cloud.TenantForDomain("contoso.com")
	assert.False(t, held)

	dom, err := d2.AddDomain(bg, "contoso.com")
	require.NoError(t, err, "adding is allowed; verifying has to wait")
	w.cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	require.NoError(t, w.s.RunFor(59*time.Minute))
	_, err = d2.VerifyDomain(bg, "contoso.com")
	require.ErrorIs(t, err, mailops.ErrDomainTaken, "59 minutes after the release")
	require.NoError(t, w.s.RunFor(time.Minute))
	_, err = d2.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	owner, held := w.cloud.TenantForDomain("contoso.com")
	require.True(t, held)
	assert.Same(t, dst, owner)
	held, err = w.t.HeldElsewhere(bg, "contoso.com")
	require.NoError(t, err)
	assert.True(t, held)

	sub, err := d2.AddDomain(bg, "mail.contoso.com")
	require.NoError(t, err)
	assert.True(t, sub.Verified, "a subdomain of a domain verified in the same tenant needs no proof")
	owner, _ = w.cloud.TenantForDomain("mail.contoso.com")
	assert.Same(t, dst, owner, "and is held by that tenant")
	_, err = w.d.AddDomain(bg, "mail.contoso.com")
	assert.ErrorIs(t, err, mailops.ErrDomainTaken)
}

func TestVerifyAndRemoveErrors(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	_, err := w.d.VerifyDomain(bg, "contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.RemoveDomain(bg, "contoso.com"), mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay), mailops.ErrNotFound)
	dom, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	w.cloud.PublishProof("contoso.com", "MS=ms00000000")
	_, err = w.d.VerifyDomain(bg, "contoso.com")
	require.ErrorIs(t, err, mailops.ErrNotVerified, "a proof with another token does not count")
	w.cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	v1, err := w.d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	v2, err := w.d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err, "verifying a verified domain is not an error")
	assert.Equal(t, v1, v2)

	// A group, or a recipient's proxy address, keeps the domain in use.
	sub, err := w.d.AddDomain(bg, "sales.contoso.com")
	require.NoError(t, err)
	require.True(t, sub.Verified)
	w.enableEmail(t, "contoso.com")
	w.enableEmail(t, "sales.contoso.com")
	w.mailbox(t, "owner@contoso.com")
	require.NoError(t, w.d.CreateGroup(bg, mailops.Group{PrimaryAddress: "g@sales.contoso.com", Name: "G", Owners: []mailops.Address{"owner@contoso.com"}}))
	err = w.d.RemoveDomain(bg, "sales.contoso.com")
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Contains(t, err.Error(), "g@sales.contoso.com", "the error names what uses the domain")
	require.NoError(t, w.d.DeleteGroup(bg, "g@sales.contoso.com"))
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "p@contoso.com", Kind: mailops.Mailbox, DisplayName: "P",
		ProxyAddresses: []mailops.Address{"p@sales.contoso.com"}}))
	require.ErrorIs(t, w.d.RemoveDomain(bg, "sales.contoso.com"), mailops.ErrForbidden, "a proxy address uses it")
	require.NoError(t, w.d.DeleteRecipient(bg, "p@contoso.com"))
	require.NoError(t, w.d.RemoveDomain(bg, "sales.contoso.com"))
	_, err = w.d.GetDomain(bg, "sales.contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound)
}
