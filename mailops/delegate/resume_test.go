package delegate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// A crash between the intake's transactions leaves requests short of the
// queue; Resume takes them on, and the queue applies them.
func TestResumeAfterIntakeCrash(t *testing.T) {
	s := newStack(t, onSQLite, fake.InstantTenantConfig())
	ctx := context.Background()
	r := Request{ID: "crashed", Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office", Targets: people[:1],
		Submitter: "alice", State: Submitted, NeedsApproval: false, CreatedAt: t0, UpdatedAt: t0}
	if _, _, err := s.store.Insert(ctx, r, Entry{At: t0, Actor: "alice", Event: "submit"}, nil); err != nil {
		t.Fatal(err)
	}
	a := r
	a.ID, a.State, a.Local = "approved", Submitted, "lab"
	if _, _, err := s.store.Insert(ctx, a, Entry{At: t0}, nil); err != nil {
		t.Fatal(err)
	}
	for _, to := range []State{Validated, Simulated, AwaitingApproval, Approved} {
		if _, err := s.store.Update(ctx, "approved", moveTo(to, "it"), nil); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.svc.Resume(ctx)
	if err != nil || n != 2 {
		t.Fatalf("resume: %d %v", n, err)
	}
	s.waitState(t, "crashed", Done)
	s.waitState(t, "approved", Done)
	if n, err := s.svc.Resume(ctx); err != nil || n != 0 {
		t.Fatalf("second resume: %d %v", n, err)
	}
}

// A tenant that keeps throttling past the Client's retries snoozes the job
// for the Retry-After instead of failing the request.
func TestApplySnoozesOnRetryAfter(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig(), 1)
	st, _, err := OpenSQLite(context.Background(), t.TempDir()+"/d.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r := Request{ID: "r1", Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office", Targets: people[:1],
		Submitter: "alice", State: Queued, CreatedAt: t0, UpdatedAt: t0}
	if _, _, err := st.Insert(ctx, r, Entry{At: t0}, nil); err != nil {
		t.Fatal(err)
	}
	// The Client waits through 8 throttles per attempt (3 attempts), then
	// gives up: 27 refusals.
	for i := 1; i <= 27; i++ {
		w.tenant.InjectFault(fake.Fault{Op: "CreateGroup", Nth: i, Kind: fake.FaultError,
			Err: &mailops.ThrottledError{Op: "CreateGroup", RetryAfter: 7 * time.Millisecond}})
	}
	a := &Applier{Store: st, Client: w.client, Config: testConfig}
	err = a.Apply(ctx, "r1", false)
	var sn *SnoozeError
	if !errors.As(err, &sn) || sn.For != 7*time.Millisecond {
		t.Fatalf("apply under throttling: %v, want a snooze for the Retry-After", err)
	}
	if got, _ := st.Get(ctx, "r1"); got.State != Applying || got.Attempts != 1 {
		t.Fatalf("after the snooze: %s, %d attempts", got.State, got.Attempts)
	}
	if err := a.Apply(ctx, "r1", false); err != nil { // the run after the snooze resumes and converges
		t.Fatal(err)
	}
	if got, _ := st.Get(ctx, "r1"); got.State != Done || got.Attempts != 2 {
		t.Fatalf("after the retry: %s, %d attempts", got.State, got.Attempts)
	}
	if err := a.Apply(ctx, "r1", false); err != nil { // a duplicate run of a done request does nothing
		t.Fatal(err)
	}
	if g := w.group("office@depta.example.ac.jp"); g == nil {
		t.Fatal("group not created")
	}
}
