package lab

import (
	"testing"
	"time"
)

// TestReplayReproducesTheLedger drives a live lab through its control API,
// then replays the seed and the control log twice: both replays give the
// live run's ledger, bit for bit.
func TestReplayReproducesTheLedger(t *testing.T) {
	l := startLab(t, "consolidation.yaml", 7)
	for _, a := range []Action{
		{Op: "advance", Duration: "30m"},
		{Op: "migrate"},
		{Op: "smtp-fault", Host: "legacy", Stage: "rcpt", Count: 2, Code: 451},
		{Op: "send", From: "someone@outside.example", To: "office@depta.example.ac.jp"},
		{Op: "advance", Duration: "5h"},
		{Op: "probe"},
		{Op: "advance", Duration: "2h"},
	} {
		post(t, l, a)
	}
	log := l.Log()
	live := l.LedgerDigest()
	if len(log.Actions) != 7 {
		t.Fatalf("control log has %d actions, want 7", len(log.Actions))
	}
	var digests []string
	for range 2 {
		led, err := Replay(loadScenario(t, "consolidation.yaml"), log)
		if err != nil {
			t.Fatal(err)
		}
		if len(led.Ledger.Messages()) == 0 {
			t.Fatal("the replay sent nothing")
		}
		digests = append(digests, led.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("two replays differ: %s vs %s", digests[0], digests[1])
	}
	if digests[0] != live {
		t.Errorf("the replay differs from the live run: %s vs %s", digests[0], live)
	}
	// A different decision gives a different ledger (the digest is not
	// blind): waiting 10 minutes longer before the migration.
	alt := log
	alt.Actions = append([]Action(nil), log.Actions...)
	for i := range alt.Actions {
		if i >= 1 {
			alt.Actions[i].At = alt.Actions[i].At.Add(10 * time.Minute)
		}
	}
	alt.Until = alt.Until.Add(10 * time.Minute)
	led, err := Replay(loadScenario(t, "consolidation.yaml"), alt)
	if err != nil {
		t.Fatal(err)
	}
	if led.Digest == live {
		t.Error("migrating 10 minutes later gave the same ledger")
	}
}
