package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
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
	assert.Equal(t, 2, run([]string{"-server", "127.0.0.1:1", "-stage", "later", "x.example"}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"-server", "127.0.0.1:1", "bad..name"}, &out, &errOut))
	// A server that never answers: every lookup fails, the findings say so,
	// the check could not run (2), and nothing hangs.
	out.Reset()
	assert.Equal(t, 2, run([]string{"-server", "127.0.0.1:9", "-timeout", "300ms", "maker.example.co.jp"}, &out, &errOut))
	assert.Contains(t, out.String(), "lookup-failed")
}
