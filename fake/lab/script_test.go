package lab

import (
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// TestScriptedScenario runs the scripted consolidation without migrating:
// the traffic profile adds its peak, the events reach the timeline and the
// tenant (reads lag), the checkpoints before the migration pass and those
// that need it fail with their hints, failing the grade.
func TestScriptedScenario(t *testing.T) {
	l := startLab(t, "consolidation-scripted.yaml", 5)
	post(t, l, Action{Op: "advance", Duration: "100m"})
	// Inside the lag burst a group written now is not read back.
	var lagged bool
	l.Do(func() {
		d := l.e.w.Tenant().Driver("test")
		if err := d.CreateGroup(t.Context(), mailops.Group{PrimaryAddress: "probe@example.ac.jp", Name: "Probe",
			Members: []mailops.Address{"alice@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"}}); err != nil {
			t.Error(err)
			return
		}
		_, err := d.GetGroup(t.Context(), "probe@example.ac.jp")
		lagged = err != nil
	})
	if !lagged {
		t.Error("a group created inside the lag burst was read back at once")
	}
	// The lab's ledger holds a message for an hour after it was sent once
	// its copies have ended (labSettle): advancing half an hour at a time,
	// every message is seen while it is held.
	peakIDs := map[int]bool{}
	for range 100 {
		post(t, l, Action{Op: "advance", Duration: "30m"})
		l.Do(func() {
			for _, m := range l.e.w.Ledger().Messages() {
				if m.From == "alice@example.ac.jp" && len(m.To) == 1 && (m.To[0] == "office@depta.example.ac.jp" || m.To[0] == "lab@depta.example.ac.jp") {
					peakIDs[m.ID] = true
				}
			}
		})
	}
	peak := len(peakIDs)
	if peak < 200 {
		t.Errorf("%d messages from alice to the department's addresses, want the peak's (~300 of its 600)", peak)
	}

	var es []struct{ Kind, Text string }
	getJSON(t, "http://"+l.Ports().Control+"/api/timeline", &es)
	var tl []string
	for _, e := range es {
		tl = append(tl, e.Kind+": "+e.Text)
	}
	all := strings.Join(tl, "\n")
	for _, want := range []string{"TTL of 1h", "lagging reads: for 1h0m0s", "DNS fault on mx.depta.example.ac.jp: servfail",
		`checkpoint "the peak reached office@depta": pass`, `checkpoint "the MX points at Exchange Online": fail`} {
		if !strings.Contains(all, want) {
			t.Errorf("timeline lacks %q:\n%s", want, all)
		}
	}

	g := l.Grade()
	got := map[string]Check{}
	for _, c := range g.Checks {
		got[c.Name] = c
	}
	for name, status := range map[string]string{
		"checkpoint: the peak reached office@depta":                        Pass,
		"checkpoint: nothing lost in the peak":                             Pass,
		"checkpoint: the department's address is a group with its members": Fail,
		"checkpoint: the MX points at Exchange Online":                     Fail,
		"checkpoint: nothing lost in the whole migration":                  Pending,
	} {
		if got[name].Status != status {
			t.Errorf("%s: %+v, want %s", name, got[name], status)
		}
	}
	if c := got["checkpoint: the MX points at Exchange Online"]; !strings.Contains(c.Detail, "hint: the runbook's mx-switch") {
		t.Errorf("a failed checkpoint does not show its hint: %+v", c)
	}
	if g.Pass {
		t.Error("the grade passes with failed checkpoints")
	}
}

// TestScriptedScenarioMigrated: the trainee who migrates passes the
// checkpoints the idle one failed.
func TestScriptedScenarioMigrated(t *testing.T) {
	l := startLab(t, "consolidation-scripted.yaml", 5)
	post(t, l, Action{Op: "advance", Duration: "30m"})
	post(t, l, Action{Op: "migrate"})
	post(t, l, Action{Op: "advance", Duration: "49h"})
	for _, c := range l.Grade().Checks {
		if strings.HasPrefix(c.Name, "checkpoint: ") && c.Status == Fail {
			t.Errorf("%s failed after the migration: %s", c.Name, c.Detail)
		}
	}
	var ok bool
	l.Do(func() { ok = l.e.checkpoints[3].Status == Pass && l.e.checkpoints[2].Status == Pass })
	if !ok {
		t.Errorf("group and MX checkpoints: %+v", l.e.checkpoints)
	}
}

func TestScriptValidation(t *testing.T) {
	bad := []Scenario{
		{Traffic: []TrafficProfile{{Name: "x", PerHour: 10, From: []string{"a@b.example"}}}},                   // no duration
		{Traffic: []TrafficProfile{{Name: "x", PerHour: 10, For: 3600e9}}},                                     // no sender
		{Checkpoints: []Checkpoint{{Name: "two", NoLoss: true, Delivered: "a@b.example"}}},                     // two assertions
		{Checkpoints: []Checkpoint{{Name: "mx", MX: &MXCheckpoint{Domain: "d.example", Points: "elsewhere"}}}}, // bad target
		{Checkpoints: []Checkpoint{{NoLoss: true}}},                                                            // no name
	}
	for i, sc := range bad {
		if err := sc.validateScript(); err == nil {
			t.Errorf("case %d: validateScript accepted %+v", i, sc)
		}
	}
}
