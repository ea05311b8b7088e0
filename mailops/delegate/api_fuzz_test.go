package delegate

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// FuzzAPIRequestBodies drives the API (huma, in process) with arbitrary
// JSON bodies, path parameters and idempotency keys on every write: it never
// answers 5xx or panics, and every error is application/problem+json whose
// status is the reply's.
func FuzzAPIRequestBodies(f *testing.F) {
	w := sim.NewWall(1)
	cloud := fake.NewCloud(w, w.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("univ", fake.InstantTenantConfig())
	d := tenant.Driver("admin@univ.onmicrosoft.com")
	ctx := context.Background()
	if err := setupTenant(ctx, cloud, d); err != nil {
		f.Fatal(err)
	}
	st, _, err := OpenSQLite(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	client := mailops.NewClient(d, mailops.Options{Clock: w})
	svc := &Service{Store: st, Config: testConfig, Clock: w, Enqueue: func(Request) TxHook { return nil }}
	actors := map[string]Actor{"alice": adminA, "it": itDept}
	api := NewAPI(svc, client, func(r *http.Request) (Actor, error) {
		if a, ok := actors[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			return a, nil
		}
		return Actor{}, ErrUnauthenticated
	})
	// A request to approve, reject or cancel.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/v1/domains/depta.example.ac.jp/addresses", strings.NewReader(`{"local":"office","targets":["u1@example.ac.jp"]}`))
	req.Header.Set("Authorization", "Bearer alice")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "seed")
	api.ServeHTTP(rec, req)
	var created RequestView
	if rec.Code != http.StatusAccepted || json.Unmarshal(rec.Body.Bytes(), &created) != nil {
		f.Fatalf("seed request: %d %s", rec.Code, rec.Body)
	}

	f.Add(uint8(0), "depta.example.ac.jp", "lab", "k1", []byte(`{"local":"lab","targets":["u1@example.ac.jp","u2@example.ac.jp"]}`))
	f.Add(uint8(0), "depta.example.ac.jp", "", "k2", []byte(`{"local":"","targets":[]}`))
	f.Add(uint8(0), "deptb.example.ac.jp", "", "k3", []byte(`{"local":"x","targets":["not an address"]}`))
	f.Add(uint8(1), "depta.example.ac.jp", "office", "k4", []byte(`{"targets":["u2@example.ac.jp"]}`))
	f.Add(uint8(1), "depta.example.ac.jp", "office", "k5", []byte(`{"targets":null}`))
	f.Add(uint8(2), "", created.ID, "k6", []byte(`{"reason":"no"}`))
	f.Add(uint8(3), "", created.ID, "k7", []byte(`{}`))
	f.Add(uint8(4), "", created.ID, "k8", []byte(`[1,2,3]`))
	f.Add(uint8(5), "depta.example.ac.jp", "office", "k9", []byte(`{"local":"office"`))
	f.Add(uint8(0), "depta.example.ac.jp", "x", "", []byte("\x00\xff{"))
	f.Fuzz(func(t *testing.T, op uint8, domain, local, key string, body []byte) {
		// Empty path parameters and ones holding a slash make paths no
		// route matches: those get a problem+json 404 too.
		dom, loc := url.PathEscape(domain), url.PathEscape(local)
		if op&0x40 != 0 { // raw, slashes and all
			dom, loc = domain, local
		}
		var method, path string
		switch op % 6 {
		case 0:
			method, path = "POST", "/v1/domains/"+dom+"/addresses"
		case 1:
			method, path = "PUT", "/v1/domains/"+dom+"/addresses/"+loc+"/targets"
		case 2:
			method, path = "POST", "/v1/requests/"+loc+"/reject"
		case 3:
			method, path = "POST", "/v1/requests/"+loc+"/approve"
		case 4:
			method, path = "POST", "/v1/requests/"+loc+"/cancel"
		default:
			method, path = "DELETE", "/v1/domains/"+dom+"/addresses/"+loc
		}
		req, err := http.NewRequest(method, "http://api.test"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		who := "alice"
		if op&0x80 != 0 {
			who = "it"
		}
		req.Header.Set("Authorization", "Bearer "+who)
		req.Header.Set("Content-Type", "application/json")
		if key != "" && !strings.ContainsAny(key, "\r\n\x00") {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("%s %s %q: %d with Content-Type %q: %s", method, path, body, rec.Code, ct, rec.Body)
			}
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Code == "" {
				t.Fatalf("%s %s %q: %d, problem %+v (%v): %s", method, path, body, rec.Code, p, err, rec.Body)
			}
		}
	})
}
