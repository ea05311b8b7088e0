package mailops_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// The crash test re-executes this test binary as the journal's writer: with
// journalChildEnv set to a journal path, TestMain appends crashEntry(i) from
// where the journal stops up to journalLimitEnv, printing i after each
// Append returns, and exits.
const (
	journalChildEnv = "MAILOPS_TEST_JOURNAL_CHILD"
	journalLimitEnv = "MAILOPS_TEST_JOURNAL_LIMIT"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(journalChildEnv); path != "" {
		os.Exit(journalChild(path))
	}
	os.Exit(m.Run())
}

// crashEntry is the i-th entry the writer appends; long enough that a write
// is a few hundred bytes.
func crashEntry(i int) mailops.JournalEntry {
	return mailops.JournalEntry{Plan: "crash", Fingerprint: "fp-" + strings.Repeat("0123456789abcdef", 16),
		Step: fmt.Sprintf("step-%05d", i), Action: i, Event: "done", At: time.Unix(int64(i), 0).UTC()}
}

func journalChild(path string) int {
	ctx := context.Background()
	limit, err := strconv.Atoi(os.Getenv(journalLimitEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "journal child: limit:", err)
		return 2
	}
	j := &mailops.FileJournal{Path: path}
	es, err := j.Entries(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "journal child: resume:", err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	for i := len(es); i < limit; i++ {
		if err := j.Append(ctx, crashEntry(i)); err != nil {
			fmt.Fprintln(os.Stderr, "journal child: append:", err)
			return 2
		}
		fmt.Fprintln(out, i) // acknowledged: Append returned
		_ = out.Flush()
	}
	return 0
}

// checkPrefix requires the journal to hold exactly crashEntry(0..n-1) and
// returns n.
func checkPrefix(t *testing.T, j *mailops.FileJournal) int {
	t.Helper()
	es, err := j.Entries(context.Background())
	require.NoError(t, err, "the journal reopens after the crash")
	for i, e := range es {
		require.Equal(t, crashEntry(i), e, "entry %d intact and in order", i)
	}
	return len(es)
}

// The file journal survives SIGKILL of the process writing it: 30 times a
// child appends entries in a loop and is killed after a random number of
// acknowledged appends; between kills the test also leaves a torn write (a
// random prefix of the next line, as a kill at that byte would). Each time
// the journal reopens, holds every acknowledged entry and nothing else but
// possibly the one being written, intact and in order, and the next child
// resumes from it; a last child runs to the end.
func TestFileJournalSurvivesSIGKILL(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "crash.journal")
	j := &mailops.FileJournal{Path: path}
	rng := rand.New(rand.NewPCG(14, 3))
	const kills, limit = 30, 100000

	start := func(limit int) (*exec.Cmd, *bufio.Scanner, *strings.Builder) {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), journalChildEnv+"="+path, journalLimitEnv+"="+strconv.Itoa(limit))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		return cmd, bufio.NewScanner(stdout), &stderr
	}
	torn := 0
	for k := range kills {
		before := checkPrefix(t, j)
		cmd, acks, stderr := start(limit)
		// Kill after a random number of acknowledged appends: the child
		// is then somewhere inside a later Append.
		want := 1 + rng.IntN(40)
		acked := -1
		for n := 0; n < want && acks.Scan(); n++ {
			acked, err = strconv.Atoi(acks.Text())
			require.NoError(t, err)
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for acks.Scan() { // acknowledgements still in the pipe
			acked, err = strconv.Atoi(acks.Text())
			require.NoError(t, err)
		}
		werr := cmd.Wait()
		require.Error(t, werr, "killed, round %d (stderr: %s)", k, stderr)
		require.GreaterOrEqual(t, acked, before, "round %d: the child resumed at %d and wrote (stderr: %s)", k, before, stderr)
		n := checkPrefix(t, j)
		assert.GreaterOrEqual(t, n, acked+1, "round %d: every acknowledged entry is in the journal", k)
		assert.LessOrEqual(t, n, acked+2, "round %d: at most the entry being written besides", k)

		if k%2 == 0 {
			// A kill at a random byte of the next write.
			line, err := json.Marshal(crashEntry(n))
			require.NoError(t, err)
			cut := rng.IntN(len(line) + 1) // 0..len: up to the line without its newline
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.Write(line[:cut])
			require.NoError(t, err)
			require.NoError(t, f.Close())
			m := checkPrefix(t, j)
			if cut == len(line) {
				assert.Equal(t, n+1, m, "a whole entry without its newline counts")
			} else {
				assert.Equal(t, n, m, "a torn line is ignored")
			}
			torn++
		}
	}
	n := checkPrefix(t, j)
	cmd, acks, stderr := start(n + 50)
	for acks.Scan() {
	}
	require.NoError(t, cmd.Wait(), "a last run to the end (stderr: %s)", stderr)
	assert.Equal(t, n+50, checkPrefix(t, j), "the last run resumed where the journal stopped and finished")
	assert.Equal(t, kills/2, torn)
}
