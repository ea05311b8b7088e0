package fake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// The default budget is 200 calls per 5 seconds (New-ThrottlingPolicy's
// period is in seconds, not minutes), calls slow down with a micro delay
// before the bucket runs dry, and an empty bucket answers 429 with a
// Retry-After of about the time one call's token takes to come back.
func TestDefaultThrottleIsPerSecondsWithMicroDelays(t *testing.T) {
	def := fake.DefaultTenantConfig()
	assert.InDelta(t, 40.0, def.Throttle.Rate, 1e-9, "200 per 5 s")
	assert.Equal(t, 200, def.Throttle.Burst)

	s := sim.New(9)
	t.Cleanup(s.Close)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.InstantTenantConfig()
	cfg.Throttle = fake.Throttle{Rate: 1, Burst: 8, MicroDelay: fake.Fixed(100 * time.Millisecond), MicroDelayBelow: 0.5}
	d := cloud.NewTenant("uni", cfg).Driver("admin")
	var took []time.Duration
	var refused *mailops.ThrottledError
	s.GoNamed("calls", func() {
		for i := 0; i < 12 && refused == nil; i++ {
			start := s.Now()
			_, err := d.ListDomains(context.Background())
			if errors.As(err, &refused) {
				break
			}
			took = append(took, s.Now().Sub(start))
		}
	})
	require.NoError(t, s.Run())
	require.NotEmpty(t, took)
	assert.Zero(t, took[0], "a full bucket adds no delay")
	assert.Equal(t, 100*time.Millisecond, took[len(took)-1], "a bucket below half slows calls down first")
	require.NotNil(t, refused, "then refuses")
	assert.Equal(t, time.Second, refused.RetryAfter)
}
