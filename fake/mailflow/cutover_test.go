package mailflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

func runCutover(t testing.TB, seed uint64, users int, unsafe runbook.Unsafe) (*mailflow.Cutover, *mailflow.Migration, mailflow.Report) {
	cfg := testConfig(seed)
	cfg.EXOIgnoresPreference = true
	c, err := mailflow.NewCutover(cfg, mailflow.DefaultCutoverScenario(users))
	require.NoError(t, err)
	m := c.StartRunbook(c.Scheduler().Now().Add(time.Hour), unsafe, nil)
	require.NoError(t, c.Scheduler().RunFor(40*24*time.Hour))
	require.True(t, m.Done)
	return c, m, c.Check()
}

func TestCorrectCutoverLosesNothing(t *testing.T) {
	c, m, rep := runCutover(t, 4, 12, "")
	require.NoError(t, m.Err)
	t.Log(rep.String())
	assert.True(t, rep.NoLoss(), rep.String())
	assert.Greater(t, rep.Sent, 500)
	assert.False(t, c.Legacy.Running(), "the legacy server is stopped at the end")
	// External recipients see ASCII simple display names after the switch.
	sawSimple := false
	for _, e := range c.Ledger().Events() {
		if e.Kind == mailflow.EvDeliver && strings.HasPrefix(string(e.Mailbox), "internet:") && e.FromDisplay != "" && e.FromDisplay != "社内ユーザー" {
			sawSimple = sawSimple || strings.HasPrefix(e.FromDisplay, "User")
			assert.NotContains(t, e.FromDisplay, "社", "no Japanese display name leaves the tenant once simple display names are on")
		}
	}
	assert.True(t, sawSimple, "some mail to the internet carried a simple display name")
	routes := strings.Join(c.Ledger().Routes(), "\n")
	assert.Contains(t, routes, "device→device-relay→EXO", "devices send through the relay after the switch")
}

func TestCutoverLowPriorityMXLosesMail(t *testing.T) {
	_, m, rep := runCutover(t, 4, 12, runbook.UnsafeLowPriorityMX)
	require.NoError(t, m.Err)
	require.Greater(t, rep.Lost, 0, rep.String())
	found := false
	for _, v := range rep.Violations {
		found = found || (v.Class == mailflow.Lost && strings.Contains(v.Cause, "while its owner did not read it"))
	}
	assert.True(t, found, causes(rep))
}

// Property: the generated cutover plan, over random sizes, seeds, propagation
// and faults, loses nothing.
func TestPropertyCorrectCutover(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		seed := rapid.Uint64().Draw(rt, "seed")
		cfg := testConfig(seed)
		cfg.KeepEvents = false
		cfg.EXOIgnoresPreference = rapid.Bool().Draw(rt, "exoIgnoresPreference")
		tc := fake.DefaultTenantConfig()
		tc.Faults = fake.RandomFaults{Throttle: 0.05, Unavailable: 0.02, ReplyLost: 0.02, ThrottleRetryAfter: fake.Uniform(time.Second, time.Minute)}
		cfg.Tenant = tc
		sc := mailflow.DefaultCutoverScenario(rapid.IntRange(3, 20).Draw(rt, "users"))
		sc.PerHour = float64(rapid.IntRange(2, 20).Draw(rt, "perHour"))
		sc.ParallelRun = time.Duration(rapid.IntRange(2, 24).Draw(rt, "parallelHours")) * time.Hour
		sc.Decommission = time.Duration(rapid.IntRange(2, 48).Draw(rt, "decommissionHours")) * time.Hour
		c, err := mailflow.NewCutover(cfg, sc)
		if err != nil {
			rt.Fatalf("scenario: %v", err)
		}
		m := c.StartRunbookCrashing(c.Scheduler().Now().Add(time.Hour), "", rapid.IntRange(0, 60).Draw(rt, "crashAfter"), nil)
		if err := c.Scheduler().RunFor(40 * 24 * time.Hour); err != nil {
			rt.Fatalf("run: %v", err)
		}
		if !m.Done || m.Err != nil {
			rt.Fatalf("runbook: done=%v err=%v", m.Done, m.Err)
		}
		if rep := c.Check(); !rep.NoLoss() {
			rt.Fatalf("loss:\n%s", rep.String())
		}
	})
}
