package fake_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// TestReadOnlyListsEqualTheCopies holds the read-only view's cached lists
// (connectors, remote domains) to the copying view at every point of random
// writes, deletions and propagation delays.
func TestReadOnlyListsEqualTheCopies(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		cfg := fake.InstantTenantConfig()
		cfg.Propagation.Connector = fake.Uniform(0, 30*time.Minute)
		cfg.Propagation.RemoteDomain = fake.Uniform(0, 30*time.Minute)
		w := newWorld(t, cfg)
		names := []string{"a", "b", "c"}
		for i := range rapid.IntRange(1, 40).Draw(rt, "steps") {
			name := rapid.SampledFrom(names).Draw(rt, "name")
			switch rapid.IntRange(0, 5).Draw(rt, fmt.Sprint("action ", i)) {
			case 0:
				c := mailops.OutboundConnector{Name: name, Type: mailops.OnPremises, RecipientDomains: []string{name + ".example"}, SmartHosts: []string{"mx." + name + ".example"}, Enabled: true}
				if w.d.CreateOutboundConnector(bg, c) != nil {
					c.SmartHosts = []string{fmt.Sprintf("mx%d.%s.example", i, name)}
					_ = w.d.UpdateOutboundConnector(bg, c)
				}
			case 1:
				_ = w.d.DeleteOutboundConnector(bg, name)
			case 2:
				_ = w.d.CreateInboundConnector(bg, mailops.InboundConnector{Name: name, Type: mailops.OnPremises, SenderDomains: []string{"*"}, Enabled: true})
			case 3:
				_ = w.d.DeleteInboundConnector(bg, name)
			case 4:
				_ = w.d.CreateRemoteDomain(bg, mailops.RemoteDomain{Name: name, DomainName: name + ".example", UseSimpleDisplayName: true})
			default:
				require.NoError(rt, w.s.RunFor(time.Duration(rapid.IntRange(0, 40).Draw(rt, "minutes"))*time.Minute))
			}
			ro, cp := w.t.ReadOnlyMailView(), w.t.MailView()
			require.Equal(rt, cp.OutboundConnectors(), ro.OutboundConnectors())
			require.Equal(rt, cp.InboundConnectors(), ro.InboundConnectors())
			require.Equal(rt, cp.RemoteDomains(), ro.RemoteDomains())
		}
	})
}
