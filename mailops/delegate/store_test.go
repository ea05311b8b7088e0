package delegate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// storeHarness opens a fresh store and can tamper with its audit table the
// way someone with database access would.
type storeHarness struct {
	open   func(t *testing.T) Store
	tamper func(t *testing.T, s Store, q string)
}

func sqliteHarness() storeHarness {
	return storeHarness{
		open: func(t *testing.T) Store {
			s, _, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "delegate.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		tamper: tamperSQL,
	}
}

func pgHarness() storeHarness {
	return storeHarness{
		open: func(t *testing.T) Store {
			s, err := OpenPostgres(context.Background(), pgPool(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		tamper: tamperSQL,
	}
}

func tamperSQL(t *testing.T, s Store, q string) {
	t.Helper()
	err := s.(*SQLStore).b.inTx(context.Background(), func(tx sqlTx) error { return tx.exec(context.Background(), q) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoreSQLite(t *testing.T)   { storeSuite(t, sqliteHarness()) }
func TestStorePostgres(t *testing.T) { storeSuite(t, pgHarness()) }

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func newReq(id, domain, submitter, key string) Request {
	return Request{ID: id, Kind: ReplaceTargets, Domain: domain, Local: "office", Submitter: submitter,
		Targets: []mailops.Address{"u1@example.ac.jp"}, IdempotencyKey: key, State: Submitted, CreatedAt: t0, UpdatedAt: t0}
}

func moveTo(to State, actor string) func(r *Request) (Entry, error) {
	return func(r *Request) (Entry, error) {
		r.State = to
		return Entry{At: t0.Add(time.Minute), Actor: actor, Event: "move"}, nil
	}
}

func storeSuite(t *testing.T, h storeHarness) {
	ctx := context.Background()
	t.Run("InsertGetIdempotent", func(t *testing.T) {
		s := h.open(t)
		r := newReq("r1", "depta.example.ac.jp", "alice", "k1")
		got, existing, err := s.Insert(ctx, r, Entry{At: t0, Actor: "alice", Event: "submit"}, nil)
		if err != nil || existing || got.ID != "r1" {
			t.Fatalf("insert: %+v %v %v", got, existing, err)
		}
		again := newReq("r2", "depta.example.ac.jp", "alice", "k1")
		got, existing, err = s.Insert(ctx, again, Entry{At: t0, Actor: "alice", Event: "submit"}, nil)
		if err != nil || !existing || got.ID != "r1" {
			t.Fatalf("same key: %+v %v %v, want r1 existing", got, existing, err)
		}
		// Another submitter's same key is another request.
		if got, existing, err = s.Insert(ctx, newReq("r3", "depta.example.ac.jp", "carol", "k1"), Entry{At: t0, Actor: "carol"}, nil); err != nil || existing || got.ID != "r3" {
			t.Fatalf("other submitter: %+v %v %v", got, existing, err)
		}
		read, err := s.Get(ctx, "r1")
		if err != nil || read.Submitter != "alice" || len(read.Targets) != 1 || !read.CreatedAt.Equal(t0) {
			t.Fatalf("get: %+v %v", read, err)
		}
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, mailops.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if n, err := s.VerifyAudit(ctx); err != nil || n != 2 {
			t.Fatalf("audit: %d entries, %v; want 2", n, err)
		}
	})
	t.Run("TransitionsAndRollback", func(t *testing.T) {
		s := h.open(t)
		if _, _, err := s.Insert(ctx, newReq("r1", "depta.example.ac.jp", "alice", ""), Entry{At: t0, Actor: "alice"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, "r1", moveTo(Validated, "svc"), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, "r1", moveTo(Done, "svc"), nil); !errors.Is(err, ErrTransition) {
			t.Fatalf("validated -> done: %v", err)
		}
		boom := errors.New("boom")
		if _, err := s.Update(ctx, "r1", moveTo(Simulated, "svc"), func(context.Context, any) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("hook error: %v", err)
		}
		if _, err := s.Update(ctx, "r1", func(*Request) (Entry, error) { return Entry{}, boom }, nil); !errors.Is(err, boom) {
			t.Fatalf("change error: %v", err)
		}
		if _, err := s.Update(ctx, "nope", moveTo(Validated, "svc"), nil); !errors.Is(err, mailops.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		r, err := s.Get(ctx, "r1")
		if err != nil || r.State != Validated {
			t.Fatalf("state after refused writes: %s %v", r.State, err)
		}
		es, err := s.Audit(ctx, 0, 100)
		if err != nil || len(es) != 2 {
			t.Fatalf("audit: %d entries %v, want 2 (refused writes leave none)", len(es), err)
		}
		if es[1].From != Submitted || es[1].To != Validated || es[1].RequestID != "r1" || es[1].PrevHash != es[0].Hash {
			t.Fatalf("entry 2: %+v", es[1])
		}
		if _, _, err := s.Insert(ctx, newReq("r2", "depta.example.ac.jp", "alice", ""), Entry{At: t0}, func(context.Context, any) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("insert hook: %v", err)
		}
		if _, err := s.Get(ctx, "r2"); !errors.Is(err, mailops.ErrNotFound) {
			t.Fatalf("rolled-back insert is visible: %v", err)
		}
	})
	t.Run("ListByDomain", func(t *testing.T) {
		s := h.open(t)
		for i, d := range []string{"depta.example.ac.jp", "deptb.example.ac.jp", "depta.example.ac.jp"} {
			r := newReq(fmt.Sprintf("r%d", i), d, "alice", "")
			r.CreatedAt = t0.Add(time.Duration(i) * time.Second)
			if _, _, err := s.Insert(ctx, r, Entry{At: t0}, nil); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.List(ctx, "depta.example.ac.jp")
		if err != nil || len(a) != 2 || a[0].ID != "r0" || a[1].ID != "r2" {
			t.Fatalf("list: %+v %v", a, err)
		}
	})
	t.Run("ConcurrentWritesChain", func(t *testing.T) {
		s := h.open(t)
		const n = 6
		for i := range n {
			if _, _, err := s.Insert(ctx, newReq(fmt.Sprintf("r%d", i), "depta.example.ac.jp", "alice", ""), Entry{At: t0}, nil); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, n*3)
		for i := range n {
			wg.Go(func() {
				for _, to := range []State{Validated, Simulated, AutoApproved} {
					if _, err := s.Update(ctx, fmt.Sprintf("r%d", i), moveTo(to, "svc"), nil); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got, err := s.VerifyAudit(ctx); err != nil || got != n*4 {
			t.Fatalf("verify: %d %v, want %d", got, err, n*4)
		}
	})
	t.Run("ClaimOnePerAddress", func(t *testing.T) { claimSuite(t, h) })
	t.Run("Replica", func(t *testing.T) { replicaSuite(t, h) })
	t.Run("TamperingDetected", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE delegate_audit SET detail = 'nothing happened' WHERE seq = 2`,
			`UPDATE delegate_audit SET actor = 'mallory' WHERE seq = 1`,
			`DELETE FROM delegate_audit WHERE seq = 3`,
			`DELETE FROM delegate_audit WHERE seq = 3; UPDATE delegate_audit_head SET seq = 2, hash = (SELECT hash FROM delegate_audit WHERE seq = 2) WHERE id = 1`,
		} {
			s := h.open(t)
			if _, _, err := s.Insert(ctx, newReq("r1", "depta.example.ac.jp", "alice", ""), Entry{At: t0, Actor: "alice", Detail: "asked"}, nil); err != nil {
				t.Fatal(err)
			}
			for _, to := range []State{Validated, Simulated} {
				if _, err := s.Update(ctx, "r1", moveTo(to, "svc"), nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.VerifyAudit(ctx); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			for _, stmt := range splitSQL(q) {
				h.tamper(t, s, stmt)
			}
			if _, err := s.VerifyAudit(ctx); !errors.Is(err, ErrAuditBroken) {
				t.Errorf("%s: VerifyAudit = %v, want ErrAuditBroken", q, err)
			}
		}
	})
}

func splitSQL(q string) []string {
	var out []string
	start := 0
	for i := range len(q) {
		if q[i] == ';' {
			out = append(out, q[start:i])
			start = i + 1
		}
	}
	return append(out, q[start:])
}

func claimSuite(t *testing.T, h storeHarness) {
	ctx := context.Background()
	s := h.open(t)
	for _, id := range []string{"r1", "r2", "r3"} {
		r := newReq(id, "depta.example.ac.jp", "alice", "")
		if id == "r3" {
			r.Local = "other"
		}
		r.State = Queued
		if _, _, err := s.Insert(ctx, r, Entry{At: t0}, nil); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(id string) (Request, error) {
		return s.Claim(ctx, id, Entry{At: t0, Actor: "worker", Event: "claim"})
	}
	if r, err := claim("r1"); err != nil || r.State != Applying || r.Attempts != 1 {
		t.Fatalf("claim r1: %+v %v", r, err)
	}
	if _, err := claim("r2"); !errors.Is(err, ErrBusy) {
		t.Fatalf("r2 while r1 applies: %v, want ErrBusy", err)
	}
	if _, err := claim("r3"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if r, err := claim("r1"); err != nil || r.Attempts != 2 {
		t.Fatalf("resume r1: %+v %v", r, err)
	}
	if _, err := s.Update(ctx, "r1", moveTo(Failed, "worker"), nil); err != nil {
		t.Fatal(err)
	}
	if r, err := claim("r2"); err != nil || r.State != Applying {
		t.Fatalf("r2 after r1 ended: %+v %v", r, err)
	}
	if _, err := claim("r1"); !errors.Is(err, ErrTransition) {
		t.Fatalf("claim of a failed request: %v", err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
