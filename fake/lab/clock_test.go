package lab

import (
	"testing"
	"time"
)

func TestParseClock(t *testing.T) {
	for in, want := range map[string]ClockSpec{"real": {Factor: 1}, "": {Factor: 1}, "manual": {Manual: true}, "x60": {Factor: 60}, "x0.5": {Factor: 0.5}} {
		got, err := ParseClock(in)
		if err != nil || got != want {
			t.Errorf("ParseClock(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"x0", "x-1", "fast", "60", "x1e9"} {
		if _, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) accepted", bad)
		}
	}
}

// virtualNow reads the world's time after the pump has finished a step: a
// second tick is taken only once the first step is done.
func virtualNow(l *Lab, w *stepWall) time.Time {
	w.move(0)
	var now time.Time
	l.Do(func() { now = l.e.now() })
	return now
}

func TestAcceleratedClockFollowsTheWall(t *testing.T) {
	w := &stepWall{t: time.Unix(1000, 0), c: make(chan time.Time)}
	l, err := Start(Config{Scenario: loadScenario(t, "consolidation.yaml"), Seed: 3, Clock: ClockSpec{Factor: 60}, Wall: w})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t0 := virtualNow(l, w)
	w.move(2 * time.Second)
	if got := virtualNow(l, w).Sub(t0); got != 2*time.Minute {
		t.Errorf("2 wall seconds at x60 moved the world %s, want 2m", got)
	}
	// Manual from now on: the wall no longer moves the world; advance does.
	if _, err := l.Act(Action{Op: "clock", Clock: "manual"}); err != nil {
		t.Fatal(err)
	}
	t1 := virtualNow(l, w)
	w.move(time.Hour)
	if got := virtualNow(l, w); !got.Equal(t1) {
		t.Errorf("manual clock moved with the wall: %s → %s", t1, got)
	}
	if _, err := l.Act(Action{Op: "advance", Duration: "10m"}); err != nil {
		t.Fatal(err)
	}
	if got := virtualNow(l, w).Sub(t1); got != 10*time.Minute {
		t.Errorf("advance 10m moved the world %s", got)
	}
	// Real time again: one wall second is one virtual second.
	if _, err := l.Act(Action{Op: "clock", Clock: "real"}); err != nil {
		t.Fatal(err)
	}
	t2 := virtualNow(l, w)
	w.move(5 * time.Second)
	if got := virtualNow(l, w).Sub(t2); got != 5*time.Second {
		t.Errorf("5 wall seconds in real time moved the world %s", got)
	}
}
