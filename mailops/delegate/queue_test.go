package delegate

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// stack is a service, its store and a running queue over a fake tenant.
type stack struct {
	svc   *Service
	store *SQLStore
	world *world
	notes *noteLog
}

// noteLog records notifications.
type noteLog struct {
	ch   chan Request
	also Notifier
}

func (n *noteLog) Notify(ctx context.Context, r Request) error {
	if n.also != nil {
		return n.also.Notify(ctx, r)
	}
	n.ch <- r
	return nil
}

type queueKind int

const (
	onSQLite queueKind = iota
	onPostgres
)

func newStack(t *testing.T, kind queueKind, cfg fake.TenantConfig) *stack {
	t.Helper()
	return newStackNotifying(t, kind, cfg, nil)
}

// newStackNotifying is newStack with notifications to n as well as to the
// stack's log.
func newStackNotifying(t *testing.T, kind queueKind, cfg fake.TenantConfig, n Notifier) *stack {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t, cfg, 2)
	notes := &noteLog{ch: make(chan Request, 256), also: n}
	var st *SQLStore
	a := &Applier{Client: w.client, Config: testConfig}
	var enqueue func(Request) TxHook
	var start, stop func(context.Context) error
	opts := QueueOptions{PollInterval: 20 * time.Millisecond, MaxAttempts: 3, Notifier: notes}
	var outbox func(Request) TxHook
	switch kind {
	case onSQLite:
		s, db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "delegate.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		st, a.Store = s, s
		q, err := NewSQLiteQueue(ctx, db, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		enqueue, start, stop, outbox = q.Enqueue, q.Start, q.Stop, q.Outbox()
	case onPostgres:
		pool := pgPool(t)
		s, err := OpenPostgres(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		st, a.Store = s, s
		q, err := NewPostgresQueue(ctx, pool, a, opts)
		if err != nil {
			t.Fatal(err)
		}
		enqueue, start, stop, outbox = q.Enqueue, q.Start, q.Stop, q.Outbox()
	}
	a.Outbox = outbox
	if err := start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = stop(sctx)
	})
	svc := &Service{Store: st, Config: testConfig, Clock: w.clock, Enqueue: enqueue, Outbox: outbox}
	return &stack{svc: svc, store: st, world: w, notes: notes}
}

