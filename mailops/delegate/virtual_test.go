package delegate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// TestEndToEndVirtualTime: API -> store -> the applier's sweep (the queue's
// work on the virtual clock; River runs on the wall clock) -> Client -> a fake
// tenant whose admin reads lag ten minutes a third of the time -> done once
// reads show the change three times in a row. Authentication is a fixed
// table here (OIDC is TestAPIFlow's).
func TestEndToEndVirtualTime(t *testing.T) {
	s := sim.New(7)
	defer s.Close()
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.TenantConfig{AdminLag: fake.AdminLag{Probability: 0.33, Lag: fake.Fixed(10 * time.Minute)}}
	cfg.Propagation.Group = fake.Fixed(30 * time.Minute)
	tenant := cloud.NewTenant("univ", cfg)
	d := tenant.Driver("admin@univ.onmicrosoft.com")
	ctx := context.Background()
	st, _, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "delegate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client := mailops.NewClient(d, mailops.Options{Clock: s}) // defaults: 3 reads 2 s apart, 5 min timeout
	a := &Applier{Store: st, Client: client, Config: testConfig}
	svc := &Service{Store: st, Config: testConfig, Clock: s, Enqueue: func(Request) TxHook { return nil }}
	actors := map[string]Actor{"alice": adminA, "it": itDept}
	api := NewAPI(svc, client, func(r *http.Request) (Actor, error) {
		if a, ok := actors[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			return a, nil
		}
		return Actor{}, ErrUnauthenticated
	})
	call := func(who, method, path string, body any, hdr ...string) (int, RequestView) {
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
		api.ServeHTTP(rec, req)
		var v RequestView
		_ = json.Unmarshal(rec.Body.Bytes(), &v)
		return rec.Code, v
	}
	// until sweeps every virtual minute until request id is done.
	until := func(id string) (time.Duration, error) {
		start := s.Now()
		for range 60 {
			if _, err := a.Sweep(ctx); err != nil {
				return 0, err
			}
			r, err := st.Get(ctx, id)
			if err != nil {
				return 0, err
			}
			if r.State == Done {
				return s.Now().Sub(start), nil
			}
			if r.State.Terminal() {
				return 0, fmt.Errorf("request %s ended %s: %s", id, r.State, r.Reason)
			}
			if err := s.Sleep(ctx, time.Minute); err != nil {
				return 0, err
			}
		}
		return 0, fmt.Errorf("request %s not done after an hour", id)
	}
	var failure error
	fail := func(format string, args ...any) { failure = fmt.Errorf(format, args...) }
	office := mailops.Address("office@depta.example.ac.jp")
	s.Go(func() {
		if err := setupTenant(ctx, cloud, d); err != nil {
			fail("setup: %v", err)
			return
		}
		_ = s.Sleep(ctx, 15*time.Minute) // past the setup's lag
		code, v := call("alice", "POST", "/v1/domains/depta.example.ac.jp/addresses",
			map[string]any{"local": "office", "targets": []string{"u1@example.ac.jp", "u2@example.ac.jp"}}, "Idempotency-Key", "c1")
		if code != 202 || v.Status != AwaitingApproval {
			fail("create: %d %+v", code, v)
			return
		}
		if code, v = call("it", "POST", "/v1/requests/"+v.ID+"/approve", nil, "Idempotency-Key", "a1"); code != 202 || v.Status != Queued {
			fail("approve: %d %+v", code, v)
			return
		}
		took, err := until(v.ID)
		if err != nil {
			fail("create: %v", err)
			return
		}
		t.Logf("create done after %s of virtual time", took)
		_ = s.Sleep(ctx, 15*time.Minute)
		code, v = call("alice", "PUT", "/v1/domains/depta.example.ac.jp/addresses/office/targets",
			map[string]any{"targets": []string{"u2@example.ac.jp", "u3@example.ac.jp"}}, "Idempotency-Key", "p1")
		if code != 202 || v.Status != Queued {
			fail("replace: %d %+v", code, v)
			return
		}
		if took, err = until(v.ID); err != nil {
			fail("replace: %v", err)
			return
		}
		t.Logf("replace done after %s of virtual time", took)
		if _, seen := tenant.MailView().Group(office); !seen {
			_ = s.Sleep(ctx, 31*time.Minute)
		}
		g, seen := tenant.MailView().Group(office)
		if !seen || !slices.Equal(g.Members, []mailops.Address{"u2@example.ac.jp", "u3@example.ac.jp"}) {
			fail("mail flow after propagation: %v %+v", seen, g)
		}
	})
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if failure != nil {
		t.Fatal(failure)
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// setupTenant gives the tenant the test config's domains, people and admin
// groups.
func setupTenant(ctx context.Context, cloud *fake.Cloud, d mailops.Driver) error {
	return setupTenantFor(ctx, cloud, d, testConfig)
}

// setupTenantFor gives the tenant cfg's domains, the people and cfg's admin
// groups.
func setupTenantFor(ctx context.Context, cloud *fake.Cloud, d mailops.Driver, cfg Config) error {
	for _, dom := range cfg.Internal {
		got, err := d.AddDomain(ctx, dom)
		if err != nil {
			return err
		}
		cloud.PublishProof(dom, got.VerificationRecords[0].Value)
		if _, err := d.VerifyDomain(ctx, dom); err != nil {
			return err
		}
		if err := d.EnableEmail(ctx, dom); err != nil {
			return err
		}
	}
	for _, p := range people {
		if err := d.CreateRecipient(ctx, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: p.Local()}); err != nil {
			return err
		}
	}
	for _, dc := range cfg.Domains {
		g := mailops.Group{PrimaryAddress: dc.AdminGroup, Type: mailops.Security, Name: string(dc.AdminGroup),
			Members: []mailops.Address{people[0]}, Owners: []mailops.Address{people[0]}}
		if err := d.CreateGroup(ctx, g); err != nil {
			return err
		}
	}
	return nil
}
