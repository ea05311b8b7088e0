package legacy

import (
	"slices"
	"strings"
)

// Entry is one key of a table with its targets.
type Entry struct {
	Key     string   `json:"key" yaml:"key"`
	Targets []Target `json:"targets" yaml:"targets"`
	Pos     Pos      `json:"pos" yaml:"pos"`
}

// Table is a parsed aliases, virtual, virtusertable or CSV file. Keys are
// lower case; a key given twice keeps its last entry, as newaliases and
// postmap do.
type Table struct {
	Entries []Entry
	index   map[string]int
}

func (t *Table) add(e Entry) {
	if t.index == nil {
		t.index = map[string]int{}
	}
	e.Key = strings.ToLower(e.Key)
	if i, ok := t.index[e.Key]; ok {
		t.Entries[i] = e
		return
	}
	t.index[e.Key] = len(t.Entries)
	t.Entries = append(t.Entries, e)
}

// Lookup returns the entry for key (case-insensitive).
func (t *Table) Lookup(key string) (Entry, bool) {
	if t == nil || t.index == nil {
		return Entry{}, false
	}
	i, ok := t.index[strings.ToLower(key)]
	if !ok {
		return Entry{}, false
	}
	return t.Entries[i], true
}

// Keys returns the keys in file order.
func (t *Table) Keys() []string {
	if t == nil {
		return nil
	}
	out := make([]string, len(t.Entries))
	for i, e := range t.Entries {
		out[i] = e.Key
	}
	return out
}

// equalTargets compares two target lists (for render round trips).
func equalTargets(a, b []Target) bool { return slices.Equal(a, b) }
