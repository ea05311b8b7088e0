package mailops_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// FuzzFileJournal reads arbitrary bytes as a journal: Entries never panics
// and either refuses the file with an error or returns entries; when it
// returns entries, one more Append is read back after exactly those (a
// resumed run never loses, reorders or corrupts what was read).
func FuzzFileJournal(f *testing.F) {
	e := mailops.JournalEntry{Plan: "p", Fingerprint: "f", Step: "s", Action: 1, Event: "done", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Add([]byte(`{"plan":"p","fingerprint":"f","step":"s","action":1,"event":"done","at":"2026-01-01T00:00:00Z"}` + "\n"))
	f.Add([]byte(`{"plan":"p"}` + "\n" + `{"plan":"p","finger`))
	f.Add([]byte(`{"plan":"p"}`))
	f.Add([]byte("{\"plan\":\"p\"}\nnot json\n{\"plan\":\"p\"}\n"))
	f.Add([]byte("\n\n  \r\n"))
	f.Add([]byte("null\n{}"))
	f.Add([]byte{0xff, 0xfe, '\n', '{'})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		path := filepath.Join(dir, "j")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		j := &mailops.FileJournal{Path: path}
		es, err := j.Entries(ctx)
		if err != nil {
			assert.Nil(t, es)
			return
		}
		require.NoError(t, j.Append(ctx, e))
		again, err := j.Entries(ctx)
		require.NoError(t, err, "a readable journal stays readable after an Append")
		require.Equal(t, append(es, e), again, "the entries read, then the new one")
	})
}
