package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// addVerified adds and verifies a domain without enabling Email.
func (w *world) addVerified(t *testing.T, name string) {
	t.Helper()
	dom, err := w.d.AddDomain(bg, name)
	require.NoError(t, err)
	w.cloud.PublishProof(name, dom.VerificationRecords[0].Value)
	_, err = w.d.VerifyDomain(bg, name)
	require.NoError(t, err)
}

// EnableEmail makes a verified domain an accepted domain only after
// Propagation.AcceptedDomain: until then admin reads show Type "", mail
// flow does not accept it and Set-AcceptedDomain cannot find it.
func TestAcceptedDomainAfterItsDelay(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.AcceptedDomain = fake.Fixed(4 * time.Minute)
	w := newWorld(t, cfg)
	w.addVerified(t, "contoso.com")
	got, err := w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.True(t, got.Verified)
	assert.Equal(t, mailops.DomainType(""), got.Type, "verified is not accepted")
	assert.Empty(t, got.SupportedServices)

	require.NoError(t, w.d.EnableEmail(bg, "contoso.com"))
	enabled := w.s.Now()
	require.NoError(t, w.s.RunFor(4*time.Minute-time.Second))
	got, err = w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.DomainType(""), got.Type, "not accepted before the delay")
	assert.False(t, got.Accepted())
	assert.Contains(t, got.SupportedServices, "Email", "the supported service shows at once")
	list, err := w.d.ListDomains(bg)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, mailops.DomainType(""), list[0].Type, "lists agree with reads")
	_, ok := w.t.MailView().AcceptedDomain("contoso.com")
	assert.False(t, ok, "mail flow does not accept it yet")
	assert.Empty(t, w.t.MailView().AcceptedDomains())
	assert.ErrorIs(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay), mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "a@contoso.com", Kind: mailops.Mailbox, DisplayName: "A"}), mailops.ErrNotVerified)

	require.NoError(t, w.s.RunFor(time.Second))
	require.Equal(t, enabled.Add(4*time.Minute), w.s.Now())
	got, err = w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.Authoritative, got.Type, "accepted, with the default type")
	d, ok := w.t.MailView().AcceptedDomain("contoso.com")
	require.True(t, ok, "mail flow accepts it after the delay")
	assert.Equal(t, mailops.Authoritative, d.Type)
	assert.Len(t, w.t.MailView().AcceptedDomains(), 1)
	w.mailbox(t, "a@contoso.com")
	require.NoError(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay))

	require.NoError(t, w.d.EnableEmail(bg, "contoso.com"), "enabling again is fine")
	got, err = w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.InternalRelay, got.Type, "and does not reset the type")
	assert.Equal(t, []string{"Email"}, got.SupportedServices, "Email once")
}

func TestEnableEmailErrors(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	assert.ErrorIs(t, w.d.EnableEmail(bg, "contoso.com"), mailops.ErrNotFound)
	_, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.ErrorIs(t, w.d.EnableEmail(bg, "contoso.com"), mailops.ErrNotVerified)
	_, ok := w.t.MailView().AcceptedDomain("contoso.com")
	assert.False(t, ok)
}

// A lagging admin read shows the domain as it was when the snapshot was
// taken: not accepted if the acceptance came after it.
func TestLaggingReadOfAcceptance(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.AdminLag = fake.AdminLag{Probability: 1, Lag: fake.Fixed(time.Minute)}
	w := newWorld(t, cfg)
	w.addVerified(t, "contoso.com")
	require.NoError(t, w.s.RunFor(2*time.Minute))
	require.NoError(t, w.d.EnableEmail(bg, "contoso.com"))
	got, err := w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.DomainType(""), got.Type, "the snapshot of a minute ago")
	require.NoError(t, w.s.RunFor(time.Minute))
	got, err = w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.Authoritative, got.Type)
}
