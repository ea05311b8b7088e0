package mailflow_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// causes joins the violations' classes and causes, for asserting what the
// report names.
func causes(rep mailflow.Report) string {
	var b strings.Builder
	for _, v := range rep.Violations {
		fmt.Fprintf(&b, "%s: %s\n", v.Class, v.Cause)
	}
	return b.String()
}

// The oracle has teeth: each known-bad variant of the runbook loses mail and
// the report names the cause.
func TestUnsafeVariantsLoseMail(t *testing.T) {
	cases := []struct {
		unsafe runbook.Unsafe
		class  mailflow.Class
		cause  string
	}{
		{runbook.UnsafeEmptyGroup, mailflow.Lost, "has no members"},
		{runbook.UnsafeEarlyAuthoritative, mailflow.Bounced, "5.4.1 Recipient address rejected"},
		{runbook.UnsafeForwardLoop, mailflow.Looped, "5.4.14"},
		{runbook.UnsafeSenderAuth, mailflow.Bounced, "5.7.133"},
	}
	for _, c := range cases {
		t.Run(string(c.unsafe), func(t *testing.T) {
			_, m, rep := runConsolidation(t, 5, 40, c.unsafe)
			require.NoError(t, m.Err)
			require.False(t, rep.NoLoss() && rep.Looped == 0, "the known-bad variant must lose mail:\n%s", rep.String())
			found := false
			for _, v := range rep.Violations {
				if v.Class == c.class && strings.Contains(v.Cause, c.cause) {
					found = true
					assert.NotEmpty(t, v.Trail, "the report gives the hop trail")
				}
			}
			assert.True(t, found, "want a %s violation naming %q, got:\n%s", c.class, c.cause, causes(rep))
		})
	}
}

// A low-priority Exchange Online MX while a partner on Exchange Online is
// sending: the partner's mail lands in mailboxes nobody reads yet (the cutover
// seed's incident).
func TestLowPriorityEXOMXLosesPartnerMail(t *testing.T) {
	cfg := testConfig(9)
	cfg.EXOIgnoresPreference = true
	cfg.Tenant = fake.InstantTenantConfig()
	w := mailflow.NewWorld(cfg)
	const dom = "maker.example.co.jp"
	legacy := w.AddLegacy("mail."+dom, time.Hour, dom)
	taro := mailops.Address("taro@" + dom)
	legacy.AddMailbox(taro)
	w.Expect().Address(taro, "taro")
	w.Expect().Reads("taro", mailflow.LegacyMailbox(taro), time.Time{}, time.Time{})
	// Taro will read his Exchange Online mailbox only after the switch.
	w.Expect().Reads("taro", mailflow.EXOMailbox("ours", taro), w.Scheduler().Now().Add(30*24*time.Hour), time.Time{})
	var err error
	w.Admin("setup", mailops.Options{}, func(ctx context.Context, c *mailops.Client) {
		if err = provision(ctx, w, w.Partner(), "partner.example", "sato@partner.example"); err != nil {
			return
		}
		err = provision(ctx, w, w.Tenant(), dom, taro) // accounts first
	})
	require.NoError(t, w.Scheduler().Run())
	require.NoError(t, err)
	require.NoError(t, w.PointMXAtEXO("partner.example", time.Hour))
	require.NoError(t, w.Scheduler().RunFor(time.Hour))
	// The mistake: Exchange Online added as a low-priority MX.
	exoMX, err := w.ServiceMX(dom)
	require.NoError(t, err)
	require.NoError(t, w.DNS().Publish(context.Background(), mailops.DNSChange{Domain: dom, Add: []mailops.DNSRecord{{Type: "MX", Label: "@", Value: exoMX, Preference: 20, TTL: 3600}}}))
	w.SendFromInternet("alice@gmail.example", "Alice", taro)
	w.SendFromTenant(w.Partner(), "sato@partner.example", "Sato", taro)
	require.NoError(t, w.Scheduler().RunFor(72*time.Hour))
	rep := w.Check()
	assert.Equal(t, 1, rep.Delivered, "the internet sender follows the preference: legacy")
	require.Equal(t, 1, rep.Lost, rep.String())
	assert.Contains(t, rep.Violations[0].Cause, "exo:ours:taro@maker.example.co.jp while its owner did not read it")
}

