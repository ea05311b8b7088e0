package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

var portable = []error{mailops.ErrUnavailable, mailops.ErrForbidden, mailops.ErrThrottled, mailops.ErrNotFound,
	mailops.ErrExists, mailops.ErrInvalid, mailops.ErrNotVerified, mailops.ErrDomainTaken}

func isPortable(err error) bool {
	for _, p := range portable {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

func now() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }

func header(contentType, retryAfter string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return h
}

// FuzzDecodeCmdletReply: any status, Content-Type, Retry-After and body as
// an InvokeCommand reply. No panic; an error status is a Failure; an
// unusable reply carries a portable error, a refusal one whenever its
// status or exception says which; a 429 is a *mailops.ThrottledError with
// a Retry-After never negative; the output objects decode into any shape
// or fail with a Failure.
func FuzzDecodeCmdletReply(f *testing.F) {
	for _, s := range []struct {
		status int
		ct, ra string
		body   string
	}{
		{200, "application/json", "", `{"value":[{"Identity":"c","Name":"c","Enabled":true}],"@odata.nextLink":"https://outlook.office365.com/adminapi/beta/t/InvokeCommand?$skiptoken=1"}`},
		{500, "application/json", "", `{"error":{"code":"InternalServerError","message":"Error executing cmdlet","details":[{"message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found."}]}}`},
		{400, "application/json", "", `{"error":{"code":"BadRequest","message":"x","innererror":{"internalException":{"message":"|System.Management.Automation.ParameterBindingException|A parameter cannot be found"}}}}`},
		{429, "application/json", "Wed, 02 Dec 2026 00:00:30 GMT", `{"error":{"code":"TooManyRequests","message":"Request is throttled."}}`},
		{429, "", "-5", ``},
		{502, "text/html", "", `<html><head><title>502 Bad Gateway</title></head></html>`},
		{200, "application/json", "", `{"value":[{"Identity":`},
		{200, "text/plain", "", `ok`},
		{404, "application/json", "", `[]`},
		{500, "application/json; charset=utf-8", "", `{"error":{"details":[{"message":"Ex1|a.b|c"},{"message":"||"}]}}`},
	} {
		f.Add(s.status, s.ct, s.ra, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		r, fail := DecodeCmdletReply("Get-Thing", status, header(contentType, retryAfter), body, nil, now)
		if status >= 400 && fail == nil {
			t.Fatalf("HTTP %d %q %q: no failure", status, contentType, body)
		}
		if fail != nil {
			if !fail.Refusal && !isPortable(fail.Err) {
				t.Fatalf("an unusable reply without a portable error: %s", fail)
			}
			if fail.Refusal && fail.Err == nil && (status == 401 || status == 403 || status == 429 || status >= 500 && ExceptionError(fail.Exception) == nil) {
				t.Fatalf("a refusal whose status says what it is, without a portable error: %s", fail)
			}
			var te *mailops.ThrottledError
			if status == 429 && (!errors.As(fail.Err, &te) || te.RetryAfter < 0) {
				t.Fatalf("a 429 that is not a throttle: %s", fail)
			}
			return
		}
		if _, fail := DecodeAll[map[string]any](r.Value); fail != nil && fail.Err != mailops.ErrUnavailable {
			t.Fatalf("objects of an unexpected shape: %s", fail)
		}
		type row struct {
			Identity string `json:"Identity"`
			Enabled  bool   `json:"Enabled"`
			Members  []string
		}
		if rows, fail := DecodeAll[row](r.Value); fail == nil && len(rows) != len(r.Value) {
			t.Fatalf("%d rows from %d objects", len(rows), len(r.Value))
		}
	})
}

// FuzzCheckGraphReply: any status, Content-Type, Retry-After and body as a
// Graph reply before the SDK parses it. No panic; what passes is an empty
// success or valid JSON; what fails carries a portable error.
func FuzzCheckGraphReply(f *testing.F) {
	for _, s := range []struct {
		status int
		ct, ra string
		body   string
	}{
		{200, "application/json", "", `{"value":[{"id":"contoso.example","isVerified":true}]}`},
		{404, "application/json", "", `{"error":{"code":"Request_ResourceNotFound","message":"Resource does not exist"}}`},
		{429, "application/json", "7", ``},
		{502, "text/html", "", `<html><head><title>502 Bad Gateway</title></head></html>`},
		{200, "application/json; odata.metadata=minimal", "", `{"value":[{"id":`},
		{400, "", "", ``},
		{204, "", "", ``},
	} {
		f.Add(s.status, s.ct, s.ra, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		fail := CheckGraphReply("GET /domains", status, header(contentType, retryAfter), body, nil, now)
		if fail == nil {
			if len(body) > 0 && !json.Valid(body) {
				t.Fatalf("HTTP %d %q: invalid JSON passed to the SDK: %q", status, contentType, body)
			}
			if len(body) == 0 && status >= 400 {
				t.Fatalf("HTTP %d without a body passed to the SDK", status)
			}
			return
		}
		if !isPortable(fail.Err) {
			t.Fatalf("a failure without a portable error: %s", fail)
		}
	})
}

// FuzzScrub: Scrub leaves no copy of a token (of 8 bytes or more, without
// the brackets of its replacement and not a piece of it: a real token is
// base64url and dots) and leaves a body without the token alone.
func FuzzScrub(f *testing.F) {
	f.Add([]byte(`{"error":{"message":"Bearer eyJ0eXAiOiJKV1QiLCJub25jZSI6"}}`), "eyJ0eXAiOiJKV1QiLCJub25jZSI6")
	f.Add([]byte(`aaaaaaaaaaaaaaaaa`), "aaaaaaaa")
	f.Fuzz(func(t *testing.T, body []byte, token string) {
		out := Scrub(body, token)
		if len(token) >= 8 && !strings.ContainsAny(token, "[]") && !strings.Contains("[redacted]", token) && bytes.Contains(out, []byte(token)) {
			t.Fatalf("%q still holds %q", out, token)
		}
		if (len(token) < 8 || !bytes.Contains(body, []byte(token))) && !bytes.Equal(out, body) {
			t.Fatalf("a body without the token changed: %q -> %q", body, out)
		}
	})
}
