package graphserver

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// graphError is Graph's error body.
type graphError struct {
	Error graphErrorBody `json:"error"`
}

type graphErrorBody struct {
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	InnerError map[string]any `json:"innerError"`
}

func writeGraphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, graphError{Error: graphErrorBody{Code: code, Message: msg, InnerError: map[string]any{
		"date":              time.Unix(0, 0).UTC().Format("2006-01-02T15:04:05"),
		"request-id":        "00000000-0000-0000-0000-000000000000",
		"client-request-id": "00000000-0000-0000-0000-000000000000",
	}}})
}

// writeBackingGraphError renders an error of the backing driver as Graph
// does. notVerified is the message for ErrNotVerified on this endpoint.
func writeBackingGraphError(w http.ResponseWriter, err error, notVerified string) {
	var te *mailops.ThrottledError
	switch {
	case errors.As(err, &te):
		secs := max(1, int((te.RetryAfter+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeGraphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests: "+err.Error())
	case errors.Is(err, mailops.ErrTooManySessions):
		w.Header().Set("Retry-After", "1")
		writeGraphError(w, http.StatusTooManyRequests, "TooManyRequests", err.Error())
	case errors.Is(err, mailops.ErrNotFound):
		writeGraphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present: "+err.Error())
	case errors.Is(err, mailops.ErrDomainTaken):
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "The domain is already verified in another Microsoft Entra organization: "+err.Error())
	case errors.Is(err, mailops.ErrExists):
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "Another object with the same value for property id already exists: "+err.Error())
	case errors.Is(err, mailops.ErrNotVerified):
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", notVerified+": "+err.Error())
	case errors.Is(err, mailops.ErrForbidden):
		writeGraphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation: "+err.Error())
	case errors.Is(err, mailops.ErrInvalid):
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified: "+err.Error())
	case errors.Is(err, mailops.ErrUnavailable):
		writeGraphError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable: "+err.Error())
	default:
		writeGraphError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
	}
}

// collection is an OData collection reply.
type collection struct {
	Context  string `json:"@odata.context"`
	NextLink string `json:"@odata.nextLink,omitempty"`
	Value    any    `json:"value"`
}

func writePage[T any](w http.ResponseWriter, r *http.Request, size int, ctxName string, items []T) {
	pg, next := page(items, r, size)
	c := collection{Context: "https://graph.microsoft.com/v1.0/$metadata#" + ctxName, Value: pg}
	if pg == nil {
		c.Value = []T{}
	}
	if next >= 0 {
		c.NextLink = nextLink(r, next)
	}
	writeJSON(w, http.StatusOK, c)
}

// decodeBody decodes a JSON request body; the Graph SDK gzips bodies
// (Content-Encoding: gzip), which Graph accepts.
func decodeBody(r *http.Request, v any) error {
	var body io.Reader = http.MaxBytesReader(nil, r.Body, 1<<20)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return err
		}
		defer zr.Close()
		body = io.LimitReader(zr, 1<<20)
	}
	return json.NewDecoder(body).Decode(v)
}

// serveGraph routes /v1.0/... requests.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1.0/")
	if beta, isBeta := strings.CutPrefix(r.URL.Path, "/beta/"); isBeta {
		// The fake serves from beta only what v1.0 lacks: domain
		// verification with forceTakeover.
		if parts := strings.Split(beta, "/"); len(parts) == 3 && parts[0] == "domains" && parts[2] == "verify" {
			s.serveDomains(w, r, parts[1:])
			return
		}
		writeGraphError(w, http.StatusBadRequest, "BadRequest", "The fake Graph serves only POST /beta/domains/{id}/verify from beta")
		return
	}
	if !ok {
		writeGraphError(w, http.StatusNotFound, "BadRequest", "Invalid version: "+r.URL.Path)
		return
	}
	parts := strings.Split(rest, "/")
	switch parts[0] {
	case "domains":
		s.serveDomains(w, r, parts[1:])
	case "users":
		s.serveUsers(w, r, parts[1:])
	case "groups":
		s.serveGroups(w, r, parts[1:])
	default:
		writeGraphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+parts[0]+"'.")
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeGraphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The fake Graph does not support "+r.Method+" "+r.URL.Path)
}

func isForbidden(err error) bool { return errors.Is(err, mailops.ErrForbidden) }
