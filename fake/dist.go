package fake

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Dist is a distribution of durations.
type Dist struct {
	Min, Max time.Duration
}

// Fixed is always d.
func Fixed(d time.Duration) Dist { return Dist{Min: d, Max: d} }

// Uniform is uniform on [min, max].
func Uniform(min, max time.Duration) Dist {
	if max < min {
		min, max = max, min
	}
	return Dist{Min: min, Max: max}
}

// Sample draws a duration. A Fixed distribution draws nothing from r, so
// changing a delay from fixed to uniform is the only thing that shifts the
// random stream.
func (d Dist) Sample(r *rand.Rand) time.Duration {
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + time.Duration(r.Int64N(int64(d.Max-d.Min)+1))
}

// String shows a fixed delay as a duration and a uniform one as U[min,max].
func (d Dist) String() string {
	if d.Min == d.Max {
		return d.Min.String()
	}
	return fmt.Sprintf("U[%s,%s]", d.Min, d.Max)
}
