package mailops

import (
	"context"
	"errors"
	"fmt"
)

// Operation is one typed change to a tenant. It can validate itself, describe
// itself, render as the equivalent Exchange Online PowerShell, check its
// precondition against the tenant and apply itself through a Driver (usually
// a *Client, which also implements Driver).
type Operation interface {
	// Validate checks the operation's values without touching the tenant.
	Validate() error
	// Describe says what the operation does, in one line.
	Describe() string
	// PowerShell returns the cmdlets an administrator would run for it.
	PowerShell() []string
	// Check observes the target object. It returns Done when the effect is
	// already present, Ready when the precondition holds, or a
	// *ConflictError when the object changed since the plan was made.
	Check(ctx context.Context, d Driver) (Status, error)
	// Apply makes the change.
	Apply(ctx context.Context, d Driver) error
}

// Status is the result of an operation's Check.
type Status int

// Check results.
const (
	// Ready: the precondition holds; the operation should be applied.
	Ready Status = iota + 1
	// Done: the effect is already present; applying is unnecessary.
	Done
)

func (s Status) String() string {
	switch s {
	case Ready:
		return "ready"
	case Done:
		return "done"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ErrConflict means an object changed since the plan was made; the runner
// refuses to overwrite it.
var ErrConflict = errors.New("mailops: object changed since the plan was made")

// ConflictError names the object and what differs. It matches ErrConflict.
type ConflictError struct {
	Object   string // e.g. "group sales@depta.example.ac.jp"
	Expected string
	Found    string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("mailops: %s changed since the plan was made: expected %s, found %s", e.Object, e.Expected, e.Found)
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func conflict(object, expected, found string) error {
	return &ConflictError{Object: object, Expected: expected, Found: found}
}

// absentOrErr turns ErrNotFound into (false, nil) and passes other errors
// through: a failed read is never mistaken for absence.
func absentOrErr(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return false, err
}

// goneStatus is the Check of a removal: Done when a read says the object is
// absent, Ready when it is there.
func goneStatus(readErr error) (Status, error) {
	found, err := absentOrErr(readErr)
	if err != nil {
		return 0, err
	}
	if found {
		return Ready, nil
	}
	return Done, nil
}

// createStatus is the Check of a creation: Ready when a read says the object
// is absent, Done when it is there as wanted, a conflict when it is there
// otherwise (object names it; want and have describe the two states).
func createStatus(readErr error, same func() bool, object string, want, have func() string) (Status, error) {
	found, err := absentOrErr(readErr)
	if err != nil {
		return 0, err
	}
	if !found {
		return Ready, nil
	}
	if same() {
		return Done, nil
	}
	return 0, conflict(object, "absent or "+want(), have())
}
