package delegate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// The child process: TestMain runs killChild instead of the tests when
// killEnv is set. Phase "submit" submits and approves a request, starts the
// queue and waits (the tenant holds its CreateGroup reply until the test
// kills it); phase "resume" recovers the orphaned job, works it and exits
// once the request is done. Both also end when their stdin closes, so a
// child never outlives its test.
const (
	killEnv      = "DELEGATE_KILL_CHILD"
	killDBEnv    = "DELEGATE_KILL_DB"
	killTenantEn = "DELEGATE_KILL_TENANT"
)

func killChild() int {
	if err := runKillChild(os.Getenv(killEnv), os.Getenv(killDBEnv), os.Getenv(killTenantEn)); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

func runKillChild(phase, dbPath, tenantURL string) error {
	ctx := context.Background()
	st, db, err := OpenSQLite(ctx, dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	client := mailops.NewClient(rpcDriver{url: tenantURL}, mailops.Options{Clock: mailops.WallClock{},
		Retry:       mailops.RetryOptions{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 3},
		Consistency: mailops.ConsistencyOptions{Reads: 2, Interval: 5 * time.Millisecond, Timeout: 5 * time.Second}})
	done := make(chan Request, 4)
	notes := noteFunc(func(_ context.Context, r Request) error {
		if r.State.Terminal() {
			done <- r
		}
		return nil
	})
	a := &Applier{Store: st, Client: client, Config: testConfig, Notify: notes}
	q, err := NewSQLiteQueue(ctx, db, a, QueueOptions{PollInterval: 10 * time.Millisecond, MaxAttempts: 5,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	svc := &Service{Store: st, Config: testConfig, Clock: mailops.WallClock{}, Enqueue: q.Enqueue, Notify: notes}
	stdinClosed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	switch phase {
	case "submit":
		r, _, err := svc.Submit(ctx, adminA, Request{Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office",
			Targets: []mailops.Address{"u1@example.ac.jp", "u2@example.ac.jp"}, IdempotencyKey: "k1"})
		if err != nil {
			return err
		}
		if r, err = svc.Approve(ctx, itDept, r.ID); err != nil {
			return err
		}
		if err := q.Start(ctx); err != nil {
			return err
		}
		fmt.Printf("queued %s %s\n", r.ID, r.State)
		<-stdinClosed // the test kills the process before this
		return nil
	case "resume":
		n, err := q.Recover(ctx, st, testConfig)
		if err != nil {
			return err
		}
		fmt.Printf("recovered %d\n", n)
		if err := q.Start(ctx); err != nil {
			return err
		}
		select {
		case r := <-done:
			fmt.Printf("ended %s %s\n", r.ID, r.State)
		case <-stdinClosed:
			return fmt.Errorf("the test went away")
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return q.Stop(sctx)
	}
	return fmt.Errorf("unknown phase %q", phase)
}

// child is a running child process and its output lines.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *bytes.Buffer
}

func startChild(t *testing.T, phase, db, tenantURL string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killEnv+"="+phase, killDBEnv+"="+db, killTenantEn+"="+tenantURL)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 16), stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return c
}

// line waits for the child's next output line (bounded by a timeout, no
// polling).
func (c *child) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			_ = c.cmd.Wait()
			t.Fatalf("the child ended without the line; stderr:\n%s", c.stderr)
		}
		return l
	case <-time.After(60 * time.Second):
		t.Fatalf("no line from the child; stderr:\n%s", c.stderr)
	}
	return ""
}

// TestSIGKILLDuringApply kills the service process with SIGKILL while its
// job is applying (the tenant has made the group and holds the reply), then
// starts it again on the same SQLite file: the job completes once (one
// CreateGroup on the tenant: the rerun's read-back finds the group), the
// request is done after two attempts, and the audit chain verifies.
func TestSIGKILLDuringApply(t *testing.T) {
	ctx := context.Background()
	clk := sim.NewWall(5)
	cloud := fake.NewCloud(clk, clk.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("univ", fake.InstantTenantConfig())
	if err := setupTenant(ctx, cloud, tenant.Driver("setup")); err != nil {
		t.Fatal(err)
	}
	applied := make(chan struct{})
	release := make(chan struct{})
	var held atomic.Bool
	rpc := &tenantRPC{d: tenant.Driver("service"), after: func(method string, _ json.RawMessage) {
		if method == "CreateGroup" && held.CompareAndSwap(false, true) { // the first write: made, its reply held
			close(applied)
			<-release // the reply is never sent: the child dies waiting for it
		}
	}}
	srv := httptest.NewServer(rpc)
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	db := filepath.Join(t.TempDir(), "delegate.db")

	c1 := startChild(t, "submit", db, srv.URL)
	l := c1.line(t)
	f := strings.Fields(l)
	if len(f) != 3 || f[0] != "queued" || f[2] != string(Queued) {
		t.Fatalf("child: %q", l)
	}
	id := f[1]
	select {
	case <-applied:
	case <-time.After(60 * time.Second):
		var ops []string
		for _, c := range tenant.CallLog() {
			ops = append(ops, fmt.Sprintf("%s %s %s %v", c.Admin, c.Op, c.Target, c.Err))
		}
		t.Fatalf("the child never applied; tenant calls:\n%s\nstderr:\n%s", strings.Join(ops, "\n"), c1.stderr)
	}
	if err := c1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := c1.cmd.Wait()
	if ws, ok := c1.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed by SIGKILL: %v", err)
	}
	close(release)
	creates := func() int {
		n := 0
		for _, c := range tenant.CallLog() {
			if c.Op == "CreateGroup" && c.Admin == "service" {
				n++
			}
		}
		return n
	}
	if n := creates(); n != 1 {
		t.Fatalf("before the restart: %d CreateGroup calls", n)
	}
	st, _, err := OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Get(ctx, id)
	_ = st.Close()
	if err != nil || r.State != Applying || r.Attempts != 1 {
		t.Fatalf("after the kill: %+v %v, want applying after one attempt", r, err)
	}

	c2 := startChild(t, "resume", db, srv.URL)
	if l := c2.line(t); l != "recovered 1" {
		t.Fatalf("child: %q", l)
	}
	if l := c2.line(t); l != "ended "+id+" done" {
		t.Fatalf("child: %q; stderr:\n%s", l, c2.stderr)
	}
	_ = c2.stdin.Close()
	if err := c2.cmd.Wait(); err != nil {
		t.Fatalf("the restarted child: %v; stderr:\n%s", err, c2.stderr)
	}
	if n := creates(); n != 1 {
		t.Fatalf("after the restart: %d CreateGroup calls, want 1", n)
	}
	g, err := tenant.Driver("check").GetGroup(ctx, "office@depta.example.ac.jp")
	if err != nil || len(g.Members) != 2 {
		t.Fatalf("office: %+v %v", g, err)
	}
	st, _, err = OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if r, err = st.Get(ctx, id); err != nil || r.State != Done || r.Attempts != 2 {
		t.Fatalf("after the restart: %+v %v, want done after two attempts", r, err)
	}
	n, err := st.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es, _ := st.Audit(ctx, 0, 100)
	var trail []string
	for _, e := range es {
		trail = append(trail, e.Event)
	}
	t.Logf("audit (%d entries): %s", n, strings.Join(trail, " "))
	if strings.Count(strings.Join(trail, " "), "claim") != 2 {
		t.Fatalf("audit trail %v, want two claims", trail)
	}
}