// provision verifies a domain in a tenant and gives people mailboxes.
func provision(ctx context.Context, w *mailflow.World, t *fake.Tenant, domain string, people ...mailops.Address) error {
	c := mailops.NewClient(t.Driver("provision"), mailops.Options{Clock: w.Scheduler()})
	dom, err := c.AddDomain(ctx, domain)
	if err != nil {
		return err
	}
	if err := w.DNS().Publish(ctx, mailops.DNSChange{Domain: domain, Add: dom.VerificationRecords[:1]}); err != nil {
		return err
	}
	if _, err := c.VerifyDomain(ctx, domain); err != nil {
		return err
	}
	if err := c.EnableEmail(ctx, domain); err != nil {
		return err
	}
	if err := c.AwaitAccepted(ctx, domain); err != nil {
		return err
	}
	for _, p := range people {
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: p.Local()}); err != nil {
			return err
		}
	}
	return nil
}

// InternalRelay with no connector after the MX switch: Exchange Online
// relays unknown addresses by MX, which points back at itself: 5.4.14.
func TestInternalRelayWithoutConnectorLoops(t *testing.T) {
	cfg := testConfig(11)
	cfg.Tenant = fake.InstantTenantConfig()
	w := mailflow.NewWorld(cfg)
	const dom = "deptb.example.ac.jp"
	legacy := w.AddLegacy("mx."+dom, time.Hour, dom)
	office := mailops.Address("office@" + dom)
	legacy.AddMailbox(office)
	w.Expect().Address(office, "staff")
	w.Expect().Reads("staff", mailflow.LegacyMailbox(office), time.Time{}, time.Time{})
	var err error
	w.Admin("setup", mailops.Options{}, func(ctx context.Context, c *mailops.Client) {
		if err = provision(ctx, w, w.Tenant(), dom); err != nil {
			return
		}
		err = c.SetDomainType(ctx, dom, mailops.InternalRelay) // and no connector
	})
	require.NoError(t, w.Scheduler().Run())
	require.NoError(t, err)
	require.NoError(t, w.Scheduler().RunFor(time.Hour))
	require.NoError(t, w.PointMXAtEXO(dom, 300*time.Second))
	require.NoError(t, w.Scheduler().RunFor(2*time.Hour))
	w.SendFromInternet("alice@gmail.example", "Alice", office)
	require.NoError(t, w.Scheduler().RunFor(72*time.Hour))
	rep := w.Check()
	require.Equal(t, 1, rep.Looped, rep.String())
	assert.Contains(t, rep.Violations[0].Cause, "5.4.14")
	assert.GreaterOrEqual(t, len(rep.Violations[0].Trail), 20, "it went round until the hop limit")
}

// Property (c): the correct consolidation, over random departments,
// forwarding, propagation delays and traffic, loses nothing.
func TestPropertyCorrectConsolidation(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		sc := mailflow.DefaultConsolidationScenario(rapid.IntRange(3, 40).Draw(rt, "addresses"))
		sc.People = rapid.IntRange(3, 25).Draw(rt, "people")
		sc.LoopAddresses = rapid.IntRange(0, 2).Draw(rt, "loops")
		sc.PerHour = float64(rapid.IntRange(20, 400).Draw(rt, "perHour"))
		sc.Duration = 10 * time.Hour
		sc.LegacyMXTTL = time.Duration(rapid.IntRange(60, 86400).Draw(rt, "mxTTL")) * time.Second
		cfg := testConfig(seed)
		cfg.KeepEvents = false
		tc := fake.DefaultTenantConfig()
		tc.Propagation.Group = fake.Uniform(time.Minute, time.Duration(rapid.IntRange(1, 60).Draw(rt, "groupMaxMin"))*time.Minute)
		tc.Propagation.Connector = fake.Uniform(time.Minute, time.Duration(rapid.IntRange(1, 60).Draw(rt, "connMaxMin"))*time.Minute)
		tc.Faults = fake.RandomFaults{Throttle: 0.05, Unavailable: 0.02, ReplyLost: 0.02, ThrottleRetryAfter: fake.Uniform(time.Second, time.Minute)}
		cfg.Tenant = tc
		cfg.EXOIgnoresPreference = rapid.Bool().Draw(rt, "exoIgnoresPreference")
		c, err := mailflow.NewConsolidation(cfg, sc)
		if err != nil {
			rt.Fatalf("scenario: %v", err)
		}
		crashAfter := rapid.IntRange(0, 40).Draw(rt, "crashAfter")
		m := c.StartRunbookCrashing(c.Scheduler().Now().Add(time.Duration(rapid.IntRange(0, 120).Draw(rt, "startMin"))*time.Minute), "", crashAfter, nil)
		if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
			rt.Fatalf("run: %v", err)
		}
		if !m.Done || m.Err != nil {
			rt.Fatalf("runbook: done=%v err=%v (crashes %d)", m.Done, m.Err, m.Crashes)
		}
		if m.Crashes > 1 || (crashAfter > 0 && m.Crashes == 0 && len(m.Progress) >= crashAfter+6) {
			rt.Fatalf("asked for a crash after %d progress events (of %d), got %d crashes", crashAfter, len(m.Progress), m.Crashes)
		}
		rep := c.Check()
		if !rep.NoLoss() {
			rt.Fatalf("loss with seed=%d:\n%s", seed, rep.String())
		}
		if p := desiredDiff(rt, c); len(p.Steps) > 0 {
			rt.Fatalf("the run did not end in the desired state; still to do:\n%s", p.PowerShell())
		}
	})
}

