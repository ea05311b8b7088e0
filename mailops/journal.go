package mailops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	// Only the unterminated part after the last newline can be a torn
	// write; every terminated line must be a whole entry or blank.
	var out []JournalEntry
	lines := bytes.Split(data, []byte("\n"))
	for i, raw := range lines {
		b := bytes.TrimSpace(raw)
		if len(b) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(b, &e); err != nil {
			if i == len(lines)-1 {
				break // torn final write
			}
			return nil, fmt.Errorf("mailops: journal %s line %d: %w", j.Path, i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// journalSync makes a journal write durable. Tests replace it to observe
// that Append syncs before it returns.
var journalSync = (*os.File).Sync

// Append writes one line and syncs the file before returning: an entry is
// recorded only once it is on disk. A torn last line left by a crash in the
// middle of an earlier write (one Entries ignores) is cut off first, so the
// new line never joins it; an unterminated last line that is a whole entry
// (one Entries returns) gets its newline instead. A new file's directory is
// synced too, so the file itself survives a crash.
func (j *FileJournal) Append(_ context.Context, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("mailops: journal entry: %w", err)
	}
	_, statErr := os.Stat(j.Path)
	created := errors.Is(statErr, os.ErrNotExist)
	f, err := os.OpenFile(j.Path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("mailops: open journal: %w", err)
	}
	end, err := repairTail(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("mailops: journal %s: %w", j.Path, err)
	}
	if _, err := f.WriteAt(append(b, '\n'), end); err != nil {
		f.Close()
		return fmt.Errorf("mailops: write journal: %w", err)
	}
	if err := journalSync(f); err != nil {
		f.Close()
		return fmt.Errorf("mailops: sync journal: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mailops: close journal: %w", err)
	}
	if created {
		if err := syncDir(filepath.Dir(j.Path)); err != nil {
			return fmt.Errorf("mailops: sync journal directory: %w", err)
		}
	}
	return nil
}

// repairTail makes f end with a newline (or be empty) and returns where the
// next line goes: an unterminated last line that holds a whole entry is
// terminated, any other (a torn write) is cut off.
func repairTail(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	if size == 0 {
		return 0, nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, err
	}
	if last[0] == '\n' {
		return size, nil
	}
	// Find the start of the last line, reading backwards in chunks.
	const chunk = 4096
	start := int64(0)
	buf := make([]byte, chunk)
	for off := size; off > 0; {
		n := min(int64(chunk), off)
		off -= n
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			start = off + int64(i) + 1
			break
		}
	}
	tail := make([]byte, size-start)
	if _, err := f.ReadAt(tail, start); err != nil {
		return 0, err
	}
	var e JournalEntry
	if t := bytes.TrimSpace(tail); len(t) > 0 && json.Unmarshal(t, &e) == nil {
		if _, err := f.WriteAt([]byte{'\n'}, size); err != nil {
			return 0, err
		}
		return size + 1, nil
	}
	if err := f.Truncate(start); err != nil {
		return 0, err
	}
	return start, nil
}

// syncDir syncs a directory, so that a file created in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
