package mailflow_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

// leftThroughEXO reports whether a copy delivered to an internet mailbox
// after the list server went back through our tenant: the last list hop is
// followed by Exchange Online's.
func leftThroughEXO(trail []string) bool {
	last := -1
	for i, h := range trail {
		if strings.HasPrefix(h, "list:") {
			last = i
		}
	}
	return last >= 0 && slices.Contains(trail[last:], "exo:ours")
}

// checkListRun checks a list-domain run: no loss, no duplicate, and every
// external subscriber's copy left through Exchange Online.
func checkListRun(t interface {
	Fatalf(string, ...any)
}, ld *mailflow.ListDomain, seed uint64) {
	rep := ld.Check()
	if !rep.NoLoss() || rep.Duplicated > 0 {
		t.Fatalf("seed=%d:\n%s", seed, rep.String())
	}
	subs := map[mailflow.Mailbox]bool{}
	for _, x := range ld.Subscribers {
		subs[mailflow.InternetMailbox(x)] = true
	}
	n := 0
	for _, e := range ld.Ledger().Events() {
		if e.Kind != mailflow.EvDeliver || !subs[e.Mailbox] {
			continue
		}
		n++
		if !leftThroughEXO(e.Trail) {
			t.Fatalf("seed=%d: message %d reached %s without going back through Exchange Online: %v", seed, e.Msg, e.Mailbox, e.Trail)
		}
	}
	if rep.Sent > 0 && n == 0 {
		t.Fatalf("seed=%d: no subscriber received anything (%d sent)", seed, rep.Sent)
	}
}

func TestListDomainLosesNothingAndSendsThroughEXO(t *testing.T) {
	ld, err := mailflow.NewListDomain(mailflow.Config{Seed: 5, Tenant: fake.DefaultTenantConfig(), KeepEvents: true}, mailflow.DefaultListDomainScenario(2))
	require.NoError(t, err)
	require.NoError(t, ld.Scheduler().RunFor(ld.Scenario.Duration+72*time.Hour))
	checkListRun(t, ld, 5)
	rep := ld.Check()
	assert.Greater(t, rep.Delivered, 50, rep.String())
}

// Without the inbound connector for the list server's address, Exchange
// Online refuses to relay the list's copies to external subscribers:
// 550 5.7.64 TenantAttribution; Relay Access Denied. Members inside the
// tenant still receive theirs.
func TestListDomainWithoutInboundConnectorCannotRelay(t *testing.T) {
	sc := mailflow.DefaultListDomainScenario(1)
	sc.NoInboundConnector, sc.PerHour = true, 0
	ld, err := mailflow.NewListDomain(mailflow.Config{Seed: 5, Tenant: fake.InstantTenantConfig(), KeepEvents: true}, sc)
	require.NoError(t, err)
	list := ld.ListOrder[0]
	m := ld.SendFromInternet("sender@outside.example", "Sender", list)
	require.NoError(t, ld.Scheduler().RunFor(72*time.Hour))
	got, bad := outcome(ld.World, m)
	assert.Len(t, got, sc.Internal, "members inside the tenant")
	for _, e := range got {
		assert.True(t, strings.HasPrefix(string(e.Mailbox), "exo:ours:"), e.Mailbox)
	}
	require.Len(t, bad, sc.External, "one refusal per external subscriber")
	for _, e := range bad {
		assert.Equal(t, mailflow.ReplyTenantAttribution, e.Reply)
	}
	assert.False(t, ld.Check().NoLoss())
}

// Property: over random lists, subscribers, propagation and traffic, the list
// domain loses and duplicates nothing, and every external subscriber's copy
// leaves through Exchange Online.
func TestPropertyListDomain(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		sc := mailflow.DefaultListDomainScenario(rapid.IntRange(1, 4).Draw(rt, "lists"))
		sc.People = rapid.IntRange(2, 8).Draw(rt, "people")
		sc.Internal = rapid.IntRange(1, 6).Draw(rt, "internal")
		sc.External = rapid.IntRange(1, 6).Draw(rt, "external")
		sc.PerHour = float64(rapid.IntRange(5, 120).Draw(rt, "perHour"))
		tc := fake.DefaultTenantConfig()
		tc.Propagation.Connector = fake.Uniform(time.Minute, time.Duration(rapid.IntRange(1, 60).Draw(rt, "connMaxMin"))*time.Minute)
		ld, err := mailflow.NewListDomain(mailflow.Config{Seed: seed, Tenant: tc}, sc)
		if err != nil {
			rt.Fatalf("scenario: %v", err)
		}
		if err := ld.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
			rt.Fatalf("run: %v", err)
		}
		checkListRun(rt, ld, seed)
	})
}
