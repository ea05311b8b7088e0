package delegate

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/delegate.openapi.json from the API")

const openapiFile = "../../docs/delegate.openapi.json"

// TestOpenAPICommitted checks that the served OpenAPI 3.1 document is the
// committed one (go test -run TestOpenAPICommitted -update rewrites it).
func TestOpenAPICommitted(t *testing.T) {
	e := newAPIEnv(t)
	res, err := http.Get(e.srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	served, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /openapi.json: %d %v", res.StatusCode, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(served, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v, want 3.1.0", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/v1/me", "/v1/domains/{domain}/addresses", "/v1/domains/{domain}/addresses/{local}",
		"/v1/domains/{domain}/addresses/{local}/targets", "/v1/requests/{id}", "/v1/requests/{id}/approve",
		"/v1/requests/{id}/reject", "/v1/requests/{id}/cancel", "/v1/audit",
		"/v1/me/display-name", "/v1/groups/{group}/membership-requests", "/v1/domains/{domain}/drift", "/v1/domains/{domain}/replica"} {
		if paths[p] == nil {
			t.Errorf("path %s missing", p)
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, served, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile(filepath.FromSlash(openapiFile), pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(filepath.FromSlash(openapiFile))
	if err != nil {
		t.Fatalf("%v (run go test ./mailops/delegate -run TestOpenAPICommitted -update)", err)
	}
	if !bytes.Equal(committed, pretty.Bytes()) {
		t.Fatalf("%s differs from the served document; run go test ./mailops/delegate -run TestOpenAPICommitted -update", openapiFile)
	}
}
