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
