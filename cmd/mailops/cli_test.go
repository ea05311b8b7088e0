package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// run calls Main in the process and returns the exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestExitCodes: 0 ok, 1 error, 2 changes only with --detailed-exitcode.
func TestExitCodes(t *testing.T) {
	code, _, _ := run(t, "validate", "testdata/kill/spec.yaml")
	assert.Equal(t, exitOK, code)
	code, _, stderr := run(t, "validate", "testdata/missing.yaml")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "missing.yaml")
	code, _, _ = run(t, "no-such-command")
	assert.Equal(t, exitError, code)

	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	require.NoError(t, err)
	g, err := newFakeGraph(context.Background(), sf, 1, "")
	require.NoError(t, err)
	url, stop, err := serveFake(g, g.Handler())
	require.NoError(t, err)
	defer stop()
	code, out, _ := run(t, "diff", "testdata/kill/spec.yaml", "--graph", url)
	assert.Equal(t, exitOK, code, "changes without --detailed-exitcode")
	assert.Contains(t, out, "changes:")
	code, _, _ = run(t, "diff", "testdata/kill/spec.yaml", "--graph", url, "--detailed-exitcode")
	assert.Equal(t, exitChanges, code)
}

// TestJSONOnEveryCommand: every command has --json (a persistent flag), and
// a failure under --json is one JSON document with an error.
func TestJSONOnEveryCommand(t *testing.T) {
	root := newRoot(&app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		assert.NotNil(t, c.InheritedFlags().Lookup("json"), c.Name())
	}
	code, out, _ := run(t, "--json", "apply", filepath.Join(t.TempDir(), "none.json"), "--graph", "http://127.0.0.1:1")
	assert.Equal(t, exitError, code)
	var doc struct{ Error string }
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Contains(t, doc.Error, "none.json")
}

func TestZoneLine(t *testing.T) {
	assert.Equal(t, "d.example.\t3600\tIN\tMX\t0 d-example.mail.protection.outlook.com.",
		zoneLine("d.example", mailops.DNSRecord{Type: "MX", Label: "@", Value: "d-example.mail.protection.outlook.com"}))
	assert.Equal(t, "selector1._domainkey.d.example.\t300\tIN\tCNAME\tx.example.",
		zoneLine("d.example", mailops.DNSRecord{Type: "CNAME", Label: "selector1._domainkey", Value: "x.example.", TTL: 300}))
	assert.Equal(t, "d.example.\t3600\tIN\tTXT\t\"MS=ms123\"", zoneLine("d.example", mailops.DNSRecord{Type: "TXT", Value: "MS=ms123"}))
}

func TestLoopbackOnly(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "::1", "localhost", "127.1.2.3"} {
		assert.True(t, isLoopbackHost(h), h)
	}
	for _, h := range []string{"0.0.0.0", "192.0.2.1", "graph.microsoft.com", ""} {
		assert.False(t, isLoopbackHost(h), h)
	}
	_, err := listenLoopback("0.0.0.0:0", false)
	assert.ErrorContains(t, err, "not a loopback")
	_, err = graphConfig("https://graph.example")
	if os.Getenv("MAILOPS_TENANT_ID") == "" {
		assert.ErrorContains(t, err, "not a loopback fake")
	}
}

func TestNormaliseArgs(t *testing.T) {
	assert.Equal(t, []string{"plan", "s.yaml", "--out", "p.json", "--out=q"}, normaliseArgs([]string{"plan", "s.yaml", "-out", "p.json", "-out=q"}))
}

// TestFingerprintIgnoresListOrder: a service paging in another order is not
// a change; a changed object is.
func TestFingerprintIgnoresListOrder(t *testing.T) {
	a := mailops.Recipient{Address: "a@x.example", Kind: mailops.Mailbox}
	b := mailops.Recipient{Address: "b@x.example", Kind: mailops.Mailbox}
	h1, err := hashList([]mailops.Recipient{a, b})
	require.NoError(t, err)
	h2, err := hashList([]mailops.Recipient{b, a})
	require.NoError(t, err)
	assert.Equal(t, h1, h2)
	b.DisplayName = "B"
	h3, err := hashList([]mailops.Recipient{a, b})
	require.NoError(t, err)
	assert.NotEqual(t, h1, h3)
}
