package delegate

import (
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mailops-dev/mailops/mailops"
)

// Problem is an RFC 9457 problem detail carrying a portable error code.
type Problem struct {
	Type   string `json:"type,omitempty" doc:"A URI reference naming the problem type"`
	Title  string `json:"title" doc:"Short summary of the problem type"`
	Status int    `json:"status" doc:"The HTTP status code"`
	Detail string `json:"detail,omitempty" doc:"What went wrong in this case"`
	// Code is the portable error code (see Code).
	Code string `json:"code" doc:"Portable error code: invalid, policy, forbidden, unauthenticated, not_found, exists, conflict, illegal_transition, precondition_failed, throttled, too_many_sessions, unavailable, not_verified, domain_taken, internal"`
}

// Error returns the detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus returns the HTTP status.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes the problem application/problem+json.
func (p *Problem) ContentType(string) string { return "application/problem+json" }

var _ huma.StatusError = (*Problem)(nil)

// ErrPrecondition means an If-Match did not match the current ETag.
var ErrPrecondition = errors.New("delegate: precondition failed")

// codes maps errors to the portable code and HTTP status, first match wins.
var codes = []struct {
	err    error
	code   string
	status int
}{
	{ErrUnauthenticated, "unauthenticated", http.StatusUnauthorized},
	{mailops.ErrForbidden, "forbidden", http.StatusForbidden},
	{mailops.ErrPolicy, "policy", http.StatusForbidden},
	{mailops.ErrInvalid, "invalid", http.StatusUnprocessableEntity},
	{mailops.ErrNotFound, "not_found", http.StatusNotFound},
	{mailops.ErrExists, "exists", http.StatusConflict},
	{ErrPrecondition, "precondition_failed", http.StatusPreconditionFailed},
	{ErrConflict, "conflict", http.StatusConflict},
	{mailops.ErrConflict, "conflict", http.StatusConflict},
	{ErrTransition, "illegal_transition", http.StatusConflict},
	{mailops.ErrThrottled, "throttled", http.StatusTooManyRequests},
	{mailops.ErrTooManySessions, "too_many_sessions", http.StatusTooManyRequests},
	{mailops.ErrUnavailable, "unavailable", http.StatusServiceUnavailable},
	{mailops.ErrNotVerified, "not_verified", http.StatusConflict},
	{mailops.ErrDomainTaken, "domain_taken", http.StatusConflict},
}

// Code returns err's portable error code and HTTP status ("internal", 500
// for an error of no known kind).
func Code(err error) (string, int) {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code, c.status
		}
	}
	return "internal", http.StatusInternalServerError
}

// problemOf turns err into a Problem; an internal error's detail is not
// shown to the caller.
func problemOf(err error) *Problem {
	code, status := Code(err)
	p := &Problem{Type: "urn:mailops:delegate:" + code, Title: http.StatusText(status), Status: status, Code: code, Detail: err.Error()}
	if code == "internal" {
		p.Detail = "internal error"
	}
	return p
}
