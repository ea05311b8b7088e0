package delegate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// A tenant whose admin reads show a change at once but whose transport
// takes 30 minutes to see it: the request is converged, not done, until
// mail flow resolves the address to its targets.
func TestDoneWaitsForMailFlow(t *testing.T) {
	cfg := fake.TenantConfig{}
	cfg.Propagation.Group = fake.Fixed(30 * time.Minute)
	w := newVWorld(t, cfg)
	w.run(t, func(ctx context.Context) error {
		var v RequestView
		if code := w.call("alice", "POST", "/v1/domains/depta.example.ac.jp/addresses",
			map[string]any{"local": "office", "targets": []string{"u1@example.ac.jp"}}, &v, "Idempotency-Key", "c1"); code != 202 {
			return fmt.Errorf("create: %d", code)
		}
		if code := w.call("it", "POST", "/v1/requests/"+v.ID+"/approve", nil, nil, "Idempotency-Key", "a1"); code != 202 {
			return fmt.Errorf("approve: %d", code)
		}
		start := w.s.Now()
		if _, err := w.applier.Sweep(ctx); err != nil {
			return err
		}
		if st := w.state(ctx, v.ID); st != Converged {
			return fmt.Errorf("after the apply (%s in): %s, want converged while mail flow lags", w.s.Now().Sub(start), st)
		}
		if _, seen := w.tenant.MailView().Group("office@depta.example.ac.jp"); seen {
			return fmt.Errorf("the test's premise: mail flow should not see the group yet")
		}
		for w.s.Now().Sub(start) < 25*time.Minute {
			if err := w.s.Sleep(ctx, 5*time.Minute); err != nil {
				return err
			}
			if _, err := w.applier.Sweep(ctx); err != nil {
				return err
			}
			if st := w.state(ctx, v.ID); st != Converged {
				return fmt.Errorf("%s after the apply, mail flow still lagging: %s, want converged", w.s.Now().Sub(start), st)
			}
		}
		if err := w.s.Sleep(ctx, 6*time.Minute); err != nil {
			return err
		}
		if _, err := w.applier.Sweep(ctx); err != nil {
			return err
		}
		if st := w.state(ctx, v.ID); st != Done {
			return fmt.Errorf("%s after the apply, mail flow caught up: %s, want done", w.s.Now().Sub(start), st)
		}
		es, err := w.store.Audit(ctx, 0, 1000)
		if err != nil {
			return err
		}
		last := es[len(es)-1]
		if last.To != Done || !strings.Contains(last.Detail, "mail flow resolves office@depta.example.ac.jp to [u1@example.ac.jp]") {
			return fmt.Errorf("done's audit entry: %+v", last)
		}
		return nil
	})
}

// A change made in the admin center, behind the service's back, shows as
// one drift entry (old and new) in the audit log and the API, however many
// periodic refreshes see it; the service's own change is not drift.
func TestDriftRecordedOnce(t *testing.T) {
	w := newVWorld(t, fake.TenantConfig{})
	office := mailops.Address("office@depta.example.ac.jp")
	w.run(t, func(ctx context.Context) error {
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		w.s.Go(func() { _ = w.replica.Run(rctx) })
		if err := w.s.Sleep(ctx, time.Minute); err != nil {
			return err
		}
		var v RequestView
		if code := w.call("alice", "POST", "/v1/domains/depta.example.ac.jp/addresses",
			map[string]any{"local": "office", "targets": []string{"u1@example.ac.jp"}}, &v, "Idempotency-Key", "c1"); code != 202 {
			return fmt.Errorf("create: %d", code)
		}
		w.call("it", "POST", "/v1/requests/"+v.ID+"/approve", nil, nil, "Idempotency-Key", "a1")
		if _, err := w.applier.Sweep(ctx); err != nil {
			return err
		}
		if st := w.state(ctx, v.ID); st != Done {
			return fmt.Errorf("create: %s", st)
		}
		if err := w.s.Sleep(ctx, 12*time.Minute); err != nil { // two periodic refreshes
			return err
		}
		var drift []DriftEntry
		if code := w.call("alice", "GET", "/v1/domains/depta.example.ac.jp/drift", nil, &drift); code != 200 || len(drift) != 0 {
			return fmt.Errorf("the service's own change taken for drift: %d %+v", code, drift)
		}
		// The admin center: someone replaces the members directly.
		admin := w.tenant.Driver("someone@univ.onmicrosoft.com")
		if err := admin.SetGroupMembers(ctx, office, []mailops.Address{"u3@example.ac.jp"}); err != nil {
			return err
		}
		if err := w.s.Sleep(ctx, 30*time.Minute); err != nil { // six refreshes see it
			return err
		}
		if code := w.call("alice", "GET", "/v1/domains/depta.example.ac.jp/drift", nil, &drift); code != 200 || len(drift) != 1 {
			return fmt.Errorf("drift after the admin center's change: %d %+v, want exactly one entry", code, drift)
		}
		d := drift[0].Drift
		if d.Address != office || d.Change != "changed" || !strings.Contains(d.Old, "members=[u1@example.ac.jp]") || !strings.Contains(d.New, "members=[u3@example.ac.jp]") {
			return fmt.Errorf("drift entry %+v", d)
		}
		if code := w.call("alice", "GET", "/v1/domains/deptb.example.ac.jp/drift", nil, nil); code != 403 {
			return fmt.Errorf("another domain's drift: %d, want 403", code)
		}
		var page AuditPage
		if code := w.call("it", "GET", "/v1/audit?limit=1000", nil, &page); code != 200 {
			return fmt.Errorf("audit export: %d", code)
		}
		n := 0
		for _, e := range page.Entries {
			if e.Event == "drift" {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("audit export holds %d drift entries, want 1", n)
		}
		var rep Replica
		if code := w.call("alice", "GET", "/v1/domains/depta.example.ac.jp/replica", nil, &rep); code != 200 {
			return fmt.Errorf("replica: %d", code)
		}
		if g, ok := rep.Group(office); !ok || len(g.Members) != 1 || g.Members[0] != "u3@example.ac.jp" {
			return fmt.Errorf("replica's office: %+v", rep.Groups)
		}
		return nil
	})
}
