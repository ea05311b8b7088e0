package lab

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// Outside clients (swaks, a trainee's Graph script) change the world as
// much as the control API does, so their traffic is in the control log too:
// each SMTP command that reached the world and each Graph or Exchange admin
// API request, with the virtual instant it took effect. These ops are
// recorded by the lab, never accepted from the control API or a script.
const (
	opSMTP  = "smtp"
	opGraph = "graph"
)

// maxGraphBody bounds a recorded Graph request body.
const maxGraphBody = 16 << 20

// HTTPRequest is a Graph or Exchange admin API request as the control log
// keeps it. Credentials (Authorization, cookies) are left out, since a log
// must not carry a token: the lab checks the bearer token at its edge and
// keeps only the verdict, which the replay hands the fake API as a
// stand-in token.
type HTTPRequest struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Auth is the bearer token's verdict: "" (none), "valid" or
	// "invalid".
	Auth string `json:"auth,omitempty"`
}

// Bearer token verdicts, and the stand-in tokens the fake API sees.
const (
	authValid     = "valid"
	authInvalid   = "invalid"
	verifiedToken = "lab-verified"
	rejectedToken = "lab-rejected"
)

// dropped are the request headers a recording leaves out.
var dropped = []string{"Authorization", "Cookie", "Proxy-Authorization"}

// recordRequest reads r into an HTTPRequest; valid checks its bearer
// token.
func recordRequest(r *http.Request, valid func(token string) bool) (*HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGraphBody+1))
	if err != nil {
		return nil, fmt.Errorf("lab: graph: reading the request: %w", err)
	}
	if len(body) > maxGraphBody {
		return nil, fmt.Errorf("lab: graph: request body over %d bytes", maxGraphBody)
	}
	h := r.Header.Clone()
	for _, k := range dropped {
		h.Del(k)
	}
	hr := &HTTPRequest{Method: r.Method, URL: r.URL.RequestURI(), Header: h, Body: body}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && tok != "" {
		hr.Auth = authInvalid
		if valid(tok) {
			hr.Auth = authValid
		}
	}
	return hr, nil
}

// request rebuilds the request.
func (h *HTTPRequest) request() *http.Request {
	r := httptest.NewRequestWithContext(context.Background(), h.Method, h.URL, bytes.NewReader(h.Body))
	for k, vs := range h.Header {
		r.Header[k] = vs
	}
	switch h.Auth {
	case authValid:
		r.Header.Set("Authorization", "Bearer "+verifiedToken)
	case authInvalid:
		r.Header.Set("Authorization", "Bearer "+rejectedToken)
	}
	return r
}

// graphCall logs a Graph request and starts serving it as a process of
// the world (the tenant's calls take virtual time); done, if not nil, is
// closed when the response is in rec. Under the world's lock.
func (e *engine) graphCall(h *HTTPRequest, rec http.ResponseWriter, done chan struct{}) {
	e.stepTo(e.now())
	e.log = append(e.log, Action{At: e.now(), Op: opGraph, HTTP: h})
	e.w.Scheduler().GoNamed("graph "+h.Method+" "+h.URL, func() {
		if done != nil {
			defer close(done)
		}
		e.graph.ServeHTTP(rec, h.request())
	})
}

// smtpHooks record the SMTP commands of outside clients: before each, the
// world reaches the current instant (as a replay does before applying it);
// after it, the command goes in the control log.
func (e *engine) smtpHooks() smtpserve.Hooks {
	return smtpserve.Hooks{
		Before: func() { e.stepTo(e.now()) },
		Record: e.smtpRecorded,
	}
}

// smtpRecorded logs one applied command; a submitted message also goes on
// the timeline.
func (e *engine) smtpRecorded(c smtpserve.Command, r mailflow.Reply) {
	now := e.now()
	e.log = append(e.log, Action{At: now, Op: opSMTP, SMTP: &c})
	switch c.Op {
	case smtpserve.CmdOpen:
		if r.Positive() {
			e.conns[c.Conn] = c.Host
		}
	case smtpserve.CmdClose:
		delete(e.conns, c.Conn)
	case smtpserve.CmdData:
		e.tl.add(now, "client", fmt.Sprintf("an SMTP client (connection %d) sent a message to %s: %d %s", c.Conn, e.conns[c.Conn], r.Code, r.Text))
	}
}

// replayOutside applies a recorded outside-client action at its instant.
func (e *engine) replayOutside(a Action, p *smtpserve.Player) error {
	e.stepTo(a.At)
	switch {
	case a.Op == opSMTP && a.SMTP != nil:
		r, err := p.Apply(*a.SMTP)
		if err != nil {
			return err
		}
		e.smtpRecorded(*a.SMTP, r)
	case a.Op == opGraph && a.HTTP != nil:
		e.graphCall(a.HTTP, httptest.NewRecorder(), nil)
	default:
		return fmt.Errorf("lab: replay: %s action without its request", a.Op)
	}
	return nil
}
