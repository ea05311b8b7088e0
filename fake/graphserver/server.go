package graphserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// TenantID is the tenant id in the InvokeCommand path; default
	// "00000000-0000-0000-0000-000000000001".
	TenantID string
	// Token, when set, is the only bearer token accepted; any other (or
	// none) gets 401. When empty, any non-empty bearer token is accepted.
	Token string
	// PageSize is the largest page a list returns before @odata.nextLink;
	// default 100.
	PageSize int
}

// DefaultTenantID is the tenant id used when Options.TenantID is empty.
const DefaultTenantID = "00000000-0000-0000-0000-000000000001"

// Server is the fake Graph and EXO admin API. It is an http.Handler; serve it
// with httptest.NewServer (loopback) or an http.Server bound to loopback.
type Server struct {
	d    mailops.Driver
	opts Options

	mu       sync.Mutex
	faults   []Fault
	requests []string
	calls    []Call
}

// Call is one InvokeCommand request as received: the cmdlet and its
// parameter names, sorted.
type Call struct {
	Cmdlet     string
	Parameters []string
}

// Calls returns every InvokeCommand request received so far, in order,
// including refused ones.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// New returns a Server that serves the tenant behind d.
func New(d mailops.Driver, opts Options) *Server {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	return &Server{d: d, opts: opts}
}

// FaultKind says how an injected fault answers.
type FaultKind int

// Fault kinds.
const (
	// Throttle answers 429 with a Retry-After header (and, for Graph, an
	// error body with code TooManyRequests); nothing is applied.
	Throttle FaultKind = iota
	// ExpiredToken answers 401 InvalidAuthenticationToken "Lifetime
	// validation failed, the token is expired."; nothing is applied.
	ExpiredToken
	// BadGatewayHTML answers 502 with an HTML page, as a proxy or load
	// balancer in front of the service does; nothing is applied.
	BadGatewayHTML
	// TruncatedBody applies the request, then sends only the first half of
	// the reply body with status 200 (a reply cut off in transit).
	TruncatedBody
)

// Fault is an armed failure. It fires on the next Count requests (default 1)
// whose description contains Match: "GET /v1.0/domains/x.example" for Graph,
// "EXO Get-Mailbox" for InvokeCommand ("" matches every request).
type Fault struct {
	Match      string
	Kind       FaultKind
	RetryAfter time.Duration // for Throttle; default 1s
	Count      int
}

// InjectFault arms a fault.
func (s *Server) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	if f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Requests returns the description of every request served so far, in
// order ("GET /v1.0/domains", "EXO Set-AcceptedDomain", ...).
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) record(desc string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, desc)
	for i := range s.faults {
		f := &s.faults[i]
		if f.Count > 0 && strings.Contains(desc, f.Match) {
			f.Count--
			return *f, true
		}
	}
	return Fault{}, false
}

// ServeHTTP routes a request to Graph or the EXO admin API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	exoPath := "/adminapi/beta/" + s.opts.TenantID + "/InvokeCommand"
	isEXO := strings.HasPrefix(r.URL.Path, "/adminapi/")
	var env cmdletEnvelope
	desc := r.Method + " " + r.URL.Path
	if isEXO {
		if r.URL.Path != exoPath || r.Method != http.MethodPost {
			writeEXOPlainError(w, http.StatusNotFound, "NotFound", "no such admin API endpoint: "+r.Method+" "+r.URL.Path)
			return
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20)).Decode(&env); err != nil {
			writeEXOPlainError(w, http.StatusBadRequest, "BadRequest", "the request body is not a CmdletInput envelope: "+err.Error())
			return
		}
		desc = "EXO " + env.CmdletInput.CmdletName
		names := make([]string, 0, len(env.CmdletInput.Parameters))
		for k := range env.CmdletInput.Parameters {
			names = append(names, k)
		}
		sort.Strings(names)
		s.mu.Lock()
		s.calls = append(s.calls, Call{Cmdlet: env.CmdletInput.CmdletName, Parameters: names})
		s.mu.Unlock()
	}
	fault, faulty := s.record(desc)
	if faulty && fault.Kind != TruncatedBody {
		s.serveFault(w, fault, isEXO)
		return
	}
	if !s.authorised(r) {
		msg := "Access token validation failure. Invalid audience."
		if r.Header.Get("Authorization") == "" {
			msg = "Access token is empty."
		}
		if isEXO {
			writeEXOPlainError(w, http.StatusUnauthorized, "Unauthorized", msg)
		} else {
			writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		}
		return
	}
	if !faulty {
		s.dispatch(w, r, isEXO, env)
		return
	}
	// TruncatedBody: apply, then send half of the reply.
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	s.dispatch(rec, r, isEXO, env)
	body := rec.buf.Bytes()
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body[:len(body)/2])
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, isEXO bool, env cmdletEnvelope) {
	if isEXO {
		s.serveEXO(w, r, env)
	} else {
		s.serveGraph(w, r)
	}
}

func (s *Server) authorised(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	return s.opts.Token == "" || tok == s.opts.Token
}

func (s *Server) serveFault(w http.ResponseWriter, f Fault, isEXO bool) {
	switch f.Kind {
	case Throttle:
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if isEXO {
			writeEXOPlainError(w, http.StatusTooManyRequests, "TooManyRequests", "Request is throttled. Retry after "+strconv.Itoa(secs)+" seconds.")
		} else {
			writeGraphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
		}
	case ExpiredToken:
		msg := "Lifetime validation failed, the token is expired."
		if isEXO {
			writeEXOPlainError(w, http.StatusUnauthorized, "Unauthorized", msg)
		} else {
			writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		}
	case BadGatewayHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n")
	}
}

// recorder buffers a reply so that a fault can cut it.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.status = code }

// objectID derives a stable GUID-shaped directory object id from a kind and
// an identity, as Entra ID gives every object one.
func objectID(kind, identity string) string {
	h := sha256.Sum256([]byte(kind + ":" + strings.ToLower(identity)))
	x := fmt.Sprintf("%x", h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page cuts items at the skip token and returns the page and the next skip
// token (-1 when it is the last page).
func page[T any](items []T, r *http.Request, size int) ([]T, int) {
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	if skip < 0 || skip > len(items) {
		skip = len(items)
	}
	end := min(skip+size, len(items))
	next := -1
	if end < len(items) {
		next = end
	}
	return items[skip:end], next
}

// nextLink is the absolute URL of the next page of the request r.
func nextLink(r *http.Request, next int) string {
	q := r.URL.Query()
	q.Set("$skiptoken", strconv.Itoa(next))
	return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
}
