package mailflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// TestHotViewAnswersAsTheTenant writes recipients, groups, connectors, remote
// domains and the spam policy to a tenant whose changes take minutes to an
// hour to reach mail flow, and after every step asks the world's hot-path
// view (which remembers answers while nothing is propagating) and the
// tenant's own mail view the same questions: the answers must be the same,
// remembered or not.
func TestHotViewAnswersAsTheTenant(t *testing.T) {
	const org, org2 = "memo.example", "second.example"
	pool := []mailops.Address{"a@" + org, "b@" + org, "c@" + org, "g1@" + org, "g2@" + org, "x@other.example"}
	rapid.Check(t, func(rt *rapid.T) {
		cfg := fake.InstantTenantConfig()
		cfg.Propagation = fake.DefaultTenantConfig().Propagation
		w := mailflow.NewWorld(mailflow.Config{Seed: rapid.Uint64().Draw(rt, "seed"), Tenant: cfg, Partner: fake.InstantTenantConfig()})
		defer w.Scheduler().Close()
		tn := w.Tenant()
		require.NoError(rt, runProc(w, "provision", func(ctx context.Context) error {
			return hwProvision(ctx, w, hwClient(w, tn), org, nil)
		}))
		d := tn.Driver("memo")
		// In the random steps, a refused write (exists, not found, in use)
		// is a step too.
		write := func(fn func(ctx context.Context) error) { _ = runProc(w, "write", fn) }
		wait := func(label string) {
			require.NoError(rt, w.Scheduler().RunFor(time.Duration(rapid.IntRange(0, 90).Draw(rt, label))*time.Minute))
		}
		compare := func(step string) {
			hot, own := w.HotView(tn), tn.ReadOnlyMailView()
			for _, a := range pool {
				for range 2 { // the second answer may come from memory
					r1, ok1 := hot.Recipient(a)
					r2, ok2 := own.Recipient(a)
					require.Equal(rt, ok2, ok1, "%s: Recipient(%s) found", step, a)
					require.Equal(rt, r2, r1, "%s: Recipient(%s)", step, a)
					g1, ok1 := hot.Group(a)
					g2, ok2 := own.Group(a)
					require.Equal(rt, ok2, ok1, "%s: Group(%s) found", step, a)
					require.Equal(rt, g2, g1, "%s: Group(%s)", step, a)
				}
			}
			require.Equal(rt, own.OutboundConnectors(), hot.OutboundConnectors(), "%s: OutboundConnectors", step)
			require.Equal(rt, own.InboundConnectors(), hot.InboundConnectors(), "%s: InboundConnectors", step)
			require.Equal(rt, own.RemoteDomains(), hot.RemoteDomains(), "%s: RemoteDomains", step)
			require.Equal(rt, own.OutboundSpamPolicy(), hot.OutboundSpamPolicy(), "%s: OutboundSpamPolicy", step)
			for _, dom := range []string{org, org2, "other.example"} {
				t1, ok1 := w.TenantOf(dom)
				t2, ok2 := w.Cloud().TenantForDomain(dom)
				require.Equal(rt, ok2, ok1, "%s: TenantForDomain(%s) found", step, dom)
				require.Same(rt, t2, t1, "%s: TenantForDomain(%s)", step, dom)
				d1, ok1 := hot.AcceptedDomain(dom)
				d2, ok2 := own.AcceptedDomain(dom)
				require.Equal(rt, ok2, ok1, "%s: AcceptedDomain(%s) found", step, dom)
				require.Equal(rt, d2, d1, "%s: AcceptedDomain(%s)", step, dom)
			}
		}
		// Every kind of write at least once, at drawn moments.
		a, g := pool[0], pool[3]
		script := []struct {
			name string
			fn   func(ctx context.Context) error
		}{
			{"create recipient", func(ctx context.Context) error {
				return d.CreateRecipient(ctx, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: "A", ProxyAddresses: []mailops.Address{pool[1]}})
			}},
			{"create group", func(ctx context.Context) error {
				return d.CreateGroup(ctx, mailops.Group{PrimaryAddress: g, Name: "G", Type: mailops.Distribution, Members: []mailops.Address{a}, Owners: []mailops.Address{a}})
			}},
			{"delete group", func(ctx context.Context) error { return d.DeleteGroup(ctx, g) }},
			{"delete recipient", func(ctx context.Context) error { return d.DeleteRecipient(ctx, a) }},
			{"create outbound connector", func(ctx context.Context) error {
				return d.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "to-legacy", Type: mailops.OnPremises,
					RecipientDomains: []string{"legacy." + org}, SmartHosts: []string{"mx.legacy." + org}, Enabled: true})
			}},
			{"create inbound connector", func(ctx context.Context) error {
				return d.CreateInboundConnector(ctx, mailops.InboundConnector{Name: "from-legacy", Type: mailops.OnPremises, SenderDomains: []string{"*"}, Enabled: true})
			}},
			{"create remote domain", func(ctx context.Context) error {
				return d.CreateRemoteDomain(ctx, mailops.RemoteDomain{Name: "partner", DomainName: "partner.example", UseSimpleDisplayName: true})
			}},
			{"set spam policy", func(ctx context.Context) error {
				return d.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn})
			}},
			{"delete outbound connector", func(ctx context.Context) error { return d.DeleteOutboundConnector(ctx, "to-legacy") }},
			{"delete inbound connector", func(ctx context.Context) error { return d.DeleteInboundConnector(ctx, "from-legacy") }},
			{"delete remote domain", func(ctx context.Context) error { return d.DeleteRemoteDomain(ctx, "partner") }},
			{"add a second domain", func(ctx context.Context) error { return hwProvision(ctx, w, hwClient(w, tn), org2, nil) }},
		}
		for _, op := range script {
			wait("before " + op.name)
			compare("before " + op.name)
			require.NoError(rt, runProc(w, op.name, op.fn))
			compare(op.name)
		}
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for i := range steps {
			a := rapid.SampledFrom(pool[:5]).Draw(rt, "address")
			step := fmt.Sprintf("step %d", i)
			switch op := rapid.IntRange(0, 7).Draw(rt, "op"); op {
			case 0:
				r := mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: "User " + a.Local()}
				if p := rapid.SampledFrom(pool[:5]).Draw(rt, "proxy"); p != a {
					r.ProxyAddresses = []mailops.Address{p}
				}
				write(func(ctx context.Context) error { return d.CreateRecipient(ctx, r) })
			case 1:
				write(func(ctx context.Context) error { return d.DeleteRecipient(ctx, a) })
			case 2:
				m := rapid.SampledFrom(pool[:3]).Draw(rt, "member")
				g := mailops.Group{PrimaryAddress: a, Name: "Group " + a.Local(), Type: mailops.Distribution,
					Members: []mailops.Address{m}, Owners: []mailops.Address{m}}
				write(func(ctx context.Context) error { return d.CreateGroup(ctx, g) })
			case 3:
				write(func(ctx context.Context) error { return d.DeleteGroup(ctx, a) })
			case 4:
				wait("minutes")
			case 5:
				c := mailops.OutboundConnector{Name: "to-legacy", Type: mailops.OnPremises, RecipientDomains: []string{"legacy." + org},
					SmartHosts: []string{rapid.SampledFrom([]string{"mx1.legacy.", "mx2.legacy."}).Draw(rt, "smart host") + org}, Enabled: rapid.Bool().Draw(rt, "enabled")}
				write(func(ctx context.Context) error {
					if err := d.UpdateOutboundConnector(ctx, c); err != nil {
						return d.CreateOutboundConnector(ctx, c)
					}
					return nil
				})
			case 6:
				r := mailops.RemoteDomain{Name: "partner", DomainName: "partner.example", UseSimpleDisplayName: rapid.Bool().Draw(rt, "simple")}
				write(func(ctx context.Context) error {
					if err := d.SetRemoteDomain(ctx, r); err != nil {
						return d.CreateRemoteDomain(ctx, r)
					}
					return nil
				})
			case 7:
				mode := rapid.SampledFrom([]mailops.AutoForwardingMode{mailops.AutoForwardOn, mailops.AutoForwardOff, mailops.AutoForwardAutomatic}).Draw(rt, "mode")
				write(func(ctx context.Context) error {
					return d.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mode})
				})
			}
			compare(step)
		}
		// Every write has reached mail flow two hours on: answers come from
		// memory now, and are still the tenant's.
		require.NoError(rt, w.Scheduler().RunFor(2*time.Hour))
		compare("settled")
		require.Positive(rt, w.MemoHits(tn), "settled: the hot view answers from memory")
	})
}