// desiredDiff diffs the tenant against the consolidation's desired end state:
// the domain Authoritative, one group per address as specified, the connector
// gone. An empty plan means the run ended there.
func desiredDiff(rt *rapid.T, c *mailflow.Consolidation) *mailops.Plan {
	want := mailops.DesiredState{Domains: []mailops.Domain{{Name: c.Spec.Domain, Type: mailops.Authoritative}}}
	for _, a := range c.Spec.Addresses {
		want.Groups = append(want.Groups, mailops.Group{PrimaryAddress: a.Address, SendAs: a.SendAs, Members: a.Targets, RequireSenderAuthentication: !a.External})
	}
	want.Remove.OutboundConnectors = []string{"To " + c.Spec.Domain + " legacy"}
	var p *mailops.Plan
	var err error
	c.Scheduler().Go(func() {
		cl := mailops.NewClient(c.Tenant().Driver("auditor"), mailops.Options{Clock: c.Scheduler()})
		p, err = mailops.Diff(context.Background(), cl, want)
	})
	if rerr := c.Scheduler().RunFor(time.Hour); rerr != nil || err != nil {
		rt.Fatalf("diff: %v %v", rerr, err)
	}
	return p
}

// A runner that dies between adding the domain and making it InternalRelay
// leaves it Authoritative while it is down: senders inside the tenant get
// 5.1.10 for the department's addresses. The mail bounces (the sender is
// told); nothing is silently lost, and the report names the code.
func TestCrashInTheVerificationGap(t *testing.T) {
	sc := mailflow.DefaultConsolidationScenario(20)
	sc.Duration = 10 * time.Hour
	sc.PerHour = 600
	c, err := mailflow.NewConsolidation(testConfig(21), sc)
	require.NoError(t, err)
	m := c.StartRunbookCrashing(c.Scheduler().Now().Add(30*time.Minute), "", 4, nil)
	m.NoCrashIn = nil // crash right after the domain is added
	require.NoError(t, c.Scheduler().RunFor(sc.Duration+72*time.Hour))
	require.True(t, m.Done)
	require.NoError(t, m.Err)
	require.Equal(t, 1, m.Crashes)
	rep := c.Check()
	assert.Zero(t, rep.Lost+rep.Looped+rep.Misdelivered, rep.String())
	require.Positive(t, rep.GapBounced, "the gap is real: %s", rep.String())
	assert.Equal(t, rep.Bounced, rep.GapBounced, "every bounce is a 5.1.10 inside the gap")
	for _, v := range rep.Violations {
		if v.Class == mailflow.GapBounced {
			assert.Contains(t, v.Cause, "5.1.10")
		}
	}
	// The runbook's gap check lists the same bounces through message trace,
	// as an operator would see them on a real tenant.
	require.True(t, m.GapChecked, "the runbook listed what bounced in the gap")
	listed := 0
	for _, row := range m.GapBounces {
		assert.Equal(t, mailops.TraceFailed, row.Status)
		if strings.Contains(row.Detail, "5.1.10") {
			listed++
		}
	}
	assert.Equal(t, rep.GapBounced, listed, "message trace lists every bounce the oracle counts in the gap")
}
