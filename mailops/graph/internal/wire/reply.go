package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Failure is a reply the driver cannot take as an answer: a refusal by the
// service (Refusal set: its Code, Message and Exception) or an unusable
// reply (Reason and Snippet: an HTML page, malformed JSON, a body cut
// short). Err is the portable error it maps to; a refusal's may be nil
// when no portable error fits. The driver turns it into its own error
// types.
type Failure struct {
	Refusal     bool
	Status      int
	ContentType string
	Code        string
	Message     string
	Exception   string
	Reason      string
	Snippet     string
	Err         error
}

// CmdletReply is one page of a cmdlet's output.
type CmdletReply struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"@odata.nextLink"`
}

// unusable is a Failure for a reply that cannot be used: ErrUnavailable
// unless the status says more (401/403, 429, 5xx).
func unusable(op string, status int, h http.Header, body []byte, reason string, now func() time.Time) *Failure {
	e := StatusError(op, status, h, now)
	if e == nil || e == mailops.ErrNotFound || e == mailops.ErrExists {
		// A 404 or 409 without the service's error body is not the
		// service's answer about the object.
		e = mailops.ErrUnavailable
	}
	return &Failure{Status: status, ContentType: h.Get("Content-Type"), Reason: reason, Snippet: Snippet(body), Err: e}
}

// DecodeCmdletReply reads an InvokeCommand reply to cmdlet: its status,
// headers and body (readErr is the error that cut reading the body short,
// if any). It returns the page of output, or the Failure: an admin API
// error body classified by its exception type, an HTML page from a proxy,
// malformed or truncated JSON.
func DecodeCmdletReply(cmdlet string, status int, h http.Header, raw []byte, readErr error, now func() time.Time) (CmdletReply, *Failure) {
	ct := h.Get("Content-Type")
	if readErr != nil {
		return CmdletReply{}, unusable(cmdlet, status, h, raw, "reading the body: "+readErr.Error(), now)
	}
	if status >= 400 {
		var eb ErrBody
		if len(raw) > 0 && !IsJSON(ct) {
			return CmdletReply{}, unusable(cmdlet, status, h, raw, "not JSON (an error page from a proxy or gateway?)", now)
		}
		if len(raw) == 0 || json.Unmarshal(raw, &eb) != nil {
			if len(raw) == 0 {
				if e := StatusError(cmdlet, status, h, now); e != nil {
					return CmdletReply{}, &Failure{Refusal: true, Status: status, ContentType: ct, Err: e}
				}
			}
			return CmdletReply{}, unusable(cmdlet, status, h, raw, "an error reply that is not the admin API's JSON error body", now)
		}
		d := Reason(eb)
		return CmdletReply{}, &Failure{Refusal: true, Status: status, ContentType: ct, Code: eb.Error.Code, Message: d.Text,
			Exception: d.Type, Err: ClassifyEXO(cmdlet, status, h, d, now)}
	}
	if !IsJSON(ct) {
		return CmdletReply{}, unusable(cmdlet, status, h, raw, "not JSON (an error page from a proxy or gateway?)", now)
	}
	var r CmdletReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return CmdletReply{}, unusable(cmdlet, status, h, raw, "malformed or truncated JSON: "+err.Error(), now)
	}
	return r, nil
}

// DecodeAll decodes cmdlet output objects into T; an object of another
// shape is an unusable reply (ErrUnavailable).
func DecodeAll[T any](raw []json.RawMessage) ([]T, *Failure) {
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, &Failure{Status: http.StatusOK, ContentType: "application/json",
				Reason: "an output object of an unexpected shape: " + err.Error(), Snippet: Snippet(r), Err: mailops.ErrUnavailable}
		}
	}
	return out, nil
}

// CheckGraphReply checks a Graph reply before msgraph-sdk-go parses it:
// an HTML page (a proxy's 502), malformed or truncated JSON, or an error
// status without a body is a Failure that keeps the status code (the SDK
// would report a parse error without it). nil means the SDK may parse it.
func CheckGraphReply(op string, status int, h http.Header, body []byte, readErr error, now func() time.Time) *Failure {
	ct := h.Get("Content-Type")
	switch {
	case readErr != nil:
		return unusable(op, status, h, body, "reading the body: "+readErr.Error(), now)
	case len(body) == 0 && status >= 400:
		if e := StatusError(op, status, h, now); e != nil {
			return &Failure{Refusal: true, Status: status, ContentType: ct, Err: e}
		}
		return unusable(op, status, h, body, "an error status without a body", now)
	case len(body) > 0 && !IsJSON(ct):
		return unusable(op, status, h, body, "not JSON (an error page from a proxy or gateway?)", now)
	case len(body) > 0 && !json.Valid(body):
		return unusable(op, status, h, body, "malformed or truncated JSON", now)
	}
	return nil
}

// Scrub replaces every copy of the bearer token in a reply body with
// "[redacted]": a gateway or a debugging proxy that echoes the request into
// its reply must not put the token into an error, a log line or a report.
// Tokens shorter than 8 bytes are left alone (they would match ordinary
// text; real tokens are JWTs of a thousand bytes).
func Scrub(body []byte, token string) []byte {
	if len(token) < 8 || !bytes.Contains(body, []byte(token)) {
		return body
	}
	return bytes.ReplaceAll(body, []byte(token), []byte("[redacted]"))
}

// String describes a Failure (for tests and logs; the driver's errors say
// more).
func (f *Failure) String() string {
	return fmt.Sprintf("HTTP %d %s: refusal=%v code=%q message=%q exception=%q reason=%q (%v)",
		f.Status, f.ContentType, f.Refusal, f.Code, f.Message, f.Exception, f.Reason, f.Err)
}
