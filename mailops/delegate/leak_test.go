package delegate

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// A recognisable fake secret, carried in a token claim, and a garbage
// bearer token: neither, nor any valid token's signature, may show in a
// reply, a log line, the audit export or a notification.
const (
	leakSecret = "MAILOPS-TEST-SECRET-7f3a9c1e5b2d"
	leakToken  = "MAILOPS-TEST-TOKEN-4d2b8e6a0c1f"
)

// composing records the mail MailNotifier sends for each notification
// (the same Compose), then sends it.
type composing struct {
	next  *MailNotifier
	mu    sync.Mutex
	mails []string
}

func (c *composing) Notify(ctx context.Context, r Request) error {
	if n, ok := Compose(r, c.next.From, c.next.Approvers, time.Unix(0, 0), "m"); ok {
		c.mu.Lock()
		c.mails = append(c.mails, string(n.Message))
		c.mu.Unlock()
	}
	return c.next.Notify(ctx, r)
}

// TestServiceNeverLeaksTokens: the delegated API with valid bearer tokens
// (one carrying a secret claim) and invalid ones (garbage, expired, another
// audience, another key): every reply (status, headers, problem+json
// body), the service's log, the audit export and every notification mail
// (delivered through SMTP to a fake relay) are free of the tokens'
// signatures, the garbage token and the secret.
func TestServiceNeverLeaksTokens(t *testing.T) {
	rl := newRelay(t, "alice@depta.example.ac.jp", "it@example.ac.jp")
	mail := &composing{next: &MailNotifier{Relay: rl.addr, From: "mailops@example.ac.jp",
		Approvers: []mailops.Address{"it@example.ac.jp"}, Clock: mailops.WallClock{}}}
	e := newAPIEnvNotifying(t, mail)
	var logs bytes.Buffer
	var logMu sync.Mutex
	e.svc.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))

	alice := e.iss.token(t, "alice", "alice@depta.example.ac.jp", []string{RoleAdminPrefix + "depta.example.ac.jp"},
		map[string]any{"x_secret": leakSecret})
	it := e.iss.token(t, "it", "it@example.ac.jp", []string{RoleApprover, RoleAdminPrefix + "depta.example.ac.jp"}, nil)
	expired := e.iss.token(t, "alice", "alice@depta.example.ac.jp", nil, map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "x_secret": leakSecret})
	otherAud := e.iss.token(t, "alice", "alice@depta.example.ac.jp", nil, map[string]any{"aud": "api://another", "x_secret": leakSecret})
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged := e.iss.sign(t, map[string]any{"iss": e.iss.srv.URL, "aud": audience, "sub": "alice", "x_secret": leakSecret,
		"exp": time.Now().Add(time.Hour).Unix()}, otherKey)
	sig := func(tok string) string { return tok[strings.LastIndexByte(tok, '.')+1:] }
	needles := []string{leakSecret, leakToken, "7f3a9c1e5b2d", "4d2b8e6a0c1f", sig(alice), sig(it), sig(expired), sig(otherAud), sig(forged)}
	var seen strings.Builder
	record := func(what string, r resp) {
		fmt.Fprintf(&seen, "%s: %d %v %s\n", what, r.status, r.header, r.body)
	}

	// Refused tokens: 401 problem+json, saying why without the token.
	for name, tok := range map[string]string{"garbage": leakToken, "expired": expired, "another audience": otherAud,
		"another key": forged, "garbage with a dot": leakToken + "." + leakToken} {
		for _, call := range []struct{ method, path string }{{"GET", "/v1/me"}, {"POST", "/v1/domains/depta.example.ac.jp/addresses"},
			{"GET", "/v1/audit"}} {
			r := e.do(t, tok, call.method, call.path, map[string]any{"local": "x", "targets": []string{"u1@example.ac.jp"}},
				map[string]string{"Idempotency-Key": "k"})
			if r.status != 401 || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s token, %s %s: %d %s %s", name, call.method, call.path, r.status, r.header.Get("Content-Type"), r.body)
			}
			record(name+" "+call.method+" "+call.path, r)
		}
	}

	// Valid tokens: a create, a bad request, approval, the audit export.
	r := e.do(t, alice, "POST", "/v1/domains/depta.example.ac.jp/addresses",
		map[string]any{"local": "office", "targets": []string{"u1@example.ac.jp", "u2@example.ac.jp"}}, map[string]string{"Idempotency-Key": "c1"})
	record("create", r)
	if r.status != 202 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created RequestView
	if err := json.Unmarshal(r.body, &created); err != nil || created.ID == "" {
		t.Fatalf("create: %s %v", r.body, err)
	}
	id := created.ID
	record("bad body", e.do(t, alice, "POST", "/v1/domains/depta.example.ac.jp/addresses",
		map[string]any{"local": "bad local", "targets": []string{"not-an-address"}}, map[string]string{"Idempotency-Key": "c2"}))
	record("another domain", e.do(t, alice, "POST", "/v1/domains/deptb.example.ac.jp/addresses",
		map[string]any{"local": "x", "targets": []string{"u1@example.ac.jp"}}, map[string]string{"Idempotency-Key": "c3"}))
	record("self-approval", e.do(t, alice, "POST", "/v1/requests/"+id+"/approve", nil, map[string]string{"Idempotency-Key": "a0"}))
	record("approve", e.do(t, it, "POST", "/v1/requests/"+id+"/approve", nil, map[string]string{"Idempotency-Key": "a1"}))
	e.waitState(t, id, Done)
	record("read", e.do(t, alice, "GET", "/v1/requests/"+id, nil, nil))
	record("me", e.do(t, alice, "GET", "/v1/me", nil, nil))
	audit := e.do(t, it, "GET", "/v1/audit", nil, nil)
	if audit.status != 200 || !strings.Contains(string(audit.body), id) {
		t.Fatalf("audit export: %d %s", audit.status, audit.body)
	}
	record("audit", audit)

	delivered := rl.delivered()
	if len(delivered["alice@depta.example.ac.jp"]) == 0 || len(delivered["it@example.ac.jp"]) == 0 {
		t.Fatalf("notifications delivered: %v", delivered)
	}
	mail.mu.Lock()
	mails := strings.Join(mail.mails, "\n")
	mail.mu.Unlock()
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	for _, surface := range []struct{ name, text string }{{"replies", seen.String()}, {"log", logged}, {"notifications", mails}} {
		for _, n := range needles {
			if strings.Contains(surface.text, n) {
				t.Errorf("the %s hold %q:\n%s", surface.name, n, surface.text)
			}
		}
	}
	if !strings.Contains(seen.String(), "unauthenticated") || mails == "" {
		t.Fatalf("nothing to scan: replies %d bytes, mails %d bytes", seen.Len(), len(mails))
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
