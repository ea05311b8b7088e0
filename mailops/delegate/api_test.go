package delegate

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

type apiEnv struct {
	*stack
	iss *issuer
	srv *httptest.Server
	api *API
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	return newAPIEnvNotifying(t, nil)
}

func newAPIEnvNotifying(t *testing.T, n Notifier) *apiEnv {
	t.Helper()
	s := newStackNotifying(t, onSQLite, fake.InstantTenantConfig(), n)
	iss := newIssuer(t)
	auth, err := NewAuthenticator(context.Background(), iss.srv.URL, audience, testConfig, mailops.WallClock{})
	if err != nil {
		t.Fatal(err)
	}
	api := NewAPI(s.svc, s.world.client, auth.Authenticate)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &apiEnv{stack: s, iss: iss, srv: srv, api: api}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (e *apiEnv) do(t *testing.T, token, method, path string, body any, hdr map[string]string) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func (r resp) problemCode(t *testing.T) string {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("not a problem: %s", r.body)
	}
	return p.Code
}

func (r resp) request(t *testing.T) RequestView {
	t.Helper()
	var v RequestView
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("not a request: %s", r.body)
	}
	return v
}

// waitStatus waits until the API shows request id in state want, reading it
// again at each commit of the store.
func (e *apiEnv) waitStatus(t *testing.T, token, id string, want State) RequestView {
	t.Helper()
	var v RequestView
	err := await(waitCtx(t), e.store.changed, func() bool {
		r := e.do(t, token, "GET", "/v1/requests/"+id, nil, nil)
		if r.status != 200 {
			t.Fatalf("GET request: %d %s", r.status, r.body)
		}
		v = r.request(t)
		if v.Status != want && v.Status.Terminal() {
			t.Fatalf("request %s ended %s (%s), want %s", id, v.Status, v.Reason, want)
		}
		return v.Status == want
	})
	if err != nil {
		t.Fatalf("request %s is %s, not %s, after %s: %v", id, v.Status, want, waitBound, err)
	}
	return v
}

