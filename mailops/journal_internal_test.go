package mailops

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Append writes the line, then syncs, then returns: when the sync runs the
// line is already in the file, and a failed sync fails the Append (the
// entry is not considered recorded).
func TestAppendSyncsBeforeReturning(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j")
	orig := journalSync
	t.Cleanup(func() { journalSync = orig })
	var atSync []string
	journalSync = func(f *os.File) error {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		atSync = append(atSync, string(data))
		return orig(f)
	}
	j := &FileJournal{Path: path}
	for i := range 3 {
		e := JournalEntry{Plan: "p", Step: "s", Action: i, Event: "done"}
		require.NoError(t, j.Append(ctx, e))
		require.Len(t, atSync, i+1, "one sync per Append, before it returns")
		lines := strings.Split(strings.TrimSuffix(atSync[i], "\n"), "\n")
		require.Len(t, lines, i+1)
		var got JournalEntry
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &got))
		assert.Equal(t, e, got, "the entry was written before the sync")
	}
	journalSync = func(*os.File) error { return errors.New("disk gone") }
	err := j.Append(ctx, JournalEntry{Plan: "p", Action: 9})
	require.Error(t, err, "an entry that could not be synced is not recorded")
	assert.Contains(t, err.Error(), "sync journal")
}
