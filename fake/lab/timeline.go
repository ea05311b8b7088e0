package lab

import (
	"sync"
	"time"
)

// Entry is one line of the lab's timeline.
type Entry struct {
	Seq  int       `json:"seq"`
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // step, action, dns, bounce, loop, drop, script, error
	Text string    `json:"text"`
}

// timeline is the append-only list of entries, safe for concurrent use
// (the control page's event streams read it without the world's lock).
type timeline struct {
	mu      sync.Mutex
	entries []Entry
	changed chan struct{} // closed and replaced on every append
}

func newTimeline() *timeline { return &timeline{changed: make(chan struct{})} }

func (t *timeline) add(at time.Time, kind, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries = append(t.entries, Entry{Seq: len(t.entries), At: at, Kind: kind, Text: text})
	close(t.changed)
	t.changed = make(chan struct{})
}

// since returns the entries from seq on, and a channel closed at the next
// append.
func (t *timeline) since(seq int) ([]Entry, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	seq = min(max(seq, 0), len(t.entries))
	return append([]Entry(nil), t.entries[seq:]...), t.changed
}
