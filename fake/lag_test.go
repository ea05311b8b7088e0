package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// Every read lags by exactly one minute: reads see the snapshot of a minute
// ago, never an absence the snapshot did not have.
func TestLaggingReadsSeeASnapshot(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	w.mailbox(t, "old@contoso.com")
	require.NoError(t, w.s.RunFor(2*time.Minute))

	cfg := fake.InstantTenantConfig()
	cfg.AdminLag = fake.AdminLag{Probability: 1, Lag: fake.Fixed(time.Minute)}
	laggy := w.cloud.NewTenant("laggy", cfg)
	d := laggy.Driver("admin")
	dom, err := d.AddDomain(bg, "fabrikam.com")
	require.NoError(t, err)
	w.cloud.PublishProof("fabrikam.com", dom.VerificationRecords[0].Value)
	_, err = d.VerifyDomain(bg, "fabrikam.com")
	require.NoError(t, err)
	_, err = d.GetDomain(bg, "fabrikam.com")
	require.ErrorIs(t, err, mailops.ErrNotFound, "a snapshot from before the creation legitimately misses it")
	require.NoError(t, d.EnableEmail(bg, "fabrikam.com"), "no propagation: accepted at once")
	require.NoError(t, w.s.RunFor(2*time.Minute))

	require.NoError(t, d.CreateRecipient(bg, mailops.Recipient{Address: "a@fabrikam.com", Kind: mailops.Mailbox, DisplayName: "A"}))
	require.NoError(t, w.s.RunFor(2*time.Minute))
	require.NoError(t, d.SetSimpleDisplayName(bg, "a@fabrikam.com", "Alice"))
	require.NoError(t, d.DeleteRecipient(bg, "a@fabrikam.com"))
	got, err := d.GetRecipient(bg, "a@fabrikam.com")
	require.NoError(t, err, "the snapshot of a minute ago still has the deleted recipient")
	assert.Empty(t, got.SimpleDisplayName, "as it was then")
	list, err := d.ListRecipients(bg)
	require.NoError(t, err)
	assert.Len(t, list, 1)
	require.NoError(t, w.s.RunFor(time.Minute))
	_, err = d.GetRecipient(bg, "a@fabrikam.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound, "once the lag has passed the deletion shows")
	doms, err := d.ListDomains(bg)
	require.NoError(t, err)
	assert.Len(t, doms, 1)
}

func TestDefaultRemoteDomainIsSeenByLaggingReads(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.AdminLag = fake.AdminLag{Probability: 1, Lag: fake.Fixed(time.Hour)}
	w := newWorld(t, cfg)
	rds, err := w.d.ListRemoteDomains(bg)
	require.NoError(t, err)
	require.Len(t, rds, 1)
	assert.Equal(t, mailops.DefaultRemoteDomain, rds[0].Name)
	assert.Len(t, w.t.MailView().RemoteDomains(), 1, "mail flow has it from the start")
}

// A burst of lagging reads (LagReads) hides what was written during it
// from admin reads, and ends on time.
func TestLagReadsBurst(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	require.NoError(t, w.s.RunFor(time.Minute))
	w.t.LagReads(w.s.Now().Add(10*time.Minute), 5*time.Minute)
	w.mailbox(t, "new@contoso.com")
	_, err := w.d.GetRecipient(bg, "new@contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound, "a read 5 minutes stale misses the new mailbox")
	require.NoError(t, w.s.RunFor(4*time.Minute))
	_, err = w.d.GetRecipient(bg, "new@contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound, "still inside the lag")
	require.NoError(t, w.s.RunFor(7*time.Minute))
	_, err = w.d.GetRecipient(bg, "new@contoso.com")
	assert.NoError(t, err, "the burst is over")
}