func TestAPIFlow(t *testing.T) {
	e := newAPIEnv(t)
	alice := e.iss.token(t, "alice", "alice@depta.example.ac.jp", []string{RoleAdminPrefix + "depta.example.ac.jp"}, nil)
	bob := e.iss.token(t, "bob", "bob@deptb.example.ac.jp", []string{RoleAdminPrefix + "deptb.example.ac.jp"}, nil)
	it := e.iss.token(t, "it", "it@example.ac.jp", []string{RoleAdminPrefix + "depta.example.ac.jp", RoleAdminPrefix + "deptb.example.ac.jp", RoleApprover}, nil)

	me := e.do(t, alice, "GET", "/v1/me", nil, nil)
	var actor Actor
	if err := json.Unmarshal(me.body, &actor); me.status != 200 || err != nil || actor.Subject != "alice" || len(actor.Domains) != 1 || actor.Approver {
		t.Fatalf("me: %d %s", me.status, me.body)
	}

	create := map[string]any{"local": "office", "targets": []string{"u1@example.ac.jp", "u2@example.ac.jp"}}
	key := map[string]string{"Idempotency-Key": "c1"}
	r := e.do(t, alice, "POST", "/v1/domains/depta.example.ac.jp/addresses", create, key)
	if r.status != 202 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	v := r.request(t)
	if r.header.Get("Location") != "/v1/requests/"+v.ID || v.Status != AwaitingApproval || !strings.Contains(v.PowerShell, "New-DistributionGroup") {
		t.Fatalf("create answer: %s %+v", r.header.Get("Location"), v)
	}
	if again := e.do(t, alice, "POST", "/v1/domains/depta.example.ac.jp/addresses", create, key); again.status != 202 || again.request(t).ID != v.ID {
		t.Fatalf("repeat with the same key: %d %s (first %s)", again.status, again.body, v.ID)
	}
	if r := e.do(t, alice, "POST", "/v1/domains/depta.example.ac.jp/addresses", create, nil); r.status != 422 || r.problemCode(t) != "invalid" {
		t.Fatalf("no Idempotency-Key: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	for _, c := range []struct {
		token, method, path string
		status              int
		code                string
	}{
		{"", "GET", "/v1/me", 401, "unauthenticated"},
		{"garbage", "GET", "/v1/me", 401, "unauthenticated"},
		{bob, "GET", "/v1/domains/depta.example.ac.jp/addresses", 403, "forbidden"},
		{bob, "GET", "/v1/requests/" + v.ID, 403, "forbidden"},
		{bob, "POST", "/v1/requests/" + v.ID + "/approve", 403, "forbidden"},
		{alice, "POST", "/v1/requests/" + v.ID + "/approve", 403, "forbidden"},
		{alice, "GET", "/v1/requests/nope", 404, "not_found"},
	} {
		got := e.do(t, c.token, c.method, c.path, nil, key)
		if got.status != c.status || got.problemCode(t) != c.code || !strings.HasPrefix(got.header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s as %.8s: %d %s %s, want %d %s", c.method, c.path, c.token, got.status, got.header.Get("Content-Type"), got.body, c.status, c.code)
		}
	}
	if r := e.do(t, it, "POST", "/v1/requests/"+v.ID+"/approve", nil, key); r.status != 202 || r.request(t).Status != Queued {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if r := e.do(t, it, "POST", "/v1/requests/"+v.ID+"/approve", nil, key); r.status != 202 {
		t.Fatalf("approve again: %d %s", r.status, r.body)
	}
	done := e.waitStatus(t, alice, v.ID, Done)
	if done.Attempts != 1 || done.DecidedBy != "it" {
		t.Fatalf("done: %+v", done)
	}

	got := e.do(t, alice, "GET", "/v1/domains/depta.example.ac.jp/addresses/office", nil, nil)
	var addr AddressView
	if err := json.Unmarshal(got.body, &addr); got.status != 200 || err != nil || got.header.Get("ETag") != addr.ETag || len(addr.Targets) != 2 {
		t.Fatalf("get address: %d %s", got.status, got.body)
	}
	list := e.do(t, alice, "GET", "/v1/domains/depta.example.ac.jp/addresses", nil, nil)
	var all []AddressView
	if err := json.Unmarshal(list.body, &all); err != nil || len(all) != 1 || all[0].Local != "office" {
		t.Fatalf("list: %s", list.body)
	}

	put := map[string]any{"targets": []string{"u3@example.ac.jp"}}
	if r := e.do(t, alice, "PUT", "/v1/domains/depta.example.ac.jp/addresses/office/targets", put,
		map[string]string{"Idempotency-Key": "p1", "If-Match": `"0000000000000000"`}); r.status != 412 || r.problemCode(t) != "precondition_failed" {
		t.Fatalf("stale If-Match: %d %s", r.status, r.body)
	}
	r = e.do(t, alice, "PUT", "/v1/domains/depta.example.ac.jp/addresses/office/targets", put,
		map[string]string{"Idempotency-Key": "p2", "If-Match": addr.ETag})
	if r.status != 202 || r.request(t).NeedsApproval {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	e.waitStatus(t, alice, r.request(t).ID, Done)
	if g := e.world.group("office@depta.example.ac.jp"); g == nil || len(g.Members) != 1 || g.Members[0] != "u3@example.ac.jp" {
		t.Fatalf("tenant after replace: %+v", g)
	}

	del := e.do(t, alice, "DELETE", "/v1/domains/depta.example.ac.jp/addresses/office", nil, map[string]string{"Idempotency-Key": "d1"})
	if del.status != 202 || del.request(t).Status != AwaitingApproval {
		t.Fatalf("delete: %d %s", del.status, del.body)
	}
	rej := e.do(t, it, "POST", "/v1/requests/"+del.request(t).ID+"/reject", map[string]string{"reason": "still in use"}, key)
	if rej.status != 202 || rej.request(t).Status != Rejected || rej.request(t).Reason != "still in use" {
		t.Fatalf("reject: %d %s", rej.status, rej.body)
	}
	if r := e.do(t, alice, "POST", "/v1/requests/"+del.request(t).ID+"/cancel", nil, key); r.status != 409 || r.problemCode(t) != "illegal_transition" {
		t.Fatalf("cancel a rejected request: %d %s", r.status, r.body)
	}
	if n, err := e.store.VerifyAudit(context.Background()); err != nil || n < 10 {
		t.Fatalf("audit: %d %v", n, err)
	}
	if r := e.do(t, alice, "GET", "/v1/audit", nil, nil); r.status != 403 || r.problemCode(t) != "forbidden" {
		t.Fatalf("audit as a department admin: %d %s", r.status, r.body)
	}
	var page AuditPage
	r = e.do(t, it, "GET", "/v1/audit?after=2&limit=3", nil, nil)
	if err := json.Unmarshal(r.body, &page); r.status != 200 || err != nil || len(page.Entries) != 3 || page.Entries[0].Seq != 3 || page.Next != 5 {
		t.Fatalf("audit page: %d %s", r.status, r.body)
	}
	// A domain-B approver sees none of domain A's entries.
	itB := e.iss.token(t, "itb", "itb@example.ac.jp", []string{RoleAdminPrefix + "deptb.example.ac.jp", RoleApprover}, nil)
	r = e.do(t, itB, "GET", "/v1/audit?limit=1000", nil, nil)
	if err := json.Unmarshal(r.body, &page); r.status != 200 || err != nil || len(page.Entries) != 0 || page.Next < 10 {
		t.Fatalf("audit for domain B: %d %s", r.status, r.body)
	}
}

func TestAuthenticatorRefusesBadTokens(t *testing.T) {
	iss := newIssuer(t)
	auth, err := NewAuthenticator(context.Background(), iss.srv.URL, audience, testConfig, mailops.WallClock{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	roles := []string{RoleAdminPrefix + "depta.example.ac.jp", RoleAdminPrefix + "elsewhere.example"}
	good := iss.token(t, "alice", "alice@depta.example.ac.jp", roles, nil)
	bad := map[string]string{
		"expired":      iss.token(t, "alice", "", roles, map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}),
		"wrong aud":    iss.token(t, "alice", "", roles, map[string]any{"aud": "api://other"}),
		"wrong issuer": iss.token(t, "alice", "", roles, map[string]any{"iss": "https://evil.example"}),
		"wrong key":    iss.sign(t, map[string]any{"iss": iss.srv.URL, "aud": audience, "sub": "alice", "exp": time.Now().Add(time.Hour).Unix()}, other),
		"no subject":   iss.token(t, "", "", roles, nil),
	}
	req := func(tok string) *http.Request {
		r := httptest.NewRequest("GET", "/v1/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}
	a, err := auth.Authenticate(req(good))
	if err != nil || a.Subject != "alice" || len(a.Domains) != 1 || a.Domains[0] != "depta.example.ac.jp" || a.Email != "alice@depta.example.ac.jp" {
		t.Fatalf("good token: %+v %v (an undelegated domain's role must be dropped)", a, err)
	}
	for name, tok := range bad {
		if _, err := auth.Authenticate(req(tok)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A path no operation serves answers problem+json like every other error:
// 404, or 405 with Allow when the path exists for other methods.
func TestNoRouteIsAProblem(t *testing.T) {
	e := newAPIEnv(t)
	alice := e.iss.token(t, "alice", "alice@depta.example.ac.jp", []string{RoleAdminPrefix + "depta.example.ac.jp"}, nil)
	for _, c := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/nowhere", 404, "not_found"},
		{"GET", "/v1/domains//addresses", 404, "not_found"},
		{"PATCH", "/v1/me", 405, "invalid"},
	} {
		r := e.do(t, alice, c.method, c.path, nil, nil)
		if r.status != c.status || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s %q", c.method, c.path, r.status, r.header.Get("Content-Type"), r.body)
			continue
		}
		var p Problem
		if err := json.Unmarshal(r.body, &p); err != nil || p.Code != c.code || p.Status != c.status {
			t.Errorf("%s %s: problem %+v (%v)", c.method, c.path, p, err)
		}
		if c.status == 405 && !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("%s %s: Allow %q", c.method, c.path, r.header.Get("Allow"))
		}
	}
}
