package fake

import "time"

// Call is one driver call as the tenant saw it.
type Call struct {
	Admin      string
	Op         string
	Target     string
	Start, End time.Time
	Err        error
	RetryAfter time.Duration // when throttled
	// StartSeq and EndSeq order calls that start or end at the same
	// virtual instant: one counter for both, in the order things happened.
	StartSeq, EndSeq uint64
}

// CallLog returns every call so far, in the order they ended.
func (t *Tenant) CallLog() []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Call, 0, len(t.calls)*callChunk)
	for _, c := range t.calls {
		out = append(out, c...)
	}
	return out
}

// callChunk is how many calls a chunk of the log holds: the log grows by
// chunks, never copying what it holds (a university's run logs millions).
const callChunk = 256

// log records a finished call. Called with t.mu held.
func (t *Tenant) log(admin, op, target string, start time.Time, startSeq uint64, err error, ra time.Duration) {
	t.callSeq++
	if n := len(t.calls); n == 0 || len(t.calls[n-1]) == callChunk {
		t.calls = append(t.calls, make([]Call, 0, callChunk))
	}
	last := &t.calls[len(t.calls)-1]
	*last = append(*last, Call{Admin: admin, Op: op, Target: target, Start: start, End: t.clk.Now(), Err: err, RetryAfter: ra,
		StartSeq: startSeq, EndSeq: t.callSeq})
}
