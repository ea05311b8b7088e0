package delegate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// loadConfig has five delegated domains.
func loadConfig(domains int) Config {
	c := Config{Internal: []string{"example.ac.jp"}}
	for i := range domains {
		d := fmt.Sprintf("dept%d.example.ac.jp", i)
		c.Domains = append(c.Domains, DomainConfig{Name: d, AdminGroup: mailops.Address("admins@" + d)})
		c.Internal = append(c.Internal, d)
	}
	return c
}

// maxInFlight is the most calls the tenant had in flight at once, from its
// call log (one sequence counter orders every start and end).
func maxInFlight(calls []fake.Call) int {
	type ev struct {
		seq   uint64
		delta int
	}
	evs := make([]ev, 0, 2*len(calls))
	for _, c := range calls {
		evs = append(evs, ev{c.StartSeq, 1}, ev{c.EndSeq, -1})
	}
	slices.SortFunc(evs, func(a, b ev) int { return int(a.seq) - int(b.seq) })
	cur, most := 0, 0
	for _, e := range evs {
		cur += e.delta
		most = max(most, cur)
	}
	return most
}

// runLoad sends admins*perAdmin create requests at once through the API of
// a service with a River queue on SQLite over a fake tenant with call
// latency, IT approving each, and waits until every request is terminal. It
// returns the tenant and the requests' final states.
func runLoad(tb testing.TB, admins, perAdmin, domains, maxSessions int) (*fake.Tenant, map[State]int) {
	tb.Helper()
	ctx := context.Background()
	cfg := loadConfig(domains)
	clk := sim.NewWall(3)
	cloud := fake.NewCloud(clk, clk.Rand("cloud"), fake.DefaultCloudConfig())
	// Each call takes 1-3 ms of real time inside the tenant, and the
	// tenant refuses (429) more than maxSessions concurrent calls of the
	// service's admin.
	tenant := cloud.NewTenant("univ", fake.TenantConfig{Latency: fake.Uniform(200*time.Microsecond, time.Millisecond), SessionLimit: maxSessions})
	d := tenant.Driver("service@univ.onmicrosoft.com")
	if err := setupTenantFor(ctx, cloud, d, cfg); err != nil {
		tb.Fatal(err)
	}
	setup := len(tenant.CallLog())
	client := mailops.NewClient(d, mailops.Options{Clock: clk, MaxSessions: maxSessions,
		Retry:       mailops.RetryOptions{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 5},
		Consistency: mailops.ConsistencyOptions{Reads: 2, Interval: time.Millisecond, Timeout: 5 * time.Second}})
	st, db, err := OpenSQLite(ctx, filepath.Join(tb.TempDir(), "delegate.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	ended := make(chan Request, admins*perAdmin*2)
	notes := noteFunc(func(_ context.Context, r Request) error {
		if r.State.Terminal() {
			ended <- r
		}
		return nil
	})
	// Done and failed are told directly after their commit (no
	// notification jobs: the queue works only the applies).
	a := &Applier{Store: st, Client: client, Config: cfg, Notify: notes}
	q, err := NewSQLiteQueue(ctx, db, a, QueueOptions{PollInterval: 2 * time.Millisecond, MaxAttempts: 5})
	if err != nil {
		tb.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
	})
	svc := &Service{Store: st, Config: cfg, Clock: clk, Enqueue: q.Enqueue, Notify: notes}
	actors := map[string]Actor{"it": {Subject: "it", Email: "it@example.ac.jp", Domains: slices.Clone(cfg.Internal), Approver: true}}
	for i := range admins {
		dom := cfg.Domains[i%domains].Name
		sub := fmt.Sprintf("admin%02d", i)
		actors[sub] = Actor{Subject: sub, Email: mailops.Address(sub + "@example.ac.jp"), Domains: []string{dom}}
	}
	api := NewAPI(svc, client, func(r *http.Request) (Actor, error) {
		if a, ok := actors[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			return a, nil
		}
		return Actor{}, ErrUnauthenticated
	})
	srv := httptest.NewServer(api)
	tb.Cleanup(srv.Close)
	// send is safe from any goroutine (no t.Fatal).
	send := func(method, path, who string, body any, key string) (int, []byte) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, srv.URL+path, rd)
		if err != nil {
			return 0, []byte(err.Error())
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+who)
		req.Header.Set("Idempotency-Key", key)
		res, err := srv.Client().Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	var wg sync.WaitGroup
	errs := make(chan error, admins*perAdmin)
	for i := range admins {
		sub := fmt.Sprintf("admin%02d", i)
		dom := actors[sub].Domains[0]
		wg.Go(func() {
			for j := range perAdmin {
				local := fmt.Sprintf("%s-%02d", sub, j)
				code, body := send("POST", "/v1/domains/"+dom+"/addresses", sub, map[string]any{"local": local, "targets": []string{string(people[j%len(people)])}}, "c-"+local)
				if code != 202 {
					errs <- fmt.Errorf("create %s: %d %s", local, code, body)
					return
				}
				var v RequestView
				if err := json.Unmarshal(body, &v); err != nil {
					errs <- err
					return
				}
				if code, body := send("POST", "/v1/requests/"+v.ID+"/approve", "it", nil, "a-"+local); code != 202 {
					errs <- fmt.Errorf("approve %s: %d %s", local, code, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	states := map[State]int{}
	deadline := time.After(2 * time.Minute) // a bound on the wait, not a pause
	for range admins * perAdmin {
		select {
		case r := <-ended:
			states[r.State]++
		case <-deadline:
			tb.Fatalf("only %v of %d requests ended", states, admins*perAdmin)
		}
	}
	calls := tenant.CallLog()[setup:]
	for _, c := range calls {
		if errors.Is(c.Err, mailops.ErrTooManySessions) {
			tb.Fatalf("the tenant refused a call for too many sessions: %+v", c)
		}
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		tb.Fatal(err)
	}
	return tenant, states
}

// TestLoadConcurrencyBound: 50 admins of five domains send 1,000 requests at
// once; the tenant never has more of the service's calls in flight than the
// Client's bound, and every request ends done. Under the race detector
// (CI's second pass) each admin sends 4 instead of 20, 200 in all: the same
// concurrency in a tenth of the time.
func TestLoadConcurrencyBound(t *testing.T) {
	const bound = 3
	per := 20
	if raceEnabled {
		per = 4
	}
	tenant, states := runLoad(t, 50, per, 5, bound)
	most := maxInFlight(tenant.CallLog())
	t.Logf("states %v; %d tenant calls; at most %d in flight (bound %d)", states, len(tenant.CallLog()), most, bound)
	if states[Done] != 50*per {
		t.Fatalf("final states %v, want %d done", states, 50*per)
	}
	if most > bound {
		t.Fatalf("the tenant saw %d calls in flight, more than the bound %d", most, bound)
	}
	if most < 2 {
		t.Fatalf("at most %d call in flight: the load did not exercise concurrency", most)
	}
}

// BenchmarkLoad is the bigger run: 100 admins of ten domains, 5,000
// requests per iteration.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		_, states := runLoad(b, 100, 50, 10, 5)
		if states[Done] != 5000 {
			b.Fatalf("final states %v", states)
		}
	}
}
