package delegate

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// vworld is the service on a fake tenant in virtual time: the store, the
// intake, the applier (worked by sweeps), the replica's refresher, the API
// with a fixed table of actors, and mail flow as the tenant's mail view.
type vworld struct {
	s       *sim.Scheduler
	tenant  *fake.Tenant
	cloud   *fake.Cloud
	driver  mailops.Driver
	client  *mailops.Client
	store   *SQLStore
	svc     *Service
	applier *Applier
	replica *Refresher
	api     *API
	actors  map[string]Actor
	notes   []Request
}

// tenantMail is MailFlow over the fake tenant's mail view: what has
// propagated to transport.
type tenantMail struct{ t *fake.Tenant }

func (m tenantMail) MailGroup(_ context.Context, a mailops.Address) (mailops.Group, bool, error) {
	g, ok := m.t.MailView().Group(a)
	return g, ok, nil
}

func (m tenantMail) MailRecipient(_ context.Context, a mailops.Address) (mailops.Recipient, bool, error) {
	r, ok := m.t.MailView().Recipient(a)
	return r, ok, nil
}

type noteFunc func(ctx context.Context, r Request) error

func (f noteFunc) Notify(ctx context.Context, r Request) error { return f(ctx, r) }

var (
	employee = Actor{Subject: "emp", Email: "u2@example.ac.jp", Name: "Employee"}
	itAll    = Actor{Subject: "itall", Email: "u3@example.ac.jp", Domains: []string{"depta.example.ac.jp", "deptb.example.ac.jp", "example.ac.jp"}, Approver: true}
)

func newVWorld(t *testing.T, cfg fake.TenantConfig) *vworld {
	t.Helper()
	s := sim.New(11)
	t.Cleanup(s.Close)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("univ", cfg)
	d := tenant.Driver("service@univ.onmicrosoft.com")
	st, _, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "delegate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	client := mailops.NewClient(d, mailops.Options{Clock: s})
	w := &vworld{s: s, tenant: tenant, cloud: cloud, driver: d, client: client, store: st,
		actors: map[string]Actor{"alice": adminA, "it": itDept, "emp": employee, "itall": itAll}}
	notify := noteFunc(func(_ context.Context, r Request) error { w.notes = append(w.notes, r); return nil })
	w.replica = &Refresher{Store: st, Source: client, Config: testConfig, Clock: s, Interval: 5 * time.Minute}
	w.applier = &Applier{Store: st, Client: client, Config: testConfig, MailFlow: tenantMail{tenant}, Replica: w.replica, Notify: notify}
	w.svc = &Service{Store: st, Config: testConfig, Clock: s, Enqueue: func(Request) TxHook { return nil }, Notify: notify}
	w.api = NewAPI(w.svc, client, func(r *http.Request) (Actor, error) {
		if a, ok := w.actors[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			return a, nil
		}
		return Actor{}, ErrUnauthenticated
	})
	return w
}

// call makes an API call as who and decodes the answer into out (if not
// nil); it returns the status.
func (w *vworld) call(who, method, path string, body, out any, hdr ...string) int {
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req := httptest.NewRequest(method, path, &buf)
	req.Header.Set("Authorization", "Bearer "+who)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	w.api.ServeHTTP(rec, req)
	if out != nil {
		_ = json.Unmarshal(rec.Body.Bytes(), out)
	}
	return rec.Code
}

// run runs fn as a simulated process after the tenant's setup and two hours
// for it to propagate, and fails the test with fn's error.
func (w *vworld) run(t *testing.T, fn func(ctx context.Context) error) {
	t.Helper()
	ctx := context.Background()
	var err error
	w.s.Go(func() {
		if err = setupTenant(ctx, w.cloud, w.driver); err != nil {
			return
		}
		if err = w.s.Sleep(ctx, 2*time.Hour); err != nil {
			return
		}
		err = fn(ctx)
	})
	if rerr := w.s.Run(); rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// state reads request id's state.
func (w *vworld) state(ctx context.Context, id string) State {
	r, err := w.store.Get(ctx, id)
	if err != nil {
		return State("error: " + err.Error())
	}
	return r.State
}
