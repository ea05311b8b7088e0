package fake_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

func TestInboundConnectors(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	b := mailops.InboundConnector{Name: "b-legacy", Type: mailops.OnPremises, SenderDomains: []string{"*"},
		SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, Enabled: true}
	a := mailops.InboundConnector{Name: "a-partner", Type: mailops.Partner, SenderDomains: []string{"fabrikam.example"}, RequireTLS: true, Enabled: true}
	require.NoError(t, w.d.CreateInboundConnector(bg, b))
	require.NoError(t, w.d.CreateInboundConnector(bg, a))
	assert.ErrorIs(t, w.d.CreateInboundConnector(bg, a), mailops.ErrExists)
	bad := mailops.InboundConnector{Name: "v6", Type: mailops.Partner, SenderDomains: []string{"x.example"},
		SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("2001:db8::/64")}}
	assert.ErrorIs(t, w.d.CreateInboundConnector(bg, bad), mailops.ErrInvalid, "EXO takes no IPv6 sender addresses")
	_, err := w.d.GetInboundConnector(bg, "v6")
	assert.ErrorIs(t, err, mailops.ErrNotFound, "an invalid connector is never stored")

	list, err := w.d.ListInboundConnectors(bg)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "a-partner", list[0].Name, "sorted by name")
	list[1].SenderIPAddresses[0] = netip.MustParsePrefix("198.51.100.0/24")
	got, err := w.d.GetInboundConnector(bg, "b-legacy")
	require.NoError(t, err)
	assert.Equal(t, b, got, "lists return copies")
	require.NoError(t, w.d.DeleteInboundConnector(bg, "b-legacy"))
	assert.ErrorIs(t, w.d.DeleteInboundConnector(bg, "b-legacy"), mailops.ErrNotFound)
	require.NoError(t, w.d.CreateInboundConnector(bg, b), "a deleted name can be used again")
}

func TestOutboundConnectorValidation(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	c := mailops.OutboundConnector{Name: "legacy", Type: mailops.Partner, AllAcceptedDomains: true, SmartHosts: []string{"mx.contoso.com"}}
	assert.ErrorIs(t, w.d.CreateOutboundConnector(bg, c), mailops.ErrInvalid, "AllAcceptedDomains needs OnPremises")
	c.Type = mailops.OnPremises
	require.NoError(t, w.d.CreateOutboundConnector(bg, c))
	c.SmartHosts = nil
	assert.ErrorIs(t, w.d.UpdateOutboundConnector(bg, c), mailops.ErrInvalid, "smart hosts are required without MX routing")
	got, err := w.d.GetOutboundConnector(bg, "legacy")
	require.NoError(t, err)
	assert.Equal(t, []string{"mx.contoso.com"}, got.SmartHosts, "a refused update changes nothing")
}

func TestRemoteDomains(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	rd := mailops.RemoteDomain{Name: "partner", DomainName: "fabrikam.example"}
	assert.ErrorIs(t, w.d.SetRemoteDomain(bg, rd), mailops.ErrNotFound)
	require.NoError(t, w.d.CreateRemoteDomain(bg, rd))
	assert.ErrorIs(t, w.d.CreateRemoteDomain(bg, rd), mailops.ErrExists)
	assert.ErrorIs(t, w.d.CreateRemoteDomain(bg, mailops.RemoteDomain{Name: "partner2", DomainName: "fabrikam.example"}), mailops.ErrExists,
		"one remote domain per domain")
	assert.ErrorIs(t, w.d.CreateRemoteDomain(bg, mailops.RemoteDomain{Name: "bad", DomainName: "not a domain"}), mailops.ErrInvalid)
	rd.AutoForwardEnabled = mailops.BoolPtr(true)
	require.NoError(t, w.d.SetRemoteDomain(bg, rd))
	moved := rd
	moved.DomainName = "other.example"
	assert.ErrorIs(t, w.d.SetRemoteDomain(bg, moved), mailops.ErrInvalid, "the domain of a remote domain is its identity's content")
	list, err := w.d.ListRemoteDomains(bg)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, mailops.DefaultRemoteDomain, list[0].Name)
	assert.Equal(t, rd, list[1])
	require.NoError(t, w.d.DeleteRemoteDomain(bg, "partner"))
	assert.ErrorIs(t, w.d.DeleteRemoteDomain(bg, "partner"), mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.DeleteRemoteDomain(bg, mailops.DefaultRemoteDomain), mailops.ErrForbidden)
	_, err = w.d.GetRemoteDomain(bg, mailops.DefaultRemoteDomain)
	assert.NoError(t, err, "Default survives")
}
