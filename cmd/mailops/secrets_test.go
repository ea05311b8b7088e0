package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// A recognisable fake token: any output holding it, or its distinctive
// tail, is a leak.
const (
	leakToken     = "MAILOPS-TEST-TOKEN-4d2b8e6a0c1f"
	leakTokenTail = "4d2b8e6a0c1f"
)

// echoing answers like a misbehaving gateway while armed: every request
// gets mode's failure with the request's Authorization header in the body.
type echoing struct {
	next http.Handler
	mu   sync.Mutex
	mode string
}

func (e *echoing) arm(mode string) { e.mu.Lock(); e.mode = mode; e.mu.Unlock() }

func (e *echoing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	mode := e.mode
	e.mu.Unlock()
	echo, _ := json.Marshal("got Authorization: " + r.Header.Get("Authorization"))
	switch mode {
	case "":
		e.next.ServeHTTP(w, r)
		return
	case "401 text":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "%s\n", r.Header.Get("Authorization"))
		return
	case "500 json":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"error":{"code":"InternalServerError","message":%s,"details":[{"message":%s}]}}`, echo, echo)
	case "400 json":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"code":"BadRequest","message":%s}}`, echo)
	case "403 json":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error":{"code":"Authorization_RequestDenied","message":%s}}`, echo)
	case "200 malformed":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":[{"id":%s`, echo)
	}
}

// scanTree fails for every file under dir holding the token.
func scanTree(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if strings.Contains(string(b), leakTokenTail) {
			t.Errorf("%s holds the token:\n%s", p, b)
		}
		return nil
	}))
	return n
}

// The CLI with its bearer token in MAILOPS_TOKEN (the way it takes a
// token for a loopback tenant): diff, plan, apply and export, plain and
// --json, against a fake that accepts only that token, then against a
// gateway that echoes the Authorization header into 401, 403, 500 and
// malformed replies. Neither stdout, stderr, nor any file the commands
// wrote (saved plans, journals, zone files, snapshots) holds the token.
func TestCLINeverPrintsTheToken(t *testing.T) {
	t.Setenv(EnvToken, leakToken)
	t.Setenv(graph.EnvTenantID, "")
	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	require.NoError(t, err)
	g, err := newFakeGraph(context.Background(), sf, 1, "")
	require.NoError(t, err)
	gw := &echoing{next: graphserver.New(g.Tenant.Driver("admin"), graphserver.Options{Token: leakToken})}
	url, stop, err := serveFake(g, gw)
	require.NoError(t, err)
	defer stop()
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	spec := "testdata/kill/spec.yaml"
	check := func(what string, code int, stdout, stderr string) {
		t.Helper()
		for _, s := range []string{stdout, stderr} {
			if strings.Contains(s, leakTokenTail) {
				t.Errorf("%s (exit %d) printed the token:\n%s", what, code, s)
			}
		}
	}

	// Working runs: the token is accepted (so it was there to leak).
	code, out, errOut := run(t, "diff", spec, "--graph", url)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "changes:")
	check("diff", code, out, errOut)
	code, out, errOut = run(t, "plan", spec, "--graph", url, "--out", in("plan.json"))
	require.Equal(t, exitOK, code, errOut)
	check("plan", code, out, errOut)
	code, out, errOut = run(t, "--json", "apply", in("plan.json"), "--graph", url, "--skip-waits", "--dns-file", in("zone.txt"))
	require.Equal(t, exitOK, code, out+errOut)
	check("apply", code, out, errOut)
	code, out, errOut = run(t, "export", "--graph", url, "-o", in("snapshot.json"))
	require.Equal(t, exitOK, code, errOut)
	check("export", code, out, errOut)

	// Failing runs: every reply echoes the token. Refusals (400, 401, 403)
	// are not retried; replies the Client retries (500, malformed JSON)
	// go to apply --skip-waits only, whose clock skips the backoff (the
	// other commands would back off on the wall clock for minutes).
	failures := 0
	for i, mode := range []string{"401 text", "403 json", "400 json", "500 json", "200 malformed"} {
		gw.arm(mode)
		cmds := [][]string{
			{"apply", in("plan.json"), "--graph", url, "--skip-waits", "--journal", in(fmt.Sprint("journal", i))},
			{"--json", "apply", in("plan.json"), "--graph", url, "--skip-waits", "--journal", in(fmt.Sprint("journal-json", i))},
		}
		if !strings.HasPrefix(mode, "500") && !strings.HasPrefix(mode, "200") {
			cmds = append(cmds, [][]string{
				{"diff", spec, "--graph", url},
				{"--json", "diff", spec, "--graph", url},
				{"plan", spec, "--graph", url, "--out", in(fmt.Sprint("plan", i, ".json"))},
				{"export", "--graph", url, "-o", in(fmt.Sprint("snapshot", i, ".json"))},
				{"--json", "export", "--graph", url, "-o", in(fmt.Sprint("snapshot-json", i, ".json"))},
			}...)
		}
		for _, args := range cmds {
			code, out, errOut := run(t, args...)
			if code != exitOK {
				failures++
			}
			check(mode+": "+strings.Join(args, " "), code, out, errOut)
		}
		gw.arm("")
	}
	assert.GreaterOrEqual(t, failures, 20, "the echoing replies made the commands fail")
	assert.GreaterOrEqual(t, scanTree(t, dir), 4, "the saved plan, its journal, the zone file and the snapshot were scanned")
}
