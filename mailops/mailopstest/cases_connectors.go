package mailopstest

import (
	"net/netip"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

var connectorCases = []testCase{
	{"Outbound/Lifecycle", func(f *fixture) {
		dom := f.newDomain()
		c := mailops.OutboundConnector{Name: "To " + dom, Type: mailops.OnPremises, RecipientDomains: []string{dom}, SmartHosts: []string{"mx." + dom}, Enabled: true}
		require.NoError(f.t, f.d.CreateOutboundConnector(f.ctx, c))
		f.settle()
		got, err := f.d.GetOutboundConnector(f.ctx, c.Name)
		require.NoError(f.t, err)
		assert.Equal(f.t, c.RecipientDomains, got.RecipientDomains)
		assert.Equal(f.t, c.SmartHosts, got.SmartHosts)
		assert.False(f.t, got.UseMXRecord)
		assert.Equal(f.t, mailops.OnPremises, got.Type)
		assert.ErrorIs(f.t, f.d.CreateOutboundConnector(f.ctx, c), mailops.ErrExists)

		c.SmartHosts = []string{"mx2." + dom}
		require.NoError(f.t, f.d.UpdateOutboundConnector(f.ctx, c))
		f.settle()
		got, err = f.d.GetOutboundConnector(f.ctx, c.Name)
		require.NoError(f.t, err)
		assert.Equal(f.t, []string{"mx2." + dom}, got.SmartHosts)

		list, err := f.d.ListOutboundConnectors(f.ctx)
		require.NoError(f.t, err)
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
		}
		assert.Contains(f.t, names, c.Name)
		assert.IsNonDecreasing(f.t, names)

		require.NoError(f.t, f.d.DeleteOutboundConnector(f.ctx, c.Name))
		f.settle()
		_, err = f.d.GetOutboundConnector(f.ctx, c.Name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.DeleteOutboundConnector(f.ctx, c.Name), mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.UpdateOutboundConnector(f.ctx, c), mailops.ErrNotFound)
	}},
	{"Outbound/InvalidIsRefused", func(f *fixture) {
		c := mailops.OutboundConnector{Name: "bad", Type: mailops.OnPremises, RecipientDomains: []string{f.newDomain()}}
		assert.ErrorIs(f.t, f.d.CreateOutboundConnector(f.ctx, c), mailops.ErrInvalid, "smart host routing without smart hosts")
		f.settle()
		_, err := f.d.GetOutboundConnector(f.ctx, "bad")
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
	}},
	{"Inbound/Lifecycle", func(f *fixture) {
		dom := f.newDomain()
		c := mailops.InboundConnector{Name: "From " + dom, Type: mailops.OnPremises, SenderDomains: []string{dom},
			SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, RestrictDomainsToIPAddresses: true, RequireTLS: true, Enabled: true}
		require.NoError(f.t, f.d.CreateInboundConnector(f.ctx, c))
		f.settle()
		got, err := f.d.GetInboundConnector(f.ctx, c.Name)
		require.NoError(f.t, err)
		assert.Equal(f.t, c.SenderIPAddresses, got.SenderIPAddresses)
		assert.True(f.t, got.RestrictDomainsToIPAddresses)
		assert.ErrorIs(f.t, f.d.CreateInboundConnector(f.ctx, c), mailops.ErrExists)
		list, err := f.d.ListInboundConnectors(f.ctx)
		require.NoError(f.t, err)
		assert.NotEmpty(f.t, list)
		require.NoError(f.t, f.d.DeleteInboundConnector(f.ctx, c.Name))
		f.settle()
		_, err = f.d.GetInboundConnector(f.ctx, c.Name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
	}},
	{"Inbound/IPv6AndWideRangesRefused", func(f *fixture) {
		for _, p := range []string{"2001:db8::/64", "10.0.0.0/16"} {
			c := mailops.InboundConnector{Name: "bad " + p, Type: mailops.Partner, SenderDomains: []string{"*"}, SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix(p)}}
			assert.ErrorIs(f.t, f.d.CreateInboundConnector(f.ctx, c), mailops.ErrInvalid, p)
		}
	}},
}

var remoteDomainCases = []testCase{
	{"RemoteDomain/DefaultExistsAndStays", func(f *fixture) {
		def, err := f.d.GetRemoteDomain(f.ctx, mailops.DefaultRemoteDomain)
		require.NoError(f.t, err)
		assert.Equal(f.t, "*", def.DomainName)
		assert.ErrorIs(f.t, f.d.DeleteRemoteDomain(f.ctx, mailops.DefaultRemoteDomain), mailops.ErrForbidden)
		def.UseSimpleDisplayName = true
		require.NoError(f.t, f.d.SetRemoteDomain(f.ctx, def))
		f.settle()
		got, err := f.d.GetRemoteDomain(f.ctx, mailops.DefaultRemoteDomain)
		require.NoError(f.t, err)
		assert.True(f.t, got.UseSimpleDisplayName)
	}},
	{"RemoteDomain/Lifecycle", func(f *fixture) {
		dom := f.newDomain()
		r := mailops.RemoteDomain{Name: "partner " + dom, DomainName: dom, AutoForwardEnabled: true}
		require.NoError(f.t, f.d.CreateRemoteDomain(f.ctx, r))
		f.settle()
		got, err := f.d.GetRemoteDomain(f.ctx, r.Name)
		require.NoError(f.t, err)
		assert.Equal(f.t, r, got)
		assert.ErrorIs(f.t, f.d.CreateRemoteDomain(f.ctx, r), mailops.ErrExists)
		list, err := f.d.ListRemoteDomains(f.ctx)
		require.NoError(f.t, err)
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
		}
		assert.Contains(f.t, names, r.Name)
		assert.Contains(f.t, names, mailops.DefaultRemoteDomain)
		require.NoError(f.t, f.d.DeleteRemoteDomain(f.ctx, r.Name))
		f.settle()
		_, err = f.d.GetRemoteDomain(f.ctx, r.Name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.SetRemoteDomain(f.ctx, r), mailops.ErrNotFound)
	}},
}
