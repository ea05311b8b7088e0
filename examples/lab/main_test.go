package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake/lab"
)

// output collects a process's output read from a pipe, and says when a line
// equal to want has been read.
type output struct {
	mu    sync.Mutex
	b     strings.Builder
	seen  chan struct{} // closed at the first line equal to want
	ended chan struct{} // closed when the pipe is closed
}

func readOutput(r *os.File, want string) *output {
	o := &output{seen: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(o.ended)
		defer r.Close()
		sc := bufio.NewScanner(r)
		seen := false
		for sc.Scan() {
			o.mu.Lock()
			o.b.WriteString(sc.Text() + "\n")
			o.mu.Unlock()
			if !seen && sc.Text() == want {
				seen = true
				close(o.seen)
			}
		}
	}()
	return o
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// TestStopsOnSIGTERM builds the command, starts a lab, waits for the line it
// prints once serving (its ports file written) and stops it with SIGTERM: it
// exits 0 having said so.
func TestStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "lab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports := filepath.Join(dir, "ports.json")
	cmd := exec.Command(bin, "consolidation.yaml", "--clock", "manual", "--ports-file", ports)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.Close() // the child holds its own copy
	out := readOutput(r, lab.ReadyLine)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-out.seen:
	case err := <-done:
		t.Fatalf("exited before serving: %v\n%s", err, out)
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("no %q line within 20s\n%s", lab.ReadyLine, out)
	}
	b, err := os.ReadFile(ports)
	var p map[string]any
	if err != nil || json.Unmarshal(b, &p) != nil || p["control"] == nil {
		_ = cmd.Process.Kill()
		t.Fatalf("ports file after %q: %v %s\n%s", lab.ReadyLine, err, b, out)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, out)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("did not stop on SIGTERM\n%s", out)
	}
	<-out.ended // the pipe closes with the process: all its output is read
	if s := out.String(); !strings.Contains(s, "lab: stopping") || !strings.Contains(s, "control page") {
		t.Errorf("output:\n%s", s)
	}
}
