package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSimulateExitCodes: 0 when every seed is safe, 3 (unsafe) with a
// report and the reproduce line when a seed is not.
func TestSimulateExitCodes(t *testing.T) {
	script, err := os.ReadFile("testdata/script/simulate.txtar")
	require.NoError(t, err)
	dir := t.TempDir()
	for _, name := range []string{"good.yaml", "forgets.yaml"} {
		part := strings.SplitN(string(script), "-- "+name+" --\n", 2)[1]
		part = strings.SplitN(part, "\n-- ", 2)[0]
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(part+"\n"), 0o644))
	}
	code, _, _ := run(t, "simulate", "--seeds", "1", filepath.Join(dir, "good.yaml"))
	assert.Equal(t, exitOK, code)
	report := filepath.Join(dir, "r.html")
	code, _, stderr := run(t, "simulate", "--seed", "3", "--report", report, filepath.Join(dir, "forgets.yaml"))
	assert.Equal(t, exitUnsafe, code)
	assert.Contains(t, stderr, "--seed 3")
	html, err := os.ReadFile(report)
	require.NoError(t, err)
	assert.Contains(t, string(html), "differs from the legacy server")
}

// A snapshot's tenant joins the spec's: a forwarding loop the real tenant
// has (and the spec does not know) is simulated too, so the preflight sees
// it and fixes it; an incomplete snapshot is refused.
func TestMergeSnapshot(t *testing.T) {
	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	require.NoError(t, err)
	before := len(sf.Tenant.Mailboxes)
	snap := &Snapshot{Kind: "Snapshot", Complete: true}
	snap.Tenant.Domains = append([]string{}, sf.Tenant.Domains...)
	snap.Tenant.Mailboxes = append(snap.Tenant.Mailboxes, sf.Tenant.Mailboxes[0])
	snap.Tenant.Mailboxes[0].DisplayName = "from the tenant"
	snap.Tenant.Mailboxes = append(snap.Tenant.Mailboxes, sf.Tenant.Mailboxes[0])
	snap.Tenant.Mailboxes[1].Address = "newcomer@" + sf.Tenant.Domains[0]
	require.NoError(t, mergeSnapshot(sf, snap))
	assert.Len(t, sf.Tenant.Mailboxes, before+1, "the spec's own entry wins; the newcomer joins")
	assert.NotEqual(t, "from the tenant", sf.Tenant.Mailboxes[0].DisplayName)

	dir := t.TempDir()
	path := filepath.Join(dir, "snap.yaml")
	require.NoError(t, os.WriteFile(path, []byte("apiVersion: mailops.dev/v1\nkind: Snapshot\ncomplete: false\nprogress: [domains]\ntenant: {domains: [x.example]}\n"), 0o644))
	_, err = loadSnapshotForSimulate(path)
	assert.ErrorContains(t, err, "incomplete")
}
