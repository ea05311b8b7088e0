package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// serveProcess starts `mailops serve --json` as a real process (this test
// binary re-executed as the command) and returns it with its ready
// document.
func serveProcess(t *testing.T, store string) (*exec.Cmd, serveReady, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--json", "--listen", "127.0.0.1:0", "--store", store)
	cmd.Env = append(os.Environ(), envAsCLI+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	var ready serveReady
	select {
	case l, ok := <-line:
		require.True(t, ok, "serve printed nothing: %s", stderr.String())
		require.NoError(t, json.Unmarshal([]byte(l), &ready), l)
	case <-time.After(60 * time.Second):
		t.Fatalf("serve not ready in a minute: %s", stderr.String())
	}
	return cmd, ready, &stderr
}

// curlJSON runs a printed curl line with the shell and decodes its answer.
func curlJSON(t *testing.T, line string) map[string]any {
	t.Helper()
	out, err := exec.Command("sh", "-c", line).Output()
	require.NoError(t, err, line)
	var v map[string]any
	require.NoError(t, json.Unmarshal(out, &v), string(out))
	return v
}

func TestServeProcessCurlAuditVerify(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not found: install the Debian package curl (.ci/run does)")
	}
	db := filepath.Join(t.TempDir(), "delegate.db")
	cmd, ready, stderr := serveProcess(t, "sqlite:"+db)
	require.True(t, strings.HasPrefix(ready.URL, "http://127.0.0.1:"), ready.URL)
	require.Len(t, ready.Users, 3)

	// The department A admin's printed curl asks for a new address; IT's
	// approves it; the request ends done.
	var admin, it demoToken
	for _, u := range ready.Users {
		switch {
		case strings.HasPrefix(u.Role, "admin of "+demoDeptA):
			admin = u
		case strings.HasPrefix(u.Role, "IT"):
			it = u
		}
	}
	created := curlJSON(t, admin.Curl)
	id, _ := created["id"].(string)
	require.Equal(t, "awaiting_approval", created["status"], created)
	// The approver sees the simulator's prediction before approving.
	pv, _ := created["preview"].(map[string]any)
	require.NotNil(t, pv, "the request carries its mail-flow preview: %v", created)
	assert.Equal(t, true, pv["noLoss"], pv)
	assert.Positive(t, pv["sent"], pv)
	approved := curlJSON(t, strings.ReplaceAll(it.Curl, "REQUEST_ID", id))
	require.Equal(t, id, approved["id"], approved)

	status := ""
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range 600 { // a minute
		req, _ := http.NewRequest("GET", ready.API+"requests/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+admin.Token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var v map[string]any
		_ = json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		status, _ = v["status"].(string)
		if status == "done" || status == "failed" {
			break
		}
		<-tick.C
	}
	require.Equal(t, "done", status)

	// The UI answers with its sign-in page.
	res, err := http.Get(ready.URL)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode)

	// SIGTERM stops it cleanly.
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), stderr.String())
	require.Contains(t, stderr.String(), "mailops serve: stopped")

	verify := func() (int, string) {
		c := exec.Command(os.Args[0], "audit", "verify", "--store", "sqlite:"+db)
		c.Env = append(os.Environ(), envAsCLI+"=1")
		out, err := c.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		require.NoError(t, err)
		return 0, string(out)
	}
	code, out := verify()
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "chain verified")

	// Change one entry's detail behind the store's back: verify fails and
	// names the entry.
	sdb, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = sdb.ExecContext(context.Background(), `UPDATE delegate_audit SET detail = 'nothing to see' WHERE seq = 2`)
	require.NoError(t, err)
	require.NoError(t, sdb.Close())
	code, out = verify()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "entry 2")
}

func TestServeRefusesNonLoopback(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"serve", "--listen", "0.0.0.0:0", "--store", "sqlite:" + filepath.Join(t.TempDir(), "d.db")}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "--allow-remote")
}

