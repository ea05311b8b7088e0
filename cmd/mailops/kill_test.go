package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// killSwitch passes requests to the fake until the n-th request that
// changes the tenant; that one it holds (applied first when after is set,
// so the process dies between the change and its journal entry), tells
// the test through hit, and never answers.
type killSwitch struct {
	next    http.Handler
	n       int
	after   bool
	mu      sync.Mutex
	writes  int
	once    sync.Once
	hit     chan struct{}
	release chan struct{}
}

// isWrite reports whether a request changes the tenant: a Graph request
// other than GET, or an Exchange admin cmdlet other than Get-*.
func isWrite(r *http.Request, body []byte) bool {
	if !strings.HasPrefix(r.URL.Path, "/adminapi/") {
		return r.Method != http.MethodGet
	}
	var env struct {
		CmdletInput struct{ CmdletName string }
	}
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	return !strings.HasPrefix(env.CmdletInput.CmdletName, "Get-")
}

func (k *killSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	hold := false
	if isWrite(r, body) {
		k.mu.Lock()
		k.writes++
		hold = k.writes == k.n
		k.mu.Unlock()
	}
	if !hold {
		k.next.ServeHTTP(w, r)
		return
	}
	if k.after {
		k.next.ServeHTTP(httptest.NewRecorder(), r)
	}
	k.once.Do(func() { close(k.hit) })
	<-k.release
}

// applyProcess runs mailops apply as a real process (this test binary
// re-executed as the command).
func applyProcess(dir, plan, url string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "apply", plan, "--graph", url, "--skip-waits", "--dns-file", "zone.txt")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envAsCLI+"=1")
	return cmd
}

// killRun plans the spec against a fresh fake, applies it in a real
// process killed with SIGKILL at the n-th change (none when n is 0), runs
// apply again to the end, and returns the changes the tenant received.
func killRun(t *testing.T, n int, after bool) map[string]int {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/kill/spec.yaml")
	require.NoError(t, err)
	specPath := filepath.Join(dir, "spec.yaml")
	require.NoError(t, os.WriteFile(specPath, data, 0o644))
	sf, _, err := loadSpec(specPath)
	require.NoError(t, err)
	g, err := newFakeGraph(ctx, sf, 1, filepath.Join(dir, "zone.txt"))
	require.NoError(t, err)
	ks := &killSwitch{next: g.Handler(), n: n, after: after, hit: make(chan struct{}), release: make(chan struct{})}
	url, stop, err := serveFake(g, ks)
	require.NoError(t, err)
	t.Cleanup(stop)
	t.Cleanup(func() {
		select {
		case <-ks.release:
		default:
			close(ks.release)
		}
	})

	var out, errb bytes.Buffer
	plan := filepath.Join(dir, "plan.json")
	require.Equal(t, 0, Main(ctx, []string{"plan", specPath, "--graph", url, "--out", plan}, &out, &errb), errb.String())

	if n > 0 {
		cmd := applyProcess(dir, plan, url)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-ks.hit:
			require.NoError(t, cmd.Process.Kill()) // SIGKILL
			<-done
		case err := <-done:
			t.Fatalf("apply finished (%v) before change %d:\n%s", err, n, stderr.String())
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("apply did not reach change %d in time:\n%s", n, stderr.String())
		}
		close(ks.release)
		journal, err := os.ReadFile(plan + ".journal")
		require.NoError(t, err)
		require.NotEmpty(t, journal, "the killed run journaled its progress")
	}
	res, err := applyProcess(dir, plan, url).CombinedOutput()
	require.NoError(t, err, "resumed apply:\n%s", res)

	// the tenant is in the spec's end state
	want, err := desiredState(sf)
	require.NoError(t, err)
	p, err := mailops.Diff(ctx, g.Tenant.Driver("check"), want)
	require.NoError(t, err)
	assert.Empty(t, p.Operations(), "left to do after the resumed apply")
	return calledOps(g.Calls())
}

// TestApplySurvivesSIGKILL kills apply (a real process, SIGKILL) at every
// change it makes, before and after a change reached the tenant but before the
// journal recorded it, resumes it, and checks that the tenant reaches the
// spec's end state having received exactly the changes of an uninterrupted
// run: nothing applied twice, nothing skipped.
func TestApplySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	reference := killRun(t, 0, false)
	require.NotEmpty(t, reference)
	total := 0
	for _, c := range reference {
		total += c
	}
	// every change of the plan is a kill point, once with the change
	// lost and once with it applied but not journaled
	for n := 1; n <= total; n++ {
		for _, after := range []bool{false, true} {
			t.Run(fmt.Sprintf("change%d_applied=%v", n, after), func(t *testing.T) {
				assert.Equal(t, reference, killRun(t, n, after))
			})
		}
	}
}
