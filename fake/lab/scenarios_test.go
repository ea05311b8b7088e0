package lab

import (
	"strings"
	"testing"
)

// runThrough starts the runbook and runs the world 84 virtual hours.
func runThrough(t *testing.T, name string) Grade {
	t.Helper()
	l := startLab(t, name, 1)
	post(t, l, Action{Op: "migrate"})
	for range 14 {
		post(t, l, Action{Op: "advance", Duration: "6h"})
	}
	return l.Grade()
}

func check(g Grade, name string) Check {
	for _, c := range g.Checks {
		if strings.HasPrefix(c.Name, name) {
			return c
		}
	}
	return Check{}
}

func TestShippedScenariosPass(t *testing.T) {
	for _, name := range []string{"consolidation.yaml", "cutover.yaml"} {
		g := runThrough(t, name)
		if !g.Pass || g.Oracle.Sent == 0 {
			t.Errorf("%s: %s\n%s\n%+v", name, g.Verdict, g.Oracle, g.Checks)
		}
		if c := check(g, "the domain relays"); c.Status != Pass {
			t.Errorf("%s: %+v", name, c)
		}
	}
}

// TestExercisesHideAKnownBadStep: each "find the lost mail" scenario loses
// mail, and the grade shows how.
func TestExercisesHideAKnownBadStep(t *testing.T) {
	g := runThrough(t, "exercises/empty-group.yaml")
	if g.Pass || g.Oracle.Lost == 0 || check(g, "groups are created").Status != Fail {
		t.Errorf("empty group: %s\n%s\n%+v", g.Verdict, g.Oracle, g.Checks)
	}
	g = runThrough(t, "exercises/low-priority-mx.yaml")
	partner := false
	for _, v := range g.Oracle.Violations {
		partner = partner || (len(v.Trail) > 0 && v.Trail[0] == "exo:partner")
	}
	if g.Pass || !partner {
		t.Errorf("low-priority MX: no partner mail lost: %s\n%s", g.Verdict, g.Oracle)
	}
	g = runThrough(t, "exercises/forward-loop.yaml")
	if g.Pass || g.Oracle.Looped == 0 {
		t.Errorf("forwarding loop: %s\n%s", g.Verdict, g.Oracle)
	}
}
