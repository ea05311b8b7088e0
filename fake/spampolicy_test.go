package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// Mail flow sees the outbound spam policy's AutoForwardingMode only after
// the policy change propagates (Propagation.RemoteDomain); admin reads see
// it at once. Until a change the Default policy is Automatic.
func TestOutboundSpamPolicyReachesMailFlowAfterPropagation(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.RemoteDomain = fake.Fixed(20 * time.Minute)
	w := newWorld(t, cfg)
	want := mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardAutomatic}
	assert.Equal(t, want, w.t.MailView().OutboundSpamPolicy(), "the built-in default")
	assert.False(t, w.t.MailView().OutboundSpamPolicy().AutoForwardingMode.AllowsExternal())

	on := mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn}
	require.NoError(t, w.d.SetOutboundSpamPolicy(bg, on))
	got, err := w.d.GetOutboundSpamPolicy(bg, mailops.DefaultOutboundSpamPolicy)
	require.NoError(t, err)
	assert.Equal(t, on, got, "admin reads see the change")
	require.NoError(t, w.s.RunFor(20*time.Minute-time.Second))
	assert.Equal(t, mailops.AutoForwardAutomatic, w.t.MailView().OutboundSpamPolicy().AutoForwardingMode, "mail flow still blocks")
	require.NoError(t, w.s.RunFor(time.Second))
	assert.Equal(t, on, w.t.MailView().OutboundSpamPolicy(), "propagated")
	assert.True(t, w.t.MailView().OutboundSpamPolicy().AutoForwardingMode.AllowsExternal())

	off := mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOff}
	require.NoError(t, w.d.SetOutboundSpamPolicy(bg, off))
	assert.Equal(t, mailops.AutoForwardOn, w.t.MailViewAt(w.s.Now().Add(19*time.Minute)).OutboundSpamPolicy().AutoForwardingMode)
	assert.Equal(t, off, w.t.MailViewAt(w.s.Now().Add(20*time.Minute)).OutboundSpamPolicy())
}

func TestOutboundSpamPolicyErrors(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	_, err := w.d.GetOutboundSpamPolicy(bg, "Custom")
	assert.ErrorIs(t, err, mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.SetOutboundSpamPolicy(bg, mailops.OutboundSpamPolicy{Name: "Custom", AutoForwardingMode: mailops.AutoForwardOn}), mailops.ErrNotFound, "Set creates no policy")
	assert.ErrorIs(t, w.d.SetOutboundSpamPolicy(bg, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: "Sometimes"}), mailops.ErrInvalid)
	got, err := w.d.GetOutboundSpamPolicy(bg, mailops.DefaultOutboundSpamPolicy)
	require.NoError(t, err)
	assert.Equal(t, mailops.AutoForwardAutomatic, got.AutoForwardingMode, "the refused Set changed nothing")
}