// TestServeWithOwnIssuer runs serve in-process against an issuer of the
// caller's (a fake Entra ID standing in for the real one): the issuer's
// tokens authenticate, no demo tokens are printed, and a token for another
// audience is refused.
func TestServeWithOwnIssuer(t *testing.T) {
	ctx := context.Background()
	const apiID, otherID = "11111111-2222-4333-8444-555555555555", "99999999-2222-4333-8444-555555555555"
	ent, err := entra.NewServer(entra.Config{
		Users: []entra.User{{OID: "0a000000-0000-4000-8000-000000000001", UPN: "tanaka@" + demoDeptA, Name: "Tanaka",
			Roles: map[string][]string{apiID: {delegate.RoleAdminPrefix + demoDeptA}}}},
		Apps:      []entra.App{{ClientID: apiID, RedirectURIs: []string{"http://127.0.0.1:1/auth/callback"}}},
		Resources: []entra.Resource{{AppID: apiID, IdentifierURI: "api://mine"}, {AppID: otherID, IdentifierURI: "api://other"}},
	})
	require.NoError(t, err)
	defer ent.Close()
	s, err := startServe(ctx, serveOptions{store: "sqlite:" + filepath.Join(t.TempDir(), "d.db"), listen: "127.0.0.1:0", tenant: "fake",
		issuer: ent.Issuer(), audience: apiID, clientID: apiID}, func(string, ...any) {})
	require.NoError(t, err)
	defer s.Shutdown(ctx)
	require.Empty(t, s.ready.Users)
	me := func(tok string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", s.ready.API+"me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	tok, err := ent.UserToken("tanaka@"+demoDeptA, "api://mine")
	require.NoError(t, err)
	code, v := me(tok)
	require.Equal(t, 200, code, v)
	require.Equal(t, []any{demoDeptA}, v["domains"])
	other, err := ent.UserToken("tanaka@"+demoDeptA, "api://other")
	require.NoError(t, err)
	code, _ = me(other)
	require.Equal(t, 401, code)
}

// TestServeBehindTLSProxy: with --public-url https://..., the printed URLs
// and the sign-in redirect use it, and the UI's cookies are Secure.
func TestServeBehindTLSProxy(t *testing.T) {
	ctx := context.Background()
	s, err := startServe(ctx, serveOptions{store: "sqlite:" + filepath.Join(t.TempDir(), "d.db"), listen: "127.0.0.1:0", tenant: "fake",
		publicURL: "https://mail.example.ac.jp", tokenTTL: time.Hour}, func(string, ...any) {})
	require.NoError(t, err)
	defer s.Shutdown(ctx)
	require.Equal(t, "https://mail.example.ac.jp/", s.ready.URL)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get("http://" + s.addr + "/auth/login")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode)
	require.Contains(t, res.Header.Get("Location"), url.QueryEscape("https://mail.example.ac.jp/auth/callback"))
	cookies := res.Cookies()
	require.Len(t, cookies, 1)
	require.True(t, cookies[0].Secure)
	require.Equal(t, "__Host-mailops_login", cookies[0].Name)

	_, err = startServe(ctx, serveOptions{store: "sqlite:" + filepath.Join(t.TempDir(), "e.db"), listen: "127.0.0.1:0", tenant: "fake",
		publicURL: "https://mail.example.ac.jp/app"}, func(string, ...any) {})
	require.ErrorContains(t, err, "--public-url")
}

// TestServeAgainstGraphURL runs serve with --tenant a Graph base URL (the
// fake Graph and Exchange admin API over the demo university), so the
// requests go through the real-tenant driver: a department admin's target
// change, approved automatically, ends done and the tenant shows it.
func TestServeAgainstGraphURL(t *testing.T) {
	ctx := context.Background()
	w := sim.NewWall(1)
	cloud := fake.NewCloud(w, w.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("univ", fake.InstantTenantConfig())
	require.NoError(t, seedDemo(ctx, cloud, tenant.Driver("seed")))
	g := httptest.NewServer(graphserver.New(tenant.Driver("admin"), graphserver.Options{}))
	defer g.Close()

	s, err := startServe(ctx, serveOptions{store: "sqlite:" + filepath.Join(t.TempDir(), "d.db"), listen: "127.0.0.1:0", tenant: g.URL},
		func(string, ...any) {})
	require.NoError(t, err)
	defer s.Shutdown(ctx)
	tok := s.ready.Users[0].Token // Tanaka, admin of department A
	do := func(method, path, body string, hdr map[string]string) map[string]any {
		req, _ := http.NewRequest(method, s.ready.API+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var v map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
		return v
	}
	addr := do("GET", "domains/"+demoDeptA+"/addresses/office", "", nil)
	require.Equal(t, []any{"tanaka@" + demoDeptA, string(demoPeople[0])}, addr["targets"], addr)
	r := do("PUT", "domains/"+demoDeptA+"/addresses/office/targets", `{"targets":["kato@example.ac.jp","ito@example.ac.jp"]}`,
		map[string]string{"Idempotency-Key": "graph-1", "If-Match": addr["etag"].(string)})
	id, _ := r["id"].(string)
	require.NotEmpty(t, id, r)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	status := ""
	for range 600 {
		status, _ = do("GET", "requests/"+id, "", nil)["status"].(string)
		if status == "done" || status == "failed" {
			break
		}
		<-tick.C
	}
	require.Equal(t, "done", status)
	var members []string
	for _, gr := range tenant.Groups() {
		if gr.PrimaryAddress == "office@"+demoDeptA {
			for _, m := range gr.Members {
				members = append(members, string(m))
			}
		}
	}
	require.ElementsMatch(t, []string{"kato@example.ac.jp", "ito@example.ac.jp"}, members)
}
