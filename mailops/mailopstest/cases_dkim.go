package mailopstest

import (
	"errors"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// DKIM signing. Source: learn.microsoft.com/defender-office-365/email-authentication-dkim-configure:
// "New-DkimSigningConfig -DomainName <Domain> -Enabled $false", then
// "Get-DkimSigningConfig -Identity <CustomDomain> | Format-List
// Name,Enabled,Status,Selector1CNAME,Selector2CNAME" gives the two CNAME
// targets to publish, and only then "Set-DkimSigningConfig -Identity
// <CustomDomain> -Enabled $true" (it fails while the CNAMEs are missing:
// "CNAME record does not exist for this config"). New-DkimSigningConfig
// (learn.microsoft.com/powershell/module/exchangepowershell/new-dkimsigningconfig)
// takes an accepted domain of the organisation.
var dkimCases = []testCase{
	{"Dkim/CreateReadBackAndTwice", func(f *fixture) {
		name := f.verifiedDomain()
		_, err := f.d.GetDkimSigningConfig(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "Get before create")
		assert.ErrorIs(f.t, f.d.SetDkimSigning(f.ctx, name, false), mailops.ErrNotFound, "Set before create")
		require.NoError(f.t, f.d.CreateDkimSigningConfig(f.ctx, name, false))
		f.eventually("the signing configuration reads back with two selector CNAMEs", func(c *check) {
			cfg, err := f.d.GetDkimSigningConfig(f.ctx, name)
			require.NoError(c, err)
			assert.Equal(c, name, cfg.Domain)
			assert.False(c, cfg.Enabled)
			assert.NotEmpty(c, cfg.Selector1CNAME)
			assert.NotEmpty(c, cfg.Selector2CNAME)
			assert.NotEqual(c, cfg.Selector1CNAME, cfg.Selector2CNAME)
		})
		assert.ErrorIs(f.t, f.d.CreateDkimSigningConfig(f.ctx, name, false), mailops.ErrExists)
	}},
	{"Dkim/CreateNeedsAcceptedDomain", func(f *fixture) {
		name := f.acceptedNotYet()
		f.settle()
		for _, d := range []string{name, f.newDomain()} {
			assert.ErrorIs(f.t, f.d.CreateDkimSigningConfig(f.ctx, d, false), mailops.ErrNotFound, "domain %s", d)
		}
		f.afterSettle("the refused create made nothing", func(c *check) {
			_, err := f.d.GetDkimSigningConfig(f.ctx, name)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
		})
	}},
	// Enabling needs the CNAMEs published: optional, the harness must be
	// able to publish them (DkimDNSHarness).
	{"Dkim/EnableNeedsPublishedCNAMEs", func(f *fixture) {
		dns, ok := f.h.(DkimDNSHarness)
		if !ok {
			f.t.Skip("the harness cannot publish DKIM CNAMEs (no DkimDNSHarness)")
		}
		name := f.verifiedDomain()
		require.NoError(f.t, f.d.CreateDkimSigningConfig(f.ctx, name, false))
		var cfg mailops.DkimSigningConfig
		f.eventually("the signing configuration reads back", func(c *check) {
			var err error
			cfg, err = f.d.GetDkimSigningConfig(f.ctx, name)
			require.NoError(c, err)
		})
		f.settle()
		assert.ErrorIs(f.t, f.d.SetDkimSigning(f.ctx, name, true), mailops.ErrNotVerified, "no CNAMEs published")
		f.afterSettle("the refused enable left signing off", func(c *check) {
			got, err := f.d.GetDkimSigningConfig(f.ctx, name)
			require.NoError(c, err)
			assert.False(c, got.Enabled)
		})
		err := dns.PublishDkimCNAMEs(f.ctx, cfg)
		if errors.Is(err, errors.ErrUnsupported) {
			f.t.Skipf("the harness cannot publish DKIM CNAMEs: %v", err)
		}
		require.NoError(f.t, err, "harness: publish DKIM CNAMEs")
		f.eventually("enabling works once the CNAMEs are published", func(c *check) {
			require.NoError(c, f.d.SetDkimSigning(f.ctx, name, true))
		})
		f.eventually("signing reads back enabled", func(c *check) {
			got, err := f.d.GetDkimSigningConfig(f.ctx, name)
			require.NoError(c, err)
			assert.True(c, got.Enabled)
			assert.Equal(c, cfg.Selector1CNAME, got.Selector1CNAME, "the selectors stay")
		})
		require.NoError(f.t, f.d.SetDkimSigning(f.ctx, name, false))
		f.eventually("signing reads back disabled", func(c *check) {
			got, err := f.d.GetDkimSigningConfig(f.ctx, name)
			require.NoError(c, err)
			assert.False(c, got.Enabled)
		})
	}},
}
