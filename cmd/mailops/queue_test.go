package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/pgtest"
)

var pg pgtest.Cluster

// startWorker starts `mailops worker` as a real process and waits for its
// line saying it works the queue.
func startWorker(t *testing.T, url, name string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "worker", "--queue", url, "--workers", "1", "--name", name)
	cmd.Env = append(os.Environ(), envAsCLI+"=1")
	errPipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "working queue") {
				said = true
				ready <- true
			}
		}
		if !said {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		require.True(t, ok, "worker %s exited before working", name)
	case <-time.After(60 * time.Second):
		t.Fatalf("worker %s not working after a minute", name)
	}
	return cmd
}

// TestSimulateOnAQueueWithTwoWorkerProcesses: `simulate --queue` enqueues
// the seeds on PostgreSQL, two `mailops worker` processes run them, and
// simulate reports every seed as a local run would; the workers stop
// cleanly on SIGTERM.
func TestSimulateOnAQueueWithTwoWorkerProcesses(t *testing.T) {
	url := pg.URL(t)
	t.Cleanup(pg.Stop)
	w1, w2 := startWorker(t, url, "w1"), startWorker(t, url, "w2")

	const good = "../../fake/mailflow/testdata/spec/depta.yaml"
	code, out, stderr := run(t, "simulate", good, "--seeds", "6", "--queue", url)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "6 seeds: no mail lost")
	assert.Contains(t, stderr, "6 seeds queued")
	assert.Contains(t, stderr, "6 results from")
	_, local, _ := run(t, "simulate", good, "--seeds", "6")
	assert.Equal(t, local, out, "the queue's results are the local run's, seed for seed")

	// An unsafe spec is unsafe on the queue too, with its report made
	// here from the seed run again.
	report := t.TempDir() + "/r.html"
	code, _, stderr = run(t, "simulate", "testdata/kill/spec.yaml", "--seeds", "2", "--queue", url, "--report", report)
	assert.Equal(t, exitUnsafe, code, stderr)
	assert.Contains(t, stderr, "reproduce with mailops simulate testdata/kill/spec.yaml --seed 1")
	_, err := os.Stat(report)
	assert.NoError(t, err, "the first unsafe seed's report")

	for _, w := range []*exec.Cmd{w1, w2} {
		require.NoError(t, w.Process.Signal(syscall.SIGTERM))
		done := make(chan error, 1)
		go func() { done <- w.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "a worker stops cleanly on SIGTERM")
		case <-time.After(60 * time.Second):
			t.Fatal("a worker did not stop on SIGTERM")
		}
	}

	// --queue with --snapshot is refused, not half-done.
	code, _, stderr = run(t, "simulate", "testdata/kill/spec.yaml", "--queue", url, "--snapshot", "x.yaml")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "not supported")
}
