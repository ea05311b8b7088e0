package delegate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// replicaSuite is the store conformance for the replica, run by storeSuite on
// SQLite and PostgreSQL: the replica sync returns and its drift entries
// commit together, with the read as the next sync's previous read; a failed
// sync writes nothing, an older refresh never replaces a newer one, and
// drift entries keep the audit chain verifying.
func replicaSuite(t *testing.T, h storeHarness) {
	ctx := context.Background()
	s := h.open(t)
	if rep, err := s.Replica(ctx); err != nil || !rep.At.IsZero() {
		t.Fatalf("before the first refresh: %+v %v", rep, err)
	}
	first := Replica{At: t0, Groups: []mailops.Group{{PrimaryAddress: "office@depta.example.ac.jp", Members: people[:1]}}}
	err := s.SyncReplica(ctx, first, func(stored, last Replica) (Replica, []Entry, error) {
		if !stored.At.IsZero() || !last.At.IsZero() {
			t.Errorf("first sync saw %+v and %+v, want zero ones", stored, last)
		}
		return first, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	second := first
	second.At = t0.Add(time.Minute)
	second.Groups = []mailops.Group{{PrimaryAddress: "office@depta.example.ac.jp", Members: people[1:2]}}
	boom := errors.New("boom")
	if err := s.SyncReplica(ctx, second, func(Replica, Replica) (Replica, []Entry, error) { return Replica{}, nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("a failing sync: %v", err)
	}
	if rep, _ := s.Replica(ctx); !rep.At.Equal(t0) {
		t.Fatalf("a failed refresh stored its replica: %+v", rep)
	}
	// The store keeps what sync returns (here the first replica, as of the
	// second read), and the read itself as the next sync's previous read.
	kept := first
	kept.At = second.At
	err = s.SyncReplica(ctx, second, func(stored, last Replica) (Replica, []Entry, error) {
		if len(stored.Groups) != 1 || stored.Groups[0].Members[0] != people[0] || !last.At.Equal(t0) {
			t.Errorf("second sync saw %+v and %+v", stored, last)
		}
		return kept, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Replica(ctx); err != nil || !rep.At.Equal(second.At) || rep.Groups[0].Members[0] != people[0] {
		t.Fatalf("stored replica %+v %v, want the one sync returned", rep, err)
	}
	third := second
	third.At = t0.Add(2 * time.Minute)
	var saw Replica
	err = s.SyncReplica(ctx, third, func(stored, last Replica) (Replica, []Entry, error) {
		saw = last
		return third, []Entry{{At: third.At, RequestID: driftID("depta.example.ac.jp"), Actor: "tenant", Event: "drift", Detail: `{"address":"office@depta.example.ac.jp"}`}}, nil
	})
	if err != nil || !saw.At.Equal(second.At) || len(saw.Groups) != 1 || saw.Groups[0].Members[0] != people[1] {
		t.Fatalf("sync: %v, previous read %+v, want the second read", err, saw)
	}
	older := func(Replica, Replica) (Replica, []Entry, error) {
		t.Error("an older refresh was synced")
		return Replica{}, nil, nil
	}
	for _, r := range []Replica{first, second} {
		if err := s.SyncReplica(ctx, r, older); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.Replica(ctx)
	if err != nil || !rep.At.Equal(third.At) || rep.Groups[0].Members[0] != people[1] {
		t.Fatalf("after an older refresh: %+v %v", rep, err)
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 1 {
		t.Fatalf("audit: %d %v, want the one drift entry", n, err)
	}
	ds, err := DriftOf(ctx, s, "depta.example.ac.jp", 0, 10)
	if err != nil || len(ds) != 1 || ds[0].Drift.Address != "office@depta.example.ac.jp" {
		t.Fatalf("drift: %+v %v", ds, err)
	}
}