// waitState waits until request id is in state want, waking at each commit
// of the store; a request that ends in another state fails the test.
func (s *stack) waitState(t *testing.T, id string, want State) Request {
	t.Helper()
	var r Request
	err := await(waitCtx(t), s.store.changed, func() bool {
		var err error
		if r, err = s.store.Get(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if r.State != want && r.State.Terminal() {
			t.Fatalf("request %s ended %s (%s), want %s", id, r.State, r.Reason, want)
		}
		return r.State == want
	})
	if err != nil {
		t.Fatalf("request %s is %s, not %s, after %s: %v", id, r.State, want, waitBound, err)
	}
	return r
}

var (
	adminA = Actor{Subject: "alice", Email: "alice@depta.example.ac.jp", Domains: []string{"depta.example.ac.jp"}}
	adminB = Actor{Subject: "bob", Email: "bob@deptb.example.ac.jp", Domains: []string{"deptb.example.ac.jp"}}
	itDept = Actor{Subject: "it", Email: "it@example.ac.jp", Domains: []string{"depta.example.ac.jp", "deptb.example.ac.jp"}, Approver: true}
)

func TestQueueSQLite(t *testing.T)   { queueSuite(t, onSQLite) }
func TestQueuePostgres(t *testing.T) { queueSuite(t, onPostgres) }

func queueSuite(t *testing.T, kind queueKind) {
	ctx := context.Background()
	lag := fake.TenantConfig{AdminLag: fake.AdminLag{Probability: 0.2, Lag: fake.Fixed(time.Hour)}}
	s := newStack(t, kind, lag)
	create := Request{Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office", Targets: people[:2], IdempotencyKey: "k1"}
	r, existing, err := s.svc.Submit(ctx, adminA, create)
	if err != nil || existing || r.State != AwaitingApproval {
		t.Fatalf("create: %+v %v %v", r, existing, err)
	}
	if again, existing, err := s.svc.Submit(ctx, adminA, create); err != nil || !existing || again.ID != r.ID {
		t.Fatalf("same Idempotency-Key: %+v %v %v", again, existing, err)
	}
	if _, err := s.svc.Approve(ctx, adminA, r.ID); !errors.Is(err, mailops.ErrForbidden) {
		t.Fatalf("self/non-IT approval: %v", err)
	}
	if got, err := s.svc.Approve(ctx, itDept, r.ID); err != nil || got.State != Queued {
		t.Fatalf("approve: %+v %v", got, err)
	}
	done := s.waitState(t, r.ID, Done)
	if g := s.world.group(create.Address()); g == nil || !slices.Equal(g.Members, people[:2]) || !slices.Equal(g.Owners, []mailops.Address{"admins@depta.example.ac.jp"}) {
		t.Fatalf("group after done: %+v", g)
	}
	if done.Attempts != 1 {
		t.Errorf("attempts %d", done.Attempts)
	}

	// An internal target change is auto-approved and queued at once; the
	// tenant throttles the first write and loses the reply of the second.
	s.world.tenant.InjectFault(fake.Fault{Op: "SetGroupMembers", Nth: 1, Kind: fake.FaultError,
		Err: &mailops.ThrottledError{Op: "SetGroupMembers", RetryAfter: 20 * time.Millisecond}})
	s.world.tenant.InjectFault(fake.Fault{Op: "SetGroupMembers", Nth: 2, Kind: fake.FaultReplyLost})
	rep, _, err := s.svc.Submit(ctx, adminA, Request{Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office", Targets: people[1:]})
	if err != nil || rep.State != Queued || rep.NeedsApproval {
		t.Fatalf("replace: %+v %v", rep, err)
	}
	s.waitState(t, rep.ID, Done)
	if g := s.world.group(create.Address()); g == nil || !slices.Equal(g.Members, people[1:]) {
		t.Fatalf("group after replace: %+v", g)
	}

	// A replace guarded by a membership that is no longer there fails
	// instead of clobbering.
	stale, _, err := s.svc.Submit(ctx, adminA, Request{Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office",
		Targets: people[:1], From: people[:2]})
	if err != nil {
		t.Fatal(err)
	}
	if f := s.waitState(t, stale.ID, Failed); !strings.Contains(f.Reason, "changed since the plan was made") {
		t.Fatalf("stale replace: %+v", f)
	}

	// Another domain's admin cannot touch depta; a delete needs IT and
	// can be cancelled before it is approved.
	if _, _, err := s.svc.Submit(ctx, adminB, Request{Kind: DeleteAddress, Domain: "depta.example.ac.jp", Local: "office"}); !errors.Is(err, mailops.ErrForbidden) {
		t.Fatalf("cross-domain: %v", err)
	}
	del, _, err := s.svc.Submit(ctx, adminA, Request{Kind: DeleteAddress, Domain: "depta.example.ac.jp", Local: "office"})
	if err != nil || del.State != AwaitingApproval {
		t.Fatalf("delete: %+v %v", del, err)
	}
	if c, err := s.svc.Cancel(ctx, adminA, del.ID); err != nil || c.State != Cancelled {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if _, err := s.svc.Approve(ctx, itDept, del.ID); !errors.Is(err, ErrTransition) {
		t.Fatalf("approve a cancelled request: %v", err)
	}
	if n, err := s.store.VerifyAudit(ctx); err != nil || n == 0 {
		t.Fatalf("audit: %d %v", n, err)
	}
	// Notifications: awaiting approval (create, delete), done (create,
	// replace), failed (stale).
	want := map[State]int{AwaitingApproval: 2, Done: 2, Failed: 1}
	got := map[State]int{}
	timeout := time.After(10 * time.Second)
	for n := 0; n < 5; n++ { // the notification jobs run after their commits
		select {
		case r := <-s.notes.ch:
			got[r.State]++
		case <-timeout:
			t.Fatalf("notifications so far %v, want %v", got, want)
		}
	}
	for st, n := range want {
		if got[st] != n {
			t.Errorf("%d notifications of %s, want %d (all: %v)", got[st], st, n, got)
		}
	}
	select {
	case r := <-s.notes.ch:
		t.Errorf("unexpected notification of %s %s", r.ID, r.State)
	case <-time.After(100 * time.Millisecond):
	}
}
