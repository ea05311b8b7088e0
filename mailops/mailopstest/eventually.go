package mailopstest

import (
	"fmt"
	"strings"
)

// attempts is how many times eventually tries, with a Settle between two
// tries, before it reports that a write never became visible.
const attempts = 10

// check collects one attempt's failures. It implements testify's
// assert.TestingT and require.TestingT: FailNow ends the attempt, not the
// test.
type check struct {
	msgs []string
}

// abortAttempt is the panic FailNow uses to end an attempt.
type abortAttempt struct{}

func (c *check) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

func (c *check) FailNow() { panic(abortAttempt{}) }

func (c *check) Helper() {}

func (c *check) run(fn func(c *check)) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, abort := r.(abortAttempt); !abort {
				panic(r)
			}
			ok = false
		}
	}()
	fn(c)
	return len(c.msgs) == 0
}

// eventually runs fn until it passes: at once, then after each Settle, up
// to attempts times. It is how the suite reads back what it wrote on a
// backend whose reads lag its writes. The first read is not preceded by a
// Settle, so a consistent backend costs no waiting.
func (f *fixture) eventually(what string, fn func(c *check)) {
	f.t.Helper()
	var last *check
	for i := range attempts {
		if i > 0 {
			f.settle()
		}
		last = &check{}
		if last.run(fn) {
			return
		}
	}
	f.t.Fatalf("%s: still wrong after %d reads with Settle between them; the last read:\n%s", what, attempts, strings.Join(last.msgs, "\n"))
}

// afterSettle settles once, then checks like eventually: for checks that
// something did not happen (a refused call left nothing behind, or left a
// value as it was), which a read at once would pass trivially on a backend
// whose writes show late. The reads after the first only let a read that
// lags catch up with the state already seen.
func (f *fixture) afterSettle(what string, fn func(c *check)) {
	f.t.Helper()
	f.settle()
	f.eventually(what, fn)
}
