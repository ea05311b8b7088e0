package fake

import (
	"math"
	"time"
)

// bucket is the tenant's token bucket (TenantConfig.Throttle).
type bucket struct {
	cfg      Throttle
	tokens   float64
	refilled time.Time
}

func newBucket(cfg Throttle, now time.Time) bucket {
	return bucket{cfg: cfg, tokens: float64(cfg.Burst), refilled: now}
}

// take refills the bucket and takes a token, or says how long until one is
// available, rounded up to whole seconds as services do (Retry-After is in
// seconds), so that a retry after RetryAfter finds a token.
func (b *bucket) take(now time.Time) (time.Duration, bool) {
	if b.cfg.Rate <= 0 {
		return 0, true
	}
	if el := now.Sub(b.refilled); el > 0 {
		b.tokens = math.Min(float64(b.cfg.Burst), b.tokens+el.Seconds()*b.cfg.Rate)
		b.refilled = now
	}
	// A tolerance for float rounding: a retry exactly RetryAfter later must
	// find its token.
	if b.tokens >= 1-1e-9 {
		b.tokens = max(b.tokens-1, 0)
		return 0, true
	}
	return ceilSeconds(time.Duration((1 - b.tokens) / b.cfg.Rate * float64(time.Second))), false
}

// microDelay reports whether a call just admitted should be slowed: the
// bucket is below MicroDelayBelow of its burst.
func (b *bucket) microDelay() bool {
	return b.cfg.MicroDelay.Max > 0 && b.cfg.Burst > 0 && b.tokens < b.cfg.MicroDelayBelow*float64(b.cfg.Burst)
}

// ceilSeconds rounds d up to whole seconds, and to at least one second.
func ceilSeconds(d time.Duration) time.Duration {
	s := (d + time.Second - 1) / time.Second
	return max(s, 1) * time.Second
}
