package mailopstest

import (
	"context"
	"net/netip"
	"slices"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func outboundNames(cs []mailops.OutboundConnector) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func inboundNames(cs []mailops.InboundConnector) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// createOutbound creates c, registers its deletion and waits until it reads
// back.
func (f *fixture) createOutbound(c mailops.OutboundConnector) {
	f.t.Helper()
	require.NoError(f.t, f.d.CreateOutboundConnector(f.ctx, c), "CreateOutboundConnector %s", c.Name)
	f.cleanup("outbound connector "+c.Name, func(ctx context.Context) error { return f.d.DeleteOutboundConnector(ctx, c.Name) })
	f.eventually("outbound connector "+c.Name+" reads back", func(ch *check) {
		_, err := f.d.GetOutboundConnector(f.ctx, c.Name)
		require.NoError(ch, err)
	})
}

// createInbound creates c, registers its deletion and waits until it reads
// back.
func (f *fixture) createInbound(c mailops.InboundConnector) {
	f.t.Helper()
	require.NoError(f.t, f.d.CreateInboundConnector(f.ctx, c), "CreateInboundConnector %s", c.Name)
	f.cleanup("inbound connector "+c.Name, func(ctx context.Context) error { return f.d.DeleteInboundConnector(ctx, c.Name) })
	f.eventually("inbound connector "+c.Name+" reads back", func(ch *check) {
		_, err := f.d.GetInboundConnector(f.ctx, c.Name)
		require.NoError(ch, err)
	})
}

func smartHostConnector(dom string) mailops.OutboundConnector {
	return mailops.OutboundConnector{Name: "To " + dom, Type: mailops.OnPremises, RecipientDomains: []string{dom}, SmartHosts: []string{"mx." + dom}, Enabled: true}
}

var outboundCases = []testCase{
	{"Outbound/CreateReadBackAndDuplicate", func(f *fixture) {
		dom := f.newDomain()
		c := smartHostConnector(dom)
		f.createOutbound(c)
		f.eventually("the connector reads back as created", func(ch *check) {
			got, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.Equal(ch, c, got)
			list, err := f.d.ListOutboundConnectors(f.ctx)
			require.NoError(ch, err)
			assert.Contains(ch, outboundNames(list), c.Name)
		})
		dup := c
		dup.SmartHosts = []string{"other." + dom}
		assert.ErrorIs(f.t, f.d.CreateOutboundConnector(f.ctx, dup), mailops.ErrExists)
		f.afterSettle("the refused duplicate changed nothing", func(ch *check) {
			got, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.Equal(ch, c.SmartHosts, got.SmartHosts)
		})
	}},
	{"Outbound/UseMXRecord", func(f *fixture) {
		dom := f.newDomain()
		c := mailops.OutboundConnector{Name: "By MX " + dom, Type: mailops.Partner, RecipientDomains: []string{"*." + dom}, UseMXRecord: true}
		f.createOutbound(c)
		f.eventually("the MX-routed connector reads back", func(ch *check) {
			got, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.True(ch, got.UseMXRecord)
			assert.Empty(ch, got.SmartHosts)
			assert.False(ch, got.Enabled)
			assert.Equal(ch, mailops.Partner, got.Type)
			assert.Equal(ch, c.RecipientDomains, got.RecipientDomains)
		})
	}},
	{"Outbound/UpdateReplaces", func(f *fixture) {
		dom := f.newDomain()
		c := smartHostConnector(dom)
		f.createOutbound(c)
		c.SmartHosts = []string{"mx2." + dom, "192.0.2.25"}
		c.Enabled = false
		require.NoError(f.t, f.d.UpdateOutboundConnector(f.ctx, c))
		require.NoError(f.t, f.d.UpdateOutboundConnector(f.ctx, c), "the same update again is fine")
		f.eventually("the update reads back", func(ch *check) {
			got, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.Equal(ch, c, got)
		})
		bad := c
		bad.SmartHosts = nil // smart-host routing with no smart host
		assert.ErrorIs(f.t, f.d.UpdateOutboundConnector(f.ctx, bad), mailops.ErrInvalid)
		f.afterSettle("the refused update changed nothing", func(ch *check) {
			got, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.Equal(ch, c, got)
		})
	}},
	{"Outbound/DeleteThenNotFound", func(f *fixture) {
		c := smartHostConnector(f.newDomain())
		f.createOutbound(c)
		require.NoError(f.t, f.d.DeleteOutboundConnector(f.ctx, c.Name))
		f.eventually("the deleted connector is gone", func(ch *check) {
			_, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			assert.ErrorIs(ch, err, mailops.ErrNotFound)
			list, err := f.d.ListOutboundConnectors(f.ctx)
			require.NoError(ch, err)
			assert.NotContains(ch, outboundNames(list), c.Name)
		})
		assert.ErrorIs(f.t, f.d.DeleteOutboundConnector(f.ctx, c.Name), mailops.ErrNotFound, "deleting twice")
		assert.ErrorIs(f.t, f.d.UpdateOutboundConnector(f.ctx, c), mailops.ErrNotFound, "updating a deleted connector")
	}},
	{"Outbound/MissingIsNotFound", func(f *fixture) {
		c := smartHostConnector(f.newDomain())
		_, err := f.d.GetOutboundConnector(f.ctx, c.Name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "GetOutboundConnector")
		assert.ErrorIs(f.t, f.d.UpdateOutboundConnector(f.ctx, c), mailops.ErrNotFound, "UpdateOutboundConnector creates nothing")
		assert.ErrorIs(f.t, f.d.DeleteOutboundConnector(f.ctx, c.Name), mailops.ErrNotFound, "DeleteOutboundConnector")
		f.afterSettle("the refused update created nothing", func(ch *check) {
			_, err := f.d.GetOutboundConnector(f.ctx, c.Name)
			assert.ErrorIs(ch, err, mailops.ErrNotFound)
		})
	}},
	{"Outbound/InvalidIsRefused", func(f *fixture) {
		dom := f.newDomain()
		bad := []mailops.OutboundConnector{
			{Name: "no smart host", Type: mailops.OnPremises, RecipientDomains: []string{dom}},
			{Name: "both", Type: mailops.OnPremises, RecipientDomains: []string{dom}, UseMXRecord: true, SmartHosts: []string{"mx." + dom}},
			{Name: "no domains", Type: mailops.OnPremises, SmartHosts: []string{"mx." + dom}},
			{Name: "partner all accepted", Type: mailops.Partner, AllAcceptedDomains: true, SmartHosts: []string{"mx." + dom}},
			{Name: "bad type", Type: "Internet", RecipientDomains: []string{dom}, UseMXRecord: true},
			{Name: "embedded wildcard", Type: mailops.Partner, RecipientDomains: []string{"a.*." + dom}, UseMXRecord: true},
			{Name: "", Type: mailops.Partner, RecipientDomains: []string{dom}, UseMXRecord: true},
		}
		for _, c := range bad {
			assert.ErrorIs(f.t, f.d.CreateOutboundConnector(f.ctx, c), mailops.ErrInvalid, "%+v", c)
		}
		f.afterSettle("a driver never stores an invalid connector", func(ch *check) {
			list, err := f.d.ListOutboundConnectors(f.ctx)
			require.NoError(ch, err)
			for _, c := range bad[:6] {
				assert.NotContains(ch, outboundNames(list), c.Name)
			}
		})
	}},
	{"Outbound/ListSortedAndCopies", func(f *fixture) {
		dom := f.newDomain()
		for _, n := range []string{"Zulu", "Alpha", "Mike"} {
			c := smartHostConnector(dom)
			c.Name = n + " " + dom
			f.createOutbound(c)
		}
		f.eventually("every connector listed, sorted by name", func(ch *check) {
			list, err := f.d.ListOutboundConnectors(f.ctx)
			require.NoError(ch, err)
			names := outboundNames(list)
			assert.Subset(ch, names, []string{"Alpha " + dom, "Mike " + dom, "Zulu " + dom})
			assert.True(ch, slices.IsSorted(names), "sorted by name: %v", names)
			for _, c := range list {
				for i := range c.SmartHosts {
					c.SmartHosts[i] = "changed.example.invalid"
				}
			}
		})
		f.eventually("changing a listed connector changes nothing in the tenant", func(ch *check) {
			got, err := f.d.GetOutboundConnector(f.ctx, "Alpha "+dom)
			require.NoError(ch, err)
			assert.Equal(ch, []string{"mx." + dom}, got.SmartHosts)
		})
	}},
}

func inboundConnector(dom string) mailops.InboundConnector {
	return mailops.InboundConnector{Name: "From " + dom, Type: mailops.OnPremises, SenderDomains: []string{dom},
		SenderIPAddresses:            []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.7/32")},
		RestrictDomainsToIPAddresses: true, RequireTLS: true, Enabled: true}
}

var inboundCases = []testCase{
	{"Inbound/CreateReadBackAndDuplicate", func(f *fixture) {
		c := inboundConnector(f.newDomain())
		f.createInbound(c)
		f.eventually("the connector reads back as created", func(ch *check) {
			got, err := f.d.GetInboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.Equal(ch, c, got)
			list, err := f.d.ListInboundConnectors(f.ctx)
			require.NoError(ch, err)
			assert.Contains(ch, inboundNames(list), c.Name)
		})
		dup := c
		dup.RequireTLS = false
		assert.ErrorIs(f.t, f.d.CreateInboundConnector(f.ctx, dup), mailops.ErrExists)
		f.afterSettle("the refused duplicate changed nothing", func(ch *check) {
			got, err := f.d.GetInboundConnector(f.ctx, c.Name)
			require.NoError(ch, err)
			assert.True(ch, got.RequireTLS)
		})
	}},
	{"Inbound/DeleteThenNotFound", func(f *fixture) {
		c := inboundConnector(f.newDomain())
		f.createInbound(c)
		require.NoError(f.t, f.d.DeleteInboundConnector(f.ctx, c.Name))
		f.eventually("the deleted connector is gone", func(ch *check) {
			_, err := f.d.GetInboundConnector(f.ctx, c.Name)
			assert.ErrorIs(ch, err, mailops.ErrNotFound)
			list, err := f.d.ListInboundConnectors(f.ctx)
			require.NoError(ch, err)
			assert.NotContains(ch, inboundNames(list), c.Name)
		})
		assert.ErrorIs(f.t, f.d.DeleteInboundConnector(f.ctx, c.Name), mailops.ErrNotFound, "deleting twice")
		_, err := f.d.GetInboundConnector(f.ctx, "From nowhere "+f.newDomain())
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "a connector that never existed")
	}},
	{"Inbound/InvalidIsRefused", func(f *fixture) {
		dom := f.newDomain()
		bad := []mailops.InboundConnector{
			{Name: "ipv6", Type: mailops.Partner, SenderDomains: []string{"*"}, SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("2001:db8::/64")}},
			{Name: "wide", Type: mailops.Partner, SenderDomains: []string{"*"}, SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}},
			{Name: "host bits", Type: mailops.Partner, SenderDomains: []string{dom}, SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")}},
			{Name: "no sender domains", Type: mailops.Partner, SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}},
			{Name: "restrict without IPs", Type: mailops.OnPremises, SenderDomains: []string{dom}, RestrictDomainsToIPAddresses: true},
			{Name: "bad type", Type: "Internet", SenderDomains: []string{dom}},
		}
		for _, c := range bad {
			assert.ErrorIs(f.t, f.d.CreateInboundConnector(f.ctx, c), mailops.ErrInvalid, "%+v", c)
		}
		f.afterSettle("a driver never stores an invalid connector", func(ch *check) {
			list, err := f.d.ListInboundConnectors(f.ctx)
			require.NoError(ch, err)
			for _, c := range bad {
				assert.NotContains(ch, inboundNames(list), c.Name)
			}
		})
	}},
	{"Inbound/ListSortedAndCopies", func(f *fixture) {
		dom := f.newDomain()
		for _, n := range []string{"Zulu", "Alpha", "Mike"} {
			c := inboundConnector(dom)
			c.Name = n + " " + dom
			f.createInbound(c)
		}
		f.eventually("every connector listed, sorted by name", func(ch *check) {
			list, err := f.d.ListInboundConnectors(f.ctx)
			require.NoError(ch, err)
			names := inboundNames(list)
			assert.Subset(ch, names, []string{"Alpha " + dom, "Mike " + dom, "Zulu " + dom})
			assert.True(ch, slices.IsSorted(names), "sorted by name: %v", names)
			for _, c := range list {
				for i := range c.SenderDomains {
					c.SenderDomains[i] = "changed.example.invalid"
				}
			}
		})
		f.eventually("changing a listed connector changes nothing in the tenant", func(ch *check) {
			got, err := f.d.GetInboundConnector(f.ctx, "Alpha "+dom)
			require.NoError(ch, err)
			assert.Equal(ch, []string{dom}, got.SenderDomains)
		})
	}},
}
