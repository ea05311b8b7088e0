package mailopstest

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// Remote domains' AutoForwardEnabled. Source: Set-RemoteDomain
// (learn.microsoft.com/powershell/module/exchangepowershell/set-remotedomain):
// AutoForwardEnabled "$true: … This value is the default for new remote
// domains that you create and the built-in remote domain named Default in
// Exchange Online." A Set-* cmdlet changes only the parameters it is given.
var remoteForwardCases = []testCase{
	{"RemoteDomain/DefaultAutoForwardEnabled", func(f *fixture) {
		f.eventually("the Default remote domain allows automatic forwarding", func(c *check) {
			rd, err := f.d.GetRemoteDomain(f.ctx, mailops.DefaultRemoteDomain)
			require.NoError(c, err)
			require.NotNil(c, rd.AutoForwardEnabled, "reads always return AutoForwardEnabled")
			assert.True(c, *rd.AutoForwardEnabled)
		})
	}},
	{"RemoteDomain/AutoForwardDefaultAndUnsetKeeps", func(f *fixture) {
		dom := f.newDomain()
		r := mailops.RemoteDomain{Name: "partner " + dom, DomainName: dom}
		f.createRemote(r)
		f.eventually("a new remote domain created without the setting allows it", func(c *check) {
			got, err := f.d.GetRemoteDomain(f.ctx, r.Name)
			require.NoError(c, err)
			require.NotNil(c, got.AutoForwardEnabled)
			assert.True(c, *got.AutoForwardEnabled)
		})
		off := r
		off.AutoForwardEnabled = mailops.BoolPtr(false)
		require.NoError(f.t, f.d.SetRemoteDomain(f.ctx, off))
		f.eventually("$false reads back", func(c *check) {
			got, err := f.d.GetRemoteDomain(f.ctx, r.Name)
			require.NoError(c, err)
			require.NotNil(c, got.AutoForwardEnabled)
			assert.False(c, *got.AutoForwardEnabled)
		})
		unset := r
		unset.UseSimpleDisplayName = true
		require.NoError(f.t, f.d.SetRemoteDomain(f.ctx, unset))
		f.eventually("an unset AutoForwardEnabled leaves it alone", func(c *check) {
			got, err := f.d.GetRemoteDomain(f.ctx, r.Name)
			require.NoError(c, err)
			assert.True(c, got.UseSimpleDisplayName, "the other setting changed")
			require.NotNil(c, got.AutoForwardEnabled)
			assert.False(c, *got.AutoForwardEnabled, "still $false")
		})
	}},
}

// The outbound spam filter policy's automatic forwarding control. Sources:
// Set-HostedOutboundSpamFilterPolicy -AutoForwardingMode
// (learn.microsoft.com/powershell/module/exchangepowershell/set-hostedoutboundspamfilterpolicy):
// "Automatic … This value is the default", "On", "Off"; and
// learn.microsoft.com/defender-office-365/outbound-spam-policies-external-email-forwarding.
// The built-in policy is named Default.
var outboundSpamCases = []testCase{
	{"OutboundSpam/DefaultIsAutomatic", func(f *fixture) {
		f.eventually("the Default policy exists with AutoForwardingMode Automatic", func(c *check) {
			p, err := f.d.GetOutboundSpamPolicy(f.ctx, mailops.DefaultOutboundSpamPolicy)
			require.NoError(c, err)
			assert.Equal(c, mailops.DefaultOutboundSpamPolicy, p.Name)
			assert.Equal(c, mailops.AutoForwardAutomatic, p.AutoForwardingMode)
		})
	}},
	{"OutboundSpam/SetOnAndBack", func(f *fixture) {
		var orig mailops.OutboundSpamPolicy
		f.eventually("the Default policy reads", func(c *check) {
			var err error
			orig, err = f.d.GetOutboundSpamPolicy(f.ctx, mailops.DefaultOutboundSpamPolicy)
			require.NoError(c, err)
		})
		// On a real tenant the Default policy is shared: put it back.
		f.t.Cleanup(func() {
			if err := f.d.SetOutboundSpamPolicy(f.ctx, orig); err != nil {
				f.t.Logf("clean-up: restoring the Default outbound spam policy: %v", err)
			}
		})
		for _, m := range []mailops.AutoForwardingMode{mailops.AutoForwardOn, mailops.AutoForwardOff, mailops.AutoForwardAutomatic} {
			require.NoError(f.t, f.d.SetOutboundSpamPolicy(f.ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: m}), "mode %s", m)
			f.eventually("AutoForwardingMode "+string(m)+" reads back", func(c *check) {
				p, err := f.d.GetOutboundSpamPolicy(f.ctx, mailops.DefaultOutboundSpamPolicy)
				require.NoError(c, err)
				assert.Equal(c, m, p.AutoForwardingMode)
			})
		}
	}},
	{"OutboundSpam/UnknownIsNotFound", func(f *fixture) {
		name := "no policy " + f.newDomain()
		_, err := f.d.GetOutboundSpamPolicy(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "Get")
		err = f.d.SetOutboundSpamPolicy(f.ctx, mailops.OutboundSpamPolicy{Name: name, AutoForwardingMode: mailops.AutoForwardOn})
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "Set creates nothing")
		f.afterSettle("the refused Set created nothing", func(c *check) {
			_, err := f.d.GetOutboundSpamPolicy(f.ctx, name)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
		})
	}},
	{"OutboundSpam/InvalidModeIsInvalid", func(f *fixture) {
		var orig mailops.OutboundSpamPolicy
		f.eventually("the Default policy reads", func(c *check) {
			var err error
			orig, err = f.d.GetOutboundSpamPolicy(f.ctx, mailops.DefaultOutboundSpamPolicy)
			require.NoError(c, err)
		})
		for _, m := range []mailops.AutoForwardingMode{"", "Sometimes", "on?"} {
			err := f.d.SetOutboundSpamPolicy(f.ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: m})
			assert.ErrorIs(f.t, err, mailops.ErrInvalid, "mode %q", m)
		}
		f.afterSettle("refused modes changed nothing", func(c *check) {
			p, err := f.d.GetOutboundSpamPolicy(f.ctx, mailops.DefaultOutboundSpamPolicy)
			require.NoError(c, err)
			assert.Equal(c, orig, p)
		})
	}},
}
