package graph

import (
	"fmt"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph/internal/wire"
)

// ServiceError is a refusal from Microsoft Graph or the Exchange Online admin
// API: the service answered with an error status and an error body. Err is
// the portable mailops error it maps to (nil when none fits); errors.Is and
// errors.As see it through Unwrap.
type ServiceError struct {
	Service string // "Graph" or "Exchange"
	Op      string // the request, e.g. "POST /domains" or "Set-AcceptedDomain"
	Status  int
	Code    string
	Message string
	// Exception is the Exchange exception type named in the error details
	// (e.g. Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException);
	// empty for Graph.
	Exception string
	Err       error
}

func (e *ServiceError) Error() string {
	s := fmt.Sprintf("graph: %s %s: HTTP %d", e.Service, e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Exception != "" {
		s += " " + e.Exception
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap returns the portable error.
func (e *ServiceError) Unwrap() error { return e.Err }

// ResponseError is a reply the driver could not use: an HTML error page
// from a proxy, a malformed or truncated JSON body. A request whose reply is
// unusable may or may not have been applied, so Err is ErrUnavailable unless
// the HTTP status says more (401/403 ErrForbidden, 429 a
// *mailops.ThrottledError).
type ResponseError struct {
	Service     string
	Op          string
	Status      int
	ContentType string
	Reason      string // what was wrong with the reply
	Snippet     string // the start of the body, for the log
	Err         error
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("graph: %s %s: unusable reply (HTTP %d, %s): %s: %q (%v)", e.Service, e.Op, e.Status, e.ContentType, e.Reason, e.Snippet, e.Err)
}

// Unwrap returns the portable error.
func (e *ResponseError) Unwrap() error { return e.Err }

// failureErr turns a reply the wire package could not take as an answer into
// the driver's error: a refusal is a *ServiceError, anything else a
// *ResponseError.
func failureErr(service, op string, f *wire.Failure) error {
	if f.Refusal {
		return &ServiceError{Service: service, Op: op, Status: f.Status, Code: f.Code, Message: f.Message, Exception: f.Exception, Err: f.Err}
	}
	return &ResponseError{Service: service, Op: op, Status: f.Status, ContentType: f.ContentType, Reason: f.Reason, Snippet: f.Snippet, Err: f.Err}
}

// transportError is a request that got no reply: the call may have been
// applied.
func transportError(service, op string, err error) error {
	return fmt.Errorf("graph: %s %s: no reply: %v: %w", service, op, err, mailops.ErrUnavailable)
}
