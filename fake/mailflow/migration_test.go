package mailflow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

func runConsolidation(t *testing.T, seed uint64, n int, unsafe runbook.Unsafe) (*mailflow.Consolidation, *mailflow.Migration, mailflow.Report) {
	t.Helper()
	sc := mailflow.DefaultConsolidationScenario(n)
	sc.Duration = 10 * time.Hour
	c, err := mailflow.NewConsolidation(testConfig(seed), sc)
	require.NoError(t, err)
	m := c.StartRunbook(c.Scheduler().Now().Add(30*time.Minute), unsafe, nil)
	require.NoError(t, c.Scheduler().RunFor(sc.Duration+72*time.Hour))
	require.True(t, m.Done, "the runbook finished")
	return c, m, c.Check()
}

func TestCorrectConsolidationLosesNothing(t *testing.T) {
	c, m, rep := runConsolidation(t, 3, 30, "")
	require.NoError(t, m.Err)
	t.Log(rep.String())
	assert.True(t, rep.NoLoss(), rep.String())
	assert.Greater(t, rep.Sent, 1000)
	require.NotNil(t, m.Preflight)
	assert.NotEmpty(t, m.Preflight.LoopFixes, "the preflight found the forwarding loop")
	g, ok := c.Tenant().MailView().Group(c.Spec.Addresses[0].Address)
	require.True(t, ok)
	assert.NotEmpty(t, g.Members)
	d, _ := c.Tenant().MailView().AcceptedDomain(c.Scenario.Dept)
	assert.Equal(t, "Authoritative", string(d.Type))
	routes := c.Ledger().Routes()
	assert.Contains(t, routes, "internet→legacy", "before the MX switch, the legacy server receives")
	assert.Contains(t, routes, "internet→EXO→group", "after the groups, EXO delivers to members")
	assert.Contains(t, routes, "internet→EXO→connector→legacy", "before the groups, EXO relays to the legacy server")
}
