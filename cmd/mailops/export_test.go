package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.yaml.in/yaml/v3"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
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

// killSpecGraph is a fake tenant seeded from testdata/kill/spec.yaml.
func killSpecGraph(t *testing.T) *fakeGraph {
	t.Helper()
	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	require.NoError(t, err)
	g, err := newFakeGraph(context.Background(), sf, 1, "")
	require.NoError(t, err)
	return g
}

// TestExportResumesAfterAFailure: a phase that fails leaves the phases
// before it written with their cursor; running export again reads only what
// is left and completes the snapshot.
func TestExportResumesAfterAFailure(t *testing.T) {
	g := killSpecGraph(t)
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

// failAfter hands every InvokeCommand of cmdlet after the first n to fail
// instead of next.
type failAfter struct {
	next, fail http.Handler
	cmdlet     string
	n          int64
	seen       atomic.Int64
}

func (f *failAfter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte(`"`+f.cmdlet+`"`)) && f.seen.Add(1) > f.n {
		f.fail.ServeHTTP(w, r)
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestExportResumesInsideTheGroups: an export that fails in the middle of
// the groups keeps the batches read before the failure (the snapshot holds
// the group index and how far it got); the next run reads only the rest.
func TestExportResumesInsideTheGroups(t *testing.T) {
	g := killSpecGraph(t)
	d := g.Tenant.Driver("admin")
	const groups = 60
	for i := range groups {
		require.NoError(t, d.CreateGroup(context.Background(), mailops.Group{PrimaryAddress: mailops.Address(fmt.Sprintf("g%02d@example.ac.jp", i)),
			Name: fmt.Sprintf("G%02d", i), Members: []mailops.Address{"alice@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"}}))
	}
	healthy := graphserver.New(g.Tenant.Driver("admin"), graphserver.Options{})
	// the token expires in the middle of the groups (not retried: the
	// run stops at once)
	expired := graphserver.New(g.Tenant.Driver("admin"), graphserver.Options{})
	expired.InjectFault(graphserver.Fault{Match: "Get-DistributionGroupMember", Kind: graphserver.ExpiredToken, Count: 1 << 20})
	failing := &failAfter{next: healthy, fail: expired, cmdlet: "Get-DistributionGroupMember", n: 30}
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
	var partial Snapshot
	require.NoError(t, yaml.Unmarshal(data, &partial))
	assert.False(t, partial.Complete)
	assert.Len(t, partial.GroupIndex, groups)
	assert.Equal(t, 25, partial.GroupsRead, "the batches before the failure are kept")
	assert.Len(t, partial.Groups, 25)

	before := countCmdlet(healthy.Calls(), "Get-DistributionGroupMember")
	sw.useB.Store(true)
	code, _, stderr = run(t, "export", "--graph", url, "-o", out)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "export 3/6 groups: 60")
	again := countCmdlet(healthy.Calls(), "Get-DistributionGroupMember") - before
	assert.Equal(t, groups-25, again, "only the groups not yet read are read again")
	data, err = os.ReadFile(out)
	require.NoError(t, err)
	var done Snapshot
	require.NoError(t, yaml.Unmarshal(data, &done))
	assert.True(t, done.Complete)
	assert.Len(t, done.Groups, groups)
	assert.Empty(t, done.GroupIndex, "the cursor goes once the phase is done")
}

func countCmdlet(calls []graphserver.Call, cmdlet string) int {
	n := 0
	for _, c := range calls {
		if c.Cmdlet == cmdlet {
			n++
		}
	}
	return n
}
