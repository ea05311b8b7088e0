package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotProcess is returned by Sleep and Signal.Wait when they would have to
// park the caller but it is not a simulated process (start it with Go).
var ErrNotProcess = errors.New("sim: blocking call outside a simulated process")

// ErrClosed is returned to processes woken by Close, by later blocking
// calls, and by Run after Close.
var ErrClosed = errors.New("sim: scheduler closed")

// PanicError reports a panic in a process or an event. Run returns it and
// stops; the processes still parked stay parked until Close.
type PanicError struct {
	Process string // the process's name, or "event <name>"
	Value   any    // the value passed to panic
	Stack   string // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sim: panic in %s: %v\n%s", e.Process, e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// DeadlockError reports processes parked forever: no event is scheduled
// that could wake them.
type DeadlockError struct {
	At        time.Time // the virtual time the run stopped at
	Processes []string  // the parked processes' names, sorted
}

func (e *DeadlockError) Error() string {
	return fmt.Sprintf("sim: deadlock at %s: %d processes parked forever: %s",
		e.At.Format(time.RFC3339), len(e.Processes), strings.Join(e.Processes, ", "))
}
