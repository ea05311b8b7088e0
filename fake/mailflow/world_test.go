package mailflow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

func testConfig(seed uint64) mailflow.Config {
	return mailflow.Config{Seed: seed, Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig(), KeepEvents: true}
}

func TestSteadyTrafficLosesNothing(t *testing.T) {
	c, err := mailflow.NewConsolidation(testConfig(1), mailflow.DefaultConsolidationScenario(20))
	require.NoError(t, err)
	require.NoError(t, c.Scheduler().RunFor(c.Scenario.Duration+72*time.Hour))
	rep := c.Check()
	t.Log(rep.String())
	assert.Greater(t, rep.Sent, 1000)
	assert.True(t, rep.NoLoss(), rep.String())
	assert.Zero(t, rep.Duplicated)
}
