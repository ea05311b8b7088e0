package lab

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Wall is the lab's source of real time: the only place the lab reads the
// wall clock. RealWall is the production one; tests pass a fake.
type Wall interface {
	// Now is the wall-clock time.
	Now() time.Time
	// Tick returns a channel that ticks every d, and a function that stops
	// it.
	Tick(d time.Duration) (<-chan time.Time, func())
}

// RealWall reads the real clock.
type RealWall struct{}

// Now returns time.Now().
func (RealWall) Now() time.Time { return time.Now() }

// Tick returns a time.Ticker's channel and its Stop.
func (RealWall) Tick(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// ClockSpec says how the lab's virtual time follows the wall clock.
type ClockSpec struct {
	// Manual: virtual time moves only when advanced.
	Manual bool
	// Factor is how many virtual seconds pass per wall second (1: real
	// time); ignored when Manual.
	Factor float64
}

// String is the spec as ParseClock reads it: "real", "x60", "manual".
func (c ClockSpec) String() string {
	switch {
	case c.Manual:
		return "manual"
	case c.Factor == 1:
		return "real"
	}
	return "x" + strconv.FormatFloat(c.Factor, 'f', -1, 64)
}

// ParseClock reads "real", "manual" or "xN" (N > 0, at most 100000).
func ParseClock(s string) (ClockSpec, error) {
	switch s {
	case "", "real":
		return ClockSpec{Factor: 1}, nil
	case "manual":
		return ClockSpec{Manual: true}, nil
	}
	n, ok := strings.CutPrefix(s, "x")
	if !ok {
		return ClockSpec{}, fmt.Errorf("lab: clock %q: want real, manual or xN", s)
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || f <= 0 || f > 100000 {
		return ClockSpec{}, fmt.Errorf("lab: clock %q: N must be a number in (0, 100000]", s)
	}
	return ClockSpec{Factor: f}, nil
}

// clock maps wall time to the virtual time the world should have reached.
// It is used under the world's lock.
type clock struct {
	spec      ClockSpec
	wall      Wall
	wallStart time.Time
	virtStart time.Time
}

func newClock(spec ClockSpec, wall Wall, virtStart time.Time) *clock {
	return &clock{spec: spec, wall: wall, wallStart: wall.Now(), virtStart: virtStart}
}

// target is the virtual time the world should be at now.
func (c *clock) target() time.Time {
	if c.spec.Manual {
		return c.virtStart
	}
	el := c.wall.Now().Sub(c.wallStart)
	return c.virtStart.Add(time.Duration(float64(el) * c.spec.Factor))
}

// advance moves the target d ahead.
func (c *clock) advance(d time.Duration) { c.virtStart = c.virtStart.Add(d) }

// set changes the mode from now on, keeping the current target.
func (c *clock) set(spec ClockSpec) {
	c.virtStart = c.target()
	c.wallStart = c.wall.Now()
	c.spec = spec
}
