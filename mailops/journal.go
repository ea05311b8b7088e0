package mailops

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// JournalEntry records progress through a plan. The runner appends "started"
// before a wait or operation and "done" after each action completes.
type JournalEntry struct {
	Plan        string    `json:"plan"`
	Fingerprint string    `json:"fingerprint"`
	Step        string    `json:"step"`
	Action      int       `json:"action"`
	Event       string    `json:"event"` // "started" or "done"
	At          time.Time `json:"at"`
}

// Journal is where the runner keeps its progress so that a crashed run
// resumes where it stopped. Implementations must make Append durable before
// returning.
type Journal interface {
	Entries(ctx context.Context) ([]JournalEntry, error)
	Append(ctx context.Context, e JournalEntry) error
}

// ErrJournalMismatch means the journal was written for a different version of
// the plan; resuming from it could skip or repeat the wrong actions.
var ErrJournalMismatch = errors.New("mailops: journal belongs to a different plan")

// MemJournal is an in-memory Journal, for tests and simulations.
type MemJournal struct {
	mu      sync.Mutex
	entries []JournalEntry
}

// Entries returns a copy of the entries.
func (j *MemJournal) Entries(context.Context) ([]JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]JournalEntry(nil), j.entries...), nil
}

// Append records an entry.
func (j *MemJournal) Append(_ context.Context, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	return nil
}

// FileJournal is a Journal in a file of JSON lines, synced on every append.
// A torn last line (a crash in the middle of a write) is ignored; a corrupt
// line elsewhere is an error.
type FileJournal struct {
	Path string
	mu   sync.Mutex
}

// Entries reads the file; a missing file is an empty journal.
func (j *FileJournal) Entries(context.Context) ([]JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	data, err := os.ReadFile(j.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mailops: read journal: %w", err)
	}
	var out []JournalEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(b, &e); err != nil {
			last := !bytes.HasSuffix(data, []byte("\n")) && bytes.HasSuffix(bytes.TrimSpace(data), b)
			if last {
				break // torn final write
			}
			return nil, fmt.Errorf("mailops: journal %s line %d: %w", j.Path, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mailops: read journal: %w", err)
	}
	return out, nil
}

// Append writes one line and syncs the file.
func (j *FileJournal) Append(_ context.Context, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("mailops: journal entry: %w", err)
	}
	f, err := os.OpenFile(j.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mailops: open journal: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("mailops: write journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("mailops: sync journal: %w", err)
	}
	return f.Close()
}
