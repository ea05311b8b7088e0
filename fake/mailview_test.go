package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

func TestDeletedConnectorRoutesUntilTheDeletionPropagates(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Connector = fake.Fixed(10 * time.Minute)
	w := newWorld(t, cfg)
	out := mailops.OutboundConnector{Name: "legacy", Type: mailops.OnPremises, RecipientDomains: []string{"contoso.com"}, SmartHosts: []string{"mx.contoso.com"}, Enabled: true}
	in := mailops.InboundConnector{Name: "from-legacy", Type: mailops.OnPremises, SenderDomains: []string{"*"}, Enabled: true}
	require.NoError(t, w.d.CreateOutboundConnector(bg, out))
	require.NoError(t, w.d.CreateInboundConnector(bg, in))
	require.NoError(t, w.s.RunFor(10*time.Minute))
	require.Len(t, w.t.MailView().OutboundConnectors(), 1)
	require.Len(t, w.t.MailView().InboundConnectors(), 1)

	out.SmartHosts = []string{"mx2.contoso.com"}
	require.NoError(t, w.d.UpdateOutboundConnector(bg, out))
	require.NoError(t, w.s.RunFor(5*time.Minute))
	assert.Equal(t, []string{"mx.contoso.com"}, w.t.MailView().OutboundConnectors()[0].SmartHosts, "the old settings route until the change propagates")
	require.NoError(t, w.s.RunFor(5*time.Minute))
	assert.Equal(t, []string{"mx2.contoso.com"}, w.t.MailView().OutboundConnectors()[0].SmartHosts)

	require.NoError(t, w.d.DeleteOutboundConnector(bg, "legacy"))
	require.NoError(t, w.d.DeleteInboundConnector(bg, "from-legacy"))
	_, err := w.d.GetOutboundConnector(bg, "legacy")
	require.ErrorIs(t, err, mailops.ErrNotFound, "admin reads see the deletion")
	require.NoError(t, w.s.RunFor(9*time.Minute))
	assert.Len(t, w.t.MailView().OutboundConnectors(), 1, "a deleted connector keeps routing until its deletion propagates")
	assert.Len(t, w.t.MailView().InboundConnectors(), 1)
	require.NoError(t, w.s.RunFor(time.Minute))
	assert.Empty(t, w.t.MailView().OutboundConnectors())
	assert.Empty(t, w.t.MailView().InboundConnectors())
}

func TestRecipientsAndRemoteDomainsPropagate(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Recipient = fake.Fixed(30 * time.Minute)
	cfg.Propagation.RemoteDomain = fake.Fixed(20 * time.Minute)
	w := newWorld(t, cfg)
	w.verified(t, "contoso.com")
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "Alice",
		ProxyAddresses: []mailops.Address{"a.smith@contoso.com"}}))
	require.NoError(t, w.d.CreateRemoteDomain(bg, mailops.RemoteDomain{Name: "partner", DomainName: "fabrikam.com", UseSimpleDisplayName: true}))
	v := w.t.MailView()
	_, ok := v.Recipient("a.smith@contoso.com")
	assert.False(t, ok, "a new mailbox is unknown to mail flow at first")
	assert.Len(t, v.RemoteDomains(), 1, "only Default")

	require.NoError(t, w.s.RunFor(20*time.Minute))
	assert.Len(t, w.t.MailView().RemoteDomains(), 2)
	require.NoError(t, w.s.RunFor(10*time.Minute))
	r, ok := w.t.MailView().Recipient("a.smith@contoso.com")
	require.True(t, ok, "found by its proxy address once propagated")
	assert.Equal(t, mailops.Address("alice@contoso.com"), r.Address)

	require.NoError(t, w.d.SetForwarding(bg, "alice@contoso.com", mailops.ForwardTo("bob@fabrikam.com", true)))
	r, _ = w.t.MailView().Recipient("alice@contoso.com")
	assert.Empty(t, r.ForwardingSmtpAddress, "forwarding starts when the change propagates")
	r.ProxyAddresses[0] = "mutated@contoso.com"
	again, _ := w.t.MailView().Recipient("alice@contoso.com")
	assert.Equal(t, mailops.Address("a.smith@contoso.com"), again.ProxyAddresses[0], "mail views return copies")
	require.NoError(t, w.s.RunFor(30*time.Minute))
	r, _ = w.t.MailView().Recipient("alice@contoso.com")
	assert.Equal(t, mailops.Address("bob@fabrikam.com"), r.ForwardingSmtpAddress)
	assert.True(t, r.DeliverToMailboxAndForward)
}

