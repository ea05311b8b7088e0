package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// ControlLog is what reproduces a run: the seed, every control action with
// the virtual time it took effect, every SMTP command and Graph request of
// outside clients (swaks, a trainee's script) with the instant it reached
// the world, and the virtual time the run reached. DNS and IMAP only read
// the world and are not in it.
type ControlLog struct {
	Seed    uint64    `json:"seed"`
	Until   time.Time `json:"until"`
	Actions []Action  `json:"actions"`
}

// Replay runs the scenario from the log's seed, applies each action at its
// virtual time and runs to the log's end, with no network; it returns the
// ledger.
func Replay(sc *Scenario, log ControlLog) (*mailflow.Ledger, error) {
	e, err := newEngine(sc, log.Seed)
	if err != nil {
		return nil, err
	}
	defer e.w.Scheduler().Close()
	player := smtpserve.NewPlayer(e.w.World)
	for i, a := range log.Actions {
		if a.At.Before(e.now()) {
			return nil, fmt.Errorf("lab: replay: action %d (%s) at %s is before the world's time %s", i, a.Op, a.At, e.now())
		}
		if a.Op == opSMTP || a.Op == opGraph {
			if err := e.replayOutside(a, player); err != nil {
				return nil, fmt.Errorf("lab: replay: action %d (%s): %w", i, a.Op, err)
			}
			continue
		}
		e.stepTo(a.At)
		got, err := e.act(a, nil)
		if err != nil {
			return nil, fmt.Errorf("lab: replay: action %d (%s): %w", i, a.Op, err)
		}
		if !got.At.Equal(a.At) {
			return nil, fmt.Errorf("lab: replay: action %d (%s) took effect at %s, logged at %s", i, a.Op, got.At, a.At)
		}
	}
	e.stepTo(log.Until)
	if e.err != nil {
		return nil, fmt.Errorf("lab: replay: %w", e.err)
	}
	return e.w.Ledger(), nil
}

// Digest is a SHA-256 over every ledger event and message, in order: two
// ledgers with the same digest recorded the same run.
func Digest(l *mailflow.Ledger) string {
	h := sha256.New()
	for _, m := range l.Messages() {
		fmt.Fprintf(h, "M %d %s %q %v %s %s %d\n", m.ID, m.From, m.FromName, m.To, m.Origin, m.Submitted.Format(time.RFC3339Nano), m.Size)
	}
	for _, e := range l.Events() {
		fmt.Fprintf(h, "E %s %s %d %s %s %s %s %s %s %v %q %q\n", e.At.Format(time.RFC3339Nano), e.Kind, e.Msg, e.Orig, e.Rcpt, e.Host,
			e.Mailbox, e.Reply, e.Route, e.Trail, e.Detail, e.FromDisplay)
	}
	return hex.EncodeToString(h.Sum(nil))
}
