package delegate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// replicaSuite is the store conformance for the replica, run by storeSuite on
// SQLite and PostgreSQL: the replica and its drift entries commit together,
// a failed diff writes neither, an older refresh never replaces a newer one,
// and drift entries keep the audit chain verifying.
func replicaSuite(t *testing.T, h storeHarness) {
	ctx := context.Background()
	s := h.open(t)
	if rep, err := s.Replica(ctx); err != nil || !rep.At.IsZero() {
		t.Fatalf("before the first refresh: %+v %v", rep, err)
	}
	first := Replica{At: t0, Groups: []mailops.Group{{PrimaryAddress: "office@depta.example.ac.jp", Members: people[:1]}}}
	none := func(Replica) ([]Entry, error) { return nil, nil }
	if err := s.SyncReplica(ctx, first, none); err != nil {
		t.Fatal(err)
	}
	second := first
	second.At = t0.Add(time.Minute)
	second.Groups = []mailops.Group{{PrimaryAddress: "office@depta.example.ac.jp", Members: people[1:2]}}
	boom := errors.New("boom")
	if err := s.SyncReplica(ctx, second, func(Replica) ([]Entry, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("a failing diff: %v", err)
	}
	if rep, _ := s.Replica(ctx); !rep.At.Equal(t0) {
		t.Fatalf("a failed refresh stored its replica: %+v", rep)
	}
	var saw Replica
	err := s.SyncReplica(ctx, second, func(old Replica) ([]Entry, error) {
		saw = old
		return []Entry{{At: second.At, RequestID: driftID("depta.example.ac.jp"), Actor: "tenant", Event: "drift", Detail: `{"address":"office@depta.example.ac.jp"}`}}, nil
	})
	if err != nil || len(saw.Groups) != 1 || saw.Groups[0].Members[0] != people[0] {
		t.Fatalf("sync: %v, diff saw %+v", err, saw)
	}
	if err := s.SyncReplica(ctx, first, func(Replica) ([]Entry, error) { t.Fatal("an older refresh was diffed"); return nil, nil }); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Replica(ctx)
	if err != nil || !rep.At.Equal(second.At) || rep.Groups[0].Members[0] != people[1] {
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
