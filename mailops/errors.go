package mailops

import (
	"errors"
	"fmt"
	"time"
)

// Portable errors. Drivers wrap them (with %w) so callers can test with errors.Is
// whatever the backend. A failure is never reported as "absent": only a backend
// that positively knows an object does not exist returns ErrNotFound.
var (
	// ErrNotFound means the object positively does not exist.
	ErrNotFound = errors.New("mailops: not found")
	// ErrExists means an object with the same identity already exists.
	ErrExists = errors.New("mailops: already exists")
	// ErrThrottled means the backend refused the call for now; see ThrottledError.
	ErrThrottled = errors.New("mailops: throttled")
	// ErrTooManySessions means the admin's concurrent session budget is spent.
	ErrTooManySessions = errors.New("mailops: too many concurrent sessions")
	// ErrDomainTaken means the domain is verified in (held by) another tenant.
	ErrDomainTaken = errors.New("mailops: domain held by another tenant")
	// ErrNotVerified means the domain's ownership has not been proven yet.
	ErrNotVerified = errors.New("mailops: domain not verified")
	// ErrForbidden means the caller lacks the permission or role for the call.
	ErrForbidden = errors.New("mailops: forbidden")
	// ErrUnavailable means the backend could not be reached or its reply was
	// lost: the call may or may not have been applied. It is transient.
	ErrUnavailable = errors.New("mailops: backend unavailable or reply lost")
	// ErrInvalid means a value failed validation; see ValidationError.
	ErrInvalid = errors.New("mailops: invalid value")
	// ErrPolicy means a value is valid for Exchange Online but refused by the
	// Client's policy (for example an external group member not allowed).
	ErrPolicy = errors.New("mailops: refused by policy")
)

// ThrottledError is returned when a backend throttles a call. It matches
// ErrThrottled with errors.Is. RetryAfter is the earliest time, relative to the
// refusal, at which the call may be retried; zero means the backend gave no hint.
type ThrottledError struct {
	Op         string
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("mailops: %s throttled, retry after %s", e.Op, e.RetryAfter)
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// ValidationError names the field and the offending value of an invalid input.
// It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Field  string // dotted path, e.g. "Group.Members[3]"
	Value  string // the offending value, as given
	Reason string // what is wrong, in plain words
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("mailops: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// PolicyError explains why the Client refused a valid value. It matches ErrPolicy.
type PolicyError struct {
	Field  string
	Value  string
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("mailops: policy refuses %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is ErrPolicy.
func (e *PolicyError) Is(target error) bool { return target == ErrPolicy }

func invalid(field, value, reason string) error {
	return &ValidationError{Field: field, Value: value, Reason: reason}
}
