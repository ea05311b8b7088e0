package delegate

import (
	"errors"
	"fmt"
	"slices"
)

// State is where a request is in its life.
type State string

// The states of a request. A request moves forward only along the edges of
// Next; Done, Rejected, Cancelled and Failed are terminal.
const (
	Submitted        State = "submitted"
	Validated        State = "validated"
	Simulated        State = "simulated"
	AwaitingApproval State = "awaiting_approval"
	AutoApproved     State = "auto_approved"
	Approved         State = "approved"
	Queued           State = "queued"
	Applying         State = "applying"
	Converged        State = "converged"
	Done             State = "done"
	Rejected         State = "rejected"
	Cancelled        State = "cancelled"
	Failed           State = "failed"
)

// ErrTransition means a state change not on the state machine's edges was
// attempted.
var ErrTransition = errors.New("delegate: illegal state transition")

// next lists the legal successors of each state. A request is cancellable
// until it is applied; once applying it ends converged-then-done or failed.
var next = map[State][]State{
	Submitted:        {Validated, Rejected, Cancelled},
	Validated:        {Simulated, AwaitingApproval, AutoApproved, Failed, Cancelled}, // the decision directly when no previewer is configured
	Simulated:        {AwaitingApproval, AutoApproved, Cancelled},
	AwaitingApproval: {Approved, Rejected, Cancelled},
	AutoApproved:     {Queued, Cancelled},
	Approved:         {Queued, Cancelled},
	Queued:           {Applying, Cancelled},
	Applying:         {Converged, Failed},
	Converged:        {Done},
}

// States lists every state, in the order of a request's life.
func States() []State {
	return []State{Submitted, Validated, Simulated, AwaitingApproval, AutoApproved, Approved,
		Queued, Applying, Converged, Done, Rejected, Cancelled, Failed}
}

// Next returns the legal successors of s (none for a terminal state).
func (s State) Next() []State { return slices.Clone(next[s]) }

// Terminal reports whether s ends the request's life.
func (s State) Terminal() bool {
	switch s {
	case Done, Rejected, Cancelled, Failed:
		return true
	}
	return false
}

// Valid reports whether s is one of the states.
func (s State) Valid() bool { return slices.Contains(States(), s) }

// CanMove reports whether from -> to is an edge of the state machine.
func CanMove(from, to State) bool { return slices.Contains(next[from], to) }

// Move checks the transition from -> to and returns an error matching
// ErrTransition when it is not legal.
func Move(from, to State) error {
	if !CanMove(from, to) {
		return fmt.Errorf("%w: %s -> %s", ErrTransition, from, to)
	}
	return nil
}
