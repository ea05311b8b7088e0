package graph

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
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

// statusError maps an HTTP status alone onto a portable error (nil for the
// statuses that need the body: 400 and other 4xx).
func statusError(op string, status int, h http.Header, now func() time.Time) error {
	switch {
	case status == http.StatusTooManyRequests:
		return &mailops.ThrottledError{Op: op, RetryAfter: retryAfter(h, now)}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return mailops.ErrForbidden
	case status == http.StatusNotFound:
		return mailops.ErrNotFound
	case status == http.StatusConflict:
		return mailops.ErrExists
	case status == http.StatusRequestTimeout || status >= 500:
		return mailops.ErrUnavailable
	}
	return nil
}

// retryAfter reads Retry-After: seconds or an HTTP date. A missing or
// unreadable header gives zero (the Client then uses its backoff).
func retryAfter(h http.Header, now func() time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && now != nil {
		if d := t.Sub(now()); d > 0 {
			return d
		}
	}
	return 0
}

// messageError maps a service's error text onto a portable error, for the
// refusals whose status (mostly 400) does not say what failed. Exchange
// names its exceptions in the message; Graph's messages are stable phrases.
func messageError(msg string) error {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "couldn't be found"), strings.Contains(m, "could not be found"),
		strings.Contains(m, "managementobjectnotfoundexception"), strings.Contains(m, "does not exist"):
		return mailops.ErrNotFound
	case strings.Contains(m, "verified in another"), strings.Contains(m, "already in use in another"):
		return mailops.ErrDomainTaken
	case strings.Contains(m, "already exists"), strings.Contains(m, "already being used"):
		return mailops.ErrExists
	case strings.Contains(m, "isn't an accepted domain"), strings.Contains(m, "is not an accepted domain"),
		strings.Contains(m, "use one of the verified domain names"), strings.Contains(m, "verification failed"):
		return mailops.ErrNotVerified
	case strings.Contains(m, "cannot bind parameter"), strings.Contains(m, "cannot validate argument"),
		strings.Contains(m, "cannot process argument"), strings.Contains(m, "datavalidationexception"),
		strings.Contains(m, "parameterbindingexception"):
		return mailops.ErrInvalid
	}
	return nil
}

// classify combines status and message: a message that names the failure
// wins over a generic status, except throttling and authentication.
func classify(op string, status int, h http.Header, msg string, now func() time.Time) error {
	if status == http.StatusTooManyRequests || status == http.StatusUnauthorized || status == http.StatusForbidden {
		return statusError(op, status, h, now)
	}
	if e := messageError(msg); e != nil {
		return e
	}
	return statusError(op, status, h, now)
}

// classifyEXO maps an admin API refusal: throttling and authentication by
// status; then the exception type in the details (so that a 500 carrying
// ManagementObjectNotFoundException is ErrNotFound, not ErrUnavailable),
// where a validation type is refined by phrases that say more; then the
// text; then the status alone.
func classifyEXO(op string, status int, h http.Header, d exoDetail, now func() time.Time) error {
	if status == http.StatusTooManyRequests || status == http.StatusUnauthorized || status == http.StatusForbidden {
		return statusError(op, status, h, now)
	}
	typed := exceptionError(d.Type)
	if typed == nil || typed == mailops.ErrInvalid {
		// A validation exception about an accepted domain or a DKIM
		// CNAME is a missing verification, not a bad argument.
		if e := phraseError(d.Text); e != nil {
			return e
		}
	}
	if typed != nil {
		return typed
	}
	return classify(op, status, h, d.Text, now)
}

func isJSON(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.Contains(ct, "json")
}

// snippet shortens a body for an error message; for an HTML page it is the
// title when there is one.
func snippet(body []byte) string {
	s := string(body)
	if i := strings.Index(strings.ToLower(s), "<title>"); i >= 0 {
		rest := s[i+7:]
		if j := strings.Index(strings.ToLower(rest), "</title>"); j >= 0 {
			return "title: " + strings.TrimSpace(rest[:j])
		}
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// transportError is a request that got no reply: the call may have been
// applied.
func transportError(service, op string, err error) error {
	return fmt.Errorf("graph: %s %s: no reply: %v: %w", service, op, err, mailops.ErrUnavailable)
}
