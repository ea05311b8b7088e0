package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/graphserver"
)

// switchHandler serves through one of two handlers.
type switchHandler struct {
	useB atomic.Bool
	a, b http.Handler
}

func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.useB.Load() {
		s.b.ServeHTTP(w, r)
		return
	}
	s.a.ServeHTTP(w, r)
}

// TestExportResumesAfterAFailure: a phase that fails leaves the phases
// before it written with their cursor; running export again reads only what
// is left and completes the snapshot.
func TestExportResumesAfterAFailure(t *testing.T) {
	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	require.NoError(t, err)
	g, err := newFakeGraph(context.Background(), sf, 1, "")
	require.NoError(t, err)
	failing := graphserver.New(g.Tenant.Driver("admin"), graphserver.Options{})
	// every read of the groups fails as an expired token does
	failing.InjectFault(graphserver.Fault{Match: "Get-DistributionGroup", Kind: graphserver.ExpiredToken, Count: 1 << 20})
	healthy := graphserver.New(g.Tenant.Driver("admin"), graphserver.Options{})
	sw := &switchHandler{a: failing, b: healthy}
	url, stop, err := serveFake(g, sw)
	require.NoError(t, err)
	defer stop()

	out := filepath.Join(t.TempDir(), "snap.yaml")
	code, _, stderr := run(t, "export", "--graph", url, "-o", out)
	require.Equal(t, exitError, code, stderr)
	assert.Contains(t, stderr, "run export again to continue")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(data), "complete: false")
	assert.Contains(t, string(data), "- recipients")
	assert.NotContains(t, string(data), "- groups")

	assert.Contains(t, strings.Join(failing.Requests(), "\n"), "GET /v1.0/domains", "the first run listed the domains")
	sw.useB.Store(true)
	code, _, stderr = run(t, "export", "--graph", url, "-o", out)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "export 1/6 domains: read earlier")
	assert.Contains(t, stderr, "export 2/6 recipients: read earlier")
	assert.Contains(t, stderr, "export 3/6 groups: 0")
	for _, r := range healthy.Requests() {
		assert.False(t, strings.Contains(r, "/v1.0/domains") || strings.Contains(r, "/v1.0/users"), "read again: %s", r)
	}
	data, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(data), "complete: true")
}
