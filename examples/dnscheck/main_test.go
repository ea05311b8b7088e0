package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/dnsserver"
)

func serve(t *testing.T, switched bool) string {
	t.Helper()
	a := dnsserver.NewAuthority("example.co.jp")
	mx := dnsserver.MX{Host: "mail.maker.example.co.jp", Pref: 10}
	if switched {
		mx = dnsserver.MX{Host: "maker-example-co-jp.mail.protection.outlook.com"}
	}
	require.NoError(t, a.SetMX("maker.example.co.jp", 3600, mx))
	require.NoError(t, a.SetA("mail.maker.example.co.jp", 3600, netip.MustParseAddr("192.0.2.25")))
	require.NoError(t, a.SetTXT("maker.example.co.jp", 3600, "v=spf1 include:spf.protection.outlook.com a:mail.maker.example.co.jp -all", "MS=ms11112222"))
	require.NoError(t, a.SetCNAME("autodiscover.maker.example.co.jp", 3600, "autodiscover.outlook.com"))
	srv, err := a.Serve("")
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv.Addr()
}

func TestJSONAndExitCodes(t *testing.T) {
	addr := serve(t, false)
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-server", addr, "-stage", "before", "-json", "maker.example.co.jp"}, &out, &errOut), errOut.String())
	var rep struct {
		Findings []struct {
			ID, Severity, Message string
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	require.NotEmpty(t, rep.Findings)
	for _, f := range rep.Findings {
		assert.NotEmpty(t, f.ID)
		assert.Contains(t, []string{"error", "warning", "info"}, f.Severity)
		assert.NotEmpty(t, f.Message)
	}

	out.Reset()
	assert.Equal(t, 1, run([]string{"-server", addr, "-stage", "switched", "maker.example.co.jp"}, &out, &errOut), "the MX is not at Exchange Online yet")
	assert.Contains(t, out.String(), "mx.not-exo")

	assert.Equal(t, 0, run([]string{"-server", serve(t, true), "-stage", "switched", "-verified", "-legacy", "mail.maker.example.co.jp", "maker.example.co.jp"}, &out, &errOut))
}

func TestCannotRun(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run([]string{"maker.example.co.jp"}, &out, &errOut), "no server")
	assert.Equal(t, 2, run([]string{"-nope"}, &out, &errOut), "unknown flag")
	// With -json, stdout is still one JSON object, naming the error.
	out.Reset()
	assert.Equal(t, 2, run([]string{"-json", "-server", "127.0.0.1:1", "-legacy", "bad..host", "x.example"}, &out, &errOut))
	var rep struct {
		Error    string `json:"error"`
		Findings []any  `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	assert.Contains(t, rep.Error, "Spec.LegacyHosts[0]")
	assert.NotNil(t, rep.Findings)
	assert.Equal(t, 2, run([]string{"-server", "127.0.0.1:1", "-stage", "later", "x.example"}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"-server", "127.0.0.1:1", "bad..name"}, &out, &errOut))
	// A server that never answers: every lookup fails, the findings say so,
	// the check could not run (2), and nothing hangs.
	out.Reset()
	assert.Equal(t, 2, run([]string{"-server", "127.0.0.1:9", "-timeout", "300ms", "maker.example.co.jp"}, &out, &errOut))
	assert.Contains(t, out.String(), "lookup-failed")
}

// The built command against the fake DNS on loopback: exit status and one
// JSON object on stdout.
func TestBuiltCommand(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dnscheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	addr := serve(t, false)

	cmd := exec.Command(bin, "-server", addr, "-stage", "switched", "-json", "maker.example.co.jp")
	stdout, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode(), "the MX is not at Exchange Online yet")
	var rep struct {
		Findings []struct {
			ID, Severity, Message string
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(stdout, &rep), string(stdout))
	var found bool
	for _, f := range rep.Findings {
		if f.ID == "mx.not-exo" {
			found = true
			assert.Equal(t, "error", f.Severity)
			assert.NotEmpty(t, f.Message)
		}
	}
	assert.True(t, found, string(stdout))

	cmd = exec.Command(bin, "-server", addr, "maker.example.co.jp")
	stdout, err = cmd.Output()
	require.NoError(t, err, "exit 0 at stage before")
	assert.Contains(t, string(stdout), "SEVERITY")

	err = exec.Command(bin, "-server", addr, "-stage", "later", "maker.example.co.jp").Run()
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
}
