package graph

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/mailops-dev/mailops/mailops/graph/internal/wire"
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
	if resp.StatusCode == http.StatusNoContent || (resp.ContentLength == 0 && resp.StatusCode < 400) {
		return resp, nil
	}
	body, rerr := readBody(resp.Body)
	_ = resp.Body.Close()
	body = wire.Scrub(body, bearer(req))
	if f := wire.CheckGraphReply(op, resp.StatusCode, resp.Header, body, rerr, c.now); f != nil {
		return nil, failureErr("Graph", op, f)
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
