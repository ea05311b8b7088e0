package lab

import (
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

// Replayed is what a replay reached.
type Replayed struct {
	// Ledger is the world's ledger, under the lab's retention: the
	// messages not settled yet and the last events, with the oracle's
	// counts and violations of the rest.
	Ledger *mailflow.Ledger
	// Digest is a SHA-256 (hex) over every message and every ledger event
	// of the run, in order, kept as the world ran (the lab's is
	// Lab.LedgerDigest): two runs with the same digest recorded the same
	// messages and events.
	Digest string
}

// Replay runs the scenario from the log's seed, applies each action at its
// virtual time and runs to the log's end, with no network; it returns the
// ledger and the run's digest.
func Replay(sc *Scenario, log ControlLog) (*Replayed, error) {
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
	return &Replayed{Ledger: e.w.Ledger(), Digest: e.watch.sum()}, nil
}
