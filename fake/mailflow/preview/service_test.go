package preview

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// replicaBook answers the API's reads from the replica.
type replicaBook struct{ r delegate.Replica }

func (b replicaBook) GetGroup(_ context.Context, a mailops.Address) (mailops.Group, error) {
	if g, ok := b.r.Group(a); ok {
		return g, nil
	}
	return mailops.Group{}, mailops.ErrNotFound
}

func (b replicaBook) ListGroups(context.Context) ([]mailops.Group, error) { return b.r.Groups, nil }

// The service runs every request's plan in the simulator before approval:
// the approver reads the prediction in GET /v1/requests/{id} and in the
// audit log, and a predicted loss sends even an auto-approvable request to
// IT.
func TestServiceShowsPreview(t *testing.T) {
	ctx := context.Background()
	st, _, err := delegate.OpenSQLite(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep := replica()
	rep.At = mailops.WallClock{}.Now()
	if err := st.SyncReplica(ctx, rep, func(delegate.Replica, delegate.Replica) (delegate.Replica, []delegate.Entry, error) {
		return rep, nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	svc := &delegate.Service{Store: st, Config: cfg, Clock: mailops.WallClock{}, Previewer: Simulator{},
		Enqueue: func(delegate.Request) delegate.TxHook { return nil }}
	alice := delegate.Actor{Subject: "alice", Email: "u1@example.ac.jp", Domains: []string{"depta.example.ac.jp"}}
	it := delegate.Actor{Subject: "it", Email: "u3@example.ac.jp", Domains: []string{"depta.example.ac.jp"}, Approver: true}
	api := delegate.NewAPI(svc, replicaBook{rep}, func(r *http.Request) (delegate.Actor, error) {
		if strings.HasSuffix(r.Header.Get("Authorization"), "it") {
			return it, nil
		}
		return alice, nil
	})
	call := func(who, method, path string, body any, key string) delegate.RequestView {
		t.Helper()
		var buf bytes.Buffer
		if body != nil {
			_ = json.NewEncoder(&buf).Encode(body)
		}
		req := httptest.NewRequest(method, path, &buf)
		req.Header.Set("Authorization", "Bearer "+who)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		var v delegate.RequestView
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	read := func(id string) delegate.RequestView { return call("it", "GET", "/v1/requests/"+id, nil, "") }

	// A good replacement: simulated, no loss, approved by the rules.
	v := call("alice", "PUT", "/v1/domains/depta.example.ac.jp/addresses/office/targets", map[string]any{"targets": []string{"u2@example.ac.jp", "u3@example.ac.jp"}}, "r1")
	v = read(v.ID)
	if v.Preview == nil || !v.Preview.NoLoss || v.Preview.Sent == 0 || v.Status != delegate.Queued || v.NeedsApproval {
		t.Fatalf("good replace: %s %+v", v.Status, v.Preview)
	}
	// The same kind of request, auto-approvable, whose target does not
	// exist: the preview predicts the failure, and IT decides.
	v = call("alice", "PUT", "/v1/domains/depta.example.ac.jp/addresses/solo/targets", map[string]any{"targets": []string{"ghost@example.ac.jp"}}, "r2")
	v = read(v.ID)
	if v.Preview == nil || v.Preview.NoLoss || v.Preview.PlanError == "" || v.Status != delegate.AwaitingApproval || !v.NeedsApproval {
		t.Fatalf("replace to a nonexistent mailbox: %s %+v", v.Status, v.Preview)
	}
	// A new address with a good target: no loss, but a create needs IT.
	v = call("alice", "POST", "/v1/domains/depta.example.ac.jp/addresses", map[string]any{"local": "lab", "targets": []string{"u3@example.ac.jp"}}, "c1")
	if v.Preview == nil || !v.Preview.NoLoss || v.Status != delegate.AwaitingApproval {
		t.Fatalf("good create: %s %+v", v.Status, v.Preview)
	}
	// A deletion while mail flows: the bounces, with the reason.
	v = call("alice", "DELETE", "/v1/domains/depta.example.ac.jp/addresses/office", nil, "d1")
	if v.Preview == nil || v.Preview.NoLoss || len(v.Preview.Losses) == 0 || v.Preview.Losses[0].Class != "bounced" ||
		v.Preview.Losses[0].Address != "office@depta.example.ac.jp" || !strings.HasPrefix(v.Preview.Losses[0].Reason, "550 ") {
		t.Fatalf("delete: %s %+v", v.Status, v.Preview)
	}
	// The audit log records each prediction with the move to simulated.
	es, err := st.Audit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var sims []string
	for _, e := range es {
		if e.To == delegate.Simulated {
			sims = append(sims, e.Detail)
		}
	}
	if len(sims) != 4 || !strings.Contains(sims[0], "no mail lost") || !strings.Contains(sims[1], "the plan fails") ||
		!strings.Contains(sims[3], "bounced to office@depta.example.ac.jp: 550") {
		t.Fatalf("simulated entries: %q", sims)
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}
