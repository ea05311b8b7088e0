package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/mailops-dev/mailops/mailops"
)

// maxBody bounds a reply the driver reads (a page of a list is far smaller).
const maxBody = 64 << 20

// readBody reads a reply body up to maxBody.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return b, err
	}
	if len(b) > maxBody {
		return b[:maxBody], fmt.Errorf("reply longer than %d bytes", maxBody)
	}
	return b, nil
}

// scrub replaces every copy of the bearer token in a reply body with
// "[redacted]": a gateway or a debugging proxy that echoes the request into
// its reply must not put the token into an error, a log line or a report.
// Tokens shorter than 8 bytes are left alone (they would match ordinary
// text; real tokens are JWTs of a thousand bytes).
func scrub(body []byte, token string) []byte {
	if len(token) < 8 || !bytes.Contains(body, []byte(token)) {
		return body
	}
	return bytes.ReplaceAll(body, []byte(token), []byte("[redacted]"))
}

// bearer is the token of a request's Authorization header.
func bearer(req *http.Request) string {
	tok, _ := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	return tok
}

// checkReply is a Graph middleware that turns replies the SDK cannot use
// into a *ResponseError before the SDK sees them: HTML pages (a proxy's
// 502), malformed or truncated JSON. Without it the SDK reports a parse
// error that has lost the status code.
type checkReply struct{ now func() time.Time }

// Intercept implements khttp.Middleware.
func (c checkReply) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, i)
	if err != nil || resp == nil {
		return resp, err
	}
	op := req.Method + " " + req.URL.Path
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode == http.StatusNoContent || (resp.ContentLength == 0 && resp.StatusCode < 400) {
		return resp, nil
	}
	body, rerr := readBody(resp.Body)
	_ = resp.Body.Close()
	body = scrub(body, bearer(req))
	bad := func(reason string) (*http.Response, error) {
		e := statusError(op, resp.StatusCode, resp.Header, c.now)
		if e == nil || e == mailops.ErrNotFound || e == mailops.ErrExists {
			// A 404 or 409 without a Graph error body is not Graph's
			// answer about the object.
			e = mailops.ErrUnavailable
		}
		return nil, &ResponseError{Service: "Graph", Op: op, Status: resp.StatusCode, ContentType: ct, Reason: reason, Snippet: snippet(body), Err: e}
	}
	switch {
	case rerr != nil:
		return bad("reading the body: " + rerr.Error())
	case len(body) == 0 && resp.StatusCode >= 400:
		if e := statusError(op, resp.StatusCode, resp.Header, c.now); e != nil {
			return nil, &ServiceError{Service: "Graph", Op: op, Status: resp.StatusCode, Err: e}
		}
		return bad("an error status without a body")
	case len(body) > 0 && !isJSON(ct):
		return bad("not JSON (an error page from a proxy or gateway?)")
	case len(body) > 0 && !json.Valid(body):
		return bad("malformed or truncated JSON")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// graphHTTPClient builds the Graph SDK's HTTP client over base's transport:
// the SDK's default middleware with its retry handler switched off (the
// mailops Client retries, honouring Retry-After once, across every call),
// plus checkReply.
func graphHTTPClient(base *http.Client, now func() time.Time) (*http.Client, error) {
	opts := msgraphcore.GraphClientOptions{}
	noRetry := &khttp.RetryHandlerOptions{
		ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return false },
	}
	kiota, err := khttp.GetDefaultMiddlewaresWithOptions(noRetry)
	if err != nil {
		return nil, fmt.Errorf("graph: building the Graph middleware: %w", err)
	}
	mw := []khttp.Middleware{msgraphcore.NewGraphTelemetryHandler(&opts)}
	mw = append(mw, kiota...)
	mw = append(mw, checkReply{now: now})
	parent := base.Transport
	if parent == nil {
		parent = http.DefaultTransport
	}
	timeout := base.Timeout
	if timeout == 0 {
		timeout = 100 * time.Second
	}
	return &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(parent, mw...),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Jar:           base.Jar,
	}, nil
}