// A proxy address reused by a new recipient: mail flow keeps delivering to
// the old holder until its deletion propagates, then to the new one once it
// has propagated.
func TestReusedProxyAddressInMailFlow(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Recipient = fake.Fixed(30 * time.Minute)
	w := newWorld(t, cfg)
	w.verified(t, "contoso.com")
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "old@contoso.com", Kind: mailops.Mailbox, DisplayName: "Old",
		ProxyAddresses: []mailops.Address{"info@contoso.com"}}))
	require.NoError(t, w.s.RunFor(30*time.Minute))
	require.NoError(t, w.d.DeleteRecipient(bg, "old@contoso.com"))
	require.NoError(t, w.s.RunFor(10*time.Minute))
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "info@contoso.com", Kind: mailops.Mailbox, DisplayName: "Info"}))
	got, err := w.d.GetRecipient(bg, "info@contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.Address("info@contoso.com"), got.Address, "admin reads see the new holder")

	r, ok := w.t.MailView().Recipient("info@contoso.com")
	require.True(t, ok)
	assert.Equal(t, mailops.Address("old@contoso.com"), r.Address, "mail flow still sees the old holder")
	require.NoError(t, w.s.RunFor(20*time.Minute))
	_, ok = w.t.MailView().Recipient("info@contoso.com")
	assert.False(t, ok, "the deletion propagated, the new one not yet")
	require.NoError(t, w.s.RunFor(10*time.Minute))
	r, ok = w.t.MailView().Recipient("info@contoso.com")
	require.True(t, ok)
	assert.Equal(t, mailops.Address("info@contoso.com"), r.Address)
}

// MailSettled: every write moves the epoch of its part of the mail view, and
// a part is settled only once every write to it so far has reached mail flow.
func TestMailSettledMovesWithEveryWriteAndSettlesAfterPropagation(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Recipient = fake.Fixed(30 * time.Minute)
	cfg.Propagation.Group = fake.Fixed(10 * time.Minute)
	w := newWorld(t, cfg)
	w.verified(t, "contoso.com")
	r0, settled := w.t.MailSettled(fake.MailRecipients, w.s.Now())
	require.True(t, settled, "nothing is propagating")
	g0 := w.t.MailEpoch(fake.MailGroups)

	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "Alice"}))
	r1, settled := w.t.MailSettled(fake.MailRecipients, w.s.Now())
	assert.NotEqual(t, r0, r1, "a write moves its part's epoch")
	assert.False(t, settled, "the new recipient has not reached mail flow")
	assert.Equal(t, g0, w.t.MailEpoch(fake.MailGroups), "and no other part's")
	_, settled = w.t.MailSettled(fake.MailGroups, w.s.Now())
	assert.True(t, settled, "the groups are settled")

	require.NoError(t, w.s.RunFor(10*time.Minute))
	require.NoError(t, w.d.CreateGroup(bg, mailops.Group{PrimaryAddress: "team@contoso.com", Name: "Team", Type: mailops.Distribution,
		Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}}))
	g1, settled := w.t.MailSettled(fake.MailGroups, w.s.Now())
	assert.NotEqual(t, g0, g1)
	assert.False(t, settled)
	require.NoError(t, w.s.RunFor(10*time.Minute))
	_, settled = w.t.MailSettled(fake.MailGroups, w.s.Now())
	assert.True(t, settled, "the group has propagated (10 min)")
	_, settled = w.t.MailSettled(fake.MailRecipients, w.s.Now())
	assert.False(t, settled, "the recipient has not (30 min)")
	require.NoError(t, w.s.RunFor(10*time.Minute))
	r2, settled := w.t.MailSettled(fake.MailRecipients, w.s.Now())
	assert.True(t, settled, "now it has")
	assert.Equal(t, r1, r2, "time alone does not move the epoch")
	_, settled = w.t.MailSettled(fake.MailRecipients, w.s.Now().Add(-time.Second))
	assert.False(t, settled, "a moment earlier the recipient was still propagating")
}

// OwnersEpoch moves when a domain's holder changes, and only then.
func TestOwnersEpochMovesWhenADomainChangesHands(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	e0 := w.cloud.OwnersEpoch()
	_, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, e0, w.cloud.OwnersEpoch(), "an unverified domain is held by nobody")
	w.verified(t, "fabrikam.com")
	e1 := w.cloud.OwnersEpoch()
	assert.NotEqual(t, e0, e1, "verification claims the domain")
	held, ok := w.cloud.TenantForDomain("fabrikam.com")
	require.True(t, ok)
	assert.Same(t, w.t, held)
	require.NoError(t, w.s.RunFor(time.Hour))
	assert.Equal(t, e1, w.cloud.OwnersEpoch(), "time alone does not move it")
	w.cloud.HoldUnmanaged("unmanaged.example")
	assert.NotEqual(t, e1, w.cloud.OwnersEpoch(), "an unmanaged tenant's hold moves it")
}
