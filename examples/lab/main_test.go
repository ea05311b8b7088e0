package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopsOnSIGTERM builds the command, starts a lab, waits for its ports
// file and stops it with SIGTERM: it exits 0 having said so.
func TestStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "lab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports := filepath.Join(dir, "ports.json")
	cmd := exec.Command(bin, "consolidation.yaml", "--clock", "manual", "--ports-file", ports)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var b []byte
	for range 200 {
		if b, _ = os.ReadFile(ports); len(b) > 0 && json.Valid(b) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("no ports file: %v\n%s", err, out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("did not stop on SIGTERM\n%s", out.String())
	}
	if !strings.Contains(out.String(), "lab: stopping") || !strings.Contains(out.String(), "control page") {
		t.Errorf("output:\n%s", out.String())
	}
}
