package wire

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// StatusError maps an HTTP status alone onto a portable error (nil for the
// statuses that need the body: 400 and other 4xx).
func StatusError(op string, status int, h http.Header, now func() time.Time) error {
	switch {
	case status == http.StatusTooManyRequests:
		return &mailops.ThrottledError{Op: op, RetryAfter: RetryAfter(h, now)}
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

// RetryAfter reads Retry-After: seconds or an HTTP date. A missing or
// unreadable header gives zero (the Client then uses its backoff).
func RetryAfter(h http.Header, now func() time.Time) time.Duration {
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

// MessageError maps a service's error text onto a portable error, for the
// refusals whose status (mostly 400) does not say what failed. Exchange
// names its exceptions in the message; Graph's messages are stable phrases.
func MessageError(msg string) error {
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

// Classify combines status and message: a message that names the failure
// wins over a generic status, except throttling and authentication.
func Classify(op string, status int, h http.Header, msg string, now func() time.Time) error {
	if status == http.StatusTooManyRequests || status == http.StatusUnauthorized || status == http.StatusForbidden {
		return StatusError(op, status, h, now)
	}
	if e := MessageError(msg); e != nil {
		return e
	}
	return StatusError(op, status, h, now)
}

// ClassifyEXO maps an admin API refusal: throttling and authentication by
// status; then the exception type in the details (so that a 500 carrying
// ManagementObjectNotFoundException is ErrNotFound, not ErrUnavailable),
// where a validation type is refined by phrases that say more; then the
// text; then the status alone.
func ClassifyEXO(op string, status int, h http.Header, d Detail, now func() time.Time) error {
	if status == http.StatusTooManyRequests || status == http.StatusUnauthorized || status == http.StatusForbidden {
		return StatusError(op, status, h, now)
	}
	typed := ExceptionError(d.Type)
	if typed == nil || typed == mailops.ErrInvalid {
		// A validation exception about an accepted domain or a DKIM
		// CNAME is a missing verification, not a bad argument.
		if e := PhraseError(d.Text); e != nil {
			return e
		}
	}
	if typed != nil {
		return typed
	}
	return Classify(op, status, h, d.Text, now)
}

// IsJSON reports whether a Content-Type is JSON.
func IsJSON(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.Contains(ct, "json")
}

// Snippet shortens a body for an error message; for an HTML page it is the
// title when there is one. The title is found without lowering the body's
// case (lowering invalid UTF-8 changes byte offsets: a 502 page with a stray
// byte before <title> made the driver panic, found by FuzzDecodeCmdletReply).
func Snippet(body []byte) string {
	s := string(body)
	if i := indexFold(s, "<title>"); i >= 0 {
		rest := s[i+len("<title>"):]
		if j := indexFold(rest, "</title>"); j >= 0 {
			return "title: " + strings.TrimSpace(rest[:j])
		}
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// indexFold is the byte offset of the first ASCII case-insensitive match of
// sub (ASCII) in s, or -1.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
