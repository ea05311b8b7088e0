package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// Recognisable fake credentials: any output that contains one of them
// (or a long enough piece of it) is a leak.
const (
	leakSecret = "MAILOPS-TEST-SECRET-7f3a9c1e5b2d"
	leakToken  = "MAILOPS-TEST-TOKEN-4d2b8e6a0c1f"
)

// assertNoLeak fails if s holds the secret, the token or their
// distinctive tails (a secret cut in half is still a leak).
func assertNoLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, x := range []string{leakSecret, leakToken, "7f3a9c1e5b2d", "4d2b8e6a0c1f"} {
		if strings.Contains(s, x) {
			t.Errorf("%s leaks %q:\n%s", what, x, s)
		}
	}
}

// echoGateway stands in front of the fake service like a misbehaving proxy
// or gateway: while armed, it answers with mode, echoing the request it
// got, Authorization header included, into the body.
type echoGateway struct {
	next http.Handler
	mu   sync.Mutex
	mode string
}

func (g *echoGateway) arm(mode string) { g.mu.Lock(); g.mode = mode; g.mu.Unlock() }

func (g *echoGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	mode, next := g.mode, g.next
	g.mu.Unlock()
	auth := r.Header.Get("Authorization")
	quoted, _ := json.Marshal("request " + r.Method + " " + r.URL.Path + " with Authorization: " + auth)
	switch mode {
	case "":
		next.ServeHTTP(w, r)
	case "403 graph error":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"error":{"code":"Authorization_RequestDenied","message":%s}}`, quoted)
	case "500 exchange error":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"error":{"code":"InternalServerError","message":%s,"details":[{"message":%s}]}}`, quoted, quoted)
	case "400 bad request":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"code":"BadRequest","message":%s}}`, quoted)
	case "429 echo":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"error":{"code":"TooManyRequests","message":%s}}`, quoted)
	case "401 text":
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "401 Unauthorized: %s\n", auth)
	case "502 html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html><head><title>502 %s</title></head><body>%s</body></html>", auth, auth)
	case "200 malformed":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":[{"id":%s`, quoted)
	case "200 wrong shape":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":[{"Identity":%s,"Name":7,"id":7}]}`, quoted)
	default:
		panic("unknown mode " + mode)
	}
}

// formatted is every way an error gets printed: each error of its chain
// with %v, %+v, %#v and %q.
func formatted(err error) string {
	var b strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		fmt.Fprintf(&b, "%v\n%+v\n%#v\n%q\n", e, e, e, e)
	}
	return b.String()
}

// The graph driver behind the Client, with a recognisable token, against
// the fake service and a gateway that echoes the Authorization header into
// every kind of failure the driver handles: no error string (%v, %+v, %#v,
// down the chain) and no log line (the Client's debug log) holds the token.
func TestDriverErrorsAndLogsNeverHoldTheToken(t *testing.T) {
	w := newWorld(t, 11, 100)
	srv := graphserver.New(w.tenant.Driver("admin"), graphserver.Options{Token: leakToken})
	gw := &echoGateway{next: srv}
	hs := httptest.NewServer(gw)
	t.Cleanup(hs.Close)
	d, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{token: leakToken},
		GraphURL: hs.URL + "/v1.0", ExchangeURL: hs.URL, HTTPClient: hs.Client(), Clock: w.s})
	require.NoError(t, err)
	var logs bytes.Buffer
	c := mailops.NewClient(d, mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 2},
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})

	calls := map[string]func(ctx context.Context) error{
		"ListDomains (Graph)":   func(ctx context.Context) error { _, err := c.ListDomains(ctx); return err },
		"GetDomain (Graph)":     func(ctx context.Context) error { _, err := c.GetDomain(ctx, "contoso.example"); return err },
		"TakeOver (Graph beta)": func(ctx context.Context) error { _, err := d.TakeOverDomain(ctx, "contoso.example"); return err },
		"ListOutboundConnectors (Exchange)": func(ctx context.Context) error {
			_, err := c.ListOutboundConnectors(ctx)
			return err
		},
		"GetRecipient (Exchange)": func(ctx context.Context) error {
			_, err := c.GetRecipient(ctx, "nobody@contoso.example")
			return err
		},
		"MessageTrace (Exchange)": func(ctx context.Context) error {
			_, err := c.MessageTrace(ctx, mailops.TraceQuery{Start: w.s.Now().Add(-time.Hour), End: w.s.Now()})
			return err
		},
	}
	modes := []string{"403 graph error", "500 exchange error", "400 bad request", "429 echo", "401 text", "502 html",
		"200 malformed", "200 wrong shape"}
	faults := []graphserver.FaultKind{graphserver.Throttle, graphserver.ExpiredToken, graphserver.BadGatewayHTML, graphserver.TruncatedBody}
	run := func(name string, call func(ctx context.Context) error) error {
		var err error
		w.s.Go(func() { err = call(context.Background()) })
		require.NoError(t, w.s.Run(), name)
		return err
	}
	failures := 0
	for name, call := range calls {
		for _, m := range modes {
			gw.arm(m)
			err := run(name, call)
			gw.arm("")
			if m != "200 wrong shape" {
				require.Error(t, err, "%s under %s", name, m)
			}
			if err != nil {
				failures++
				assertNoLeak(t, name+" under "+m, formatted(err))
			}
		}
		for _, f := range faults {
			srv.InjectFault(graphserver.Fault{Kind: f, Count: 2})
			err := run(name, call)
			if err != nil {
				failures++
				assertNoLeak(t, fmt.Sprintf("%s under fault %d", name, f), formatted(err))
			}
		}
		// A missing object: the Exchange cmdlet fails with its exception.
		if err := run(name, call); err != nil {
			assertNoLeak(t, name+" plain", formatted(err))
		}
	}
	assert.Greater(t, failures, 40, "the failures were exercised")
	require.NotZero(t, logs.Len(), "the Client logged the calls")
	assert.Contains(t, logs.String(), "mailops: call failed", "failed calls were logged")
	assertNoLeak(t, "the Client's log", logs.String())

	// A wrong token is refused without echoing either token.
	wrong, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{token: leakToken + "-wrong"},
		GraphURL: w.http.URL + "/v1.0", ExchangeURL: w.http.URL, HTTPClient: w.http.Client()})
	require.NoError(t, err)
	_, err = wrong.ListDomains(context.Background())
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assertNoLeak(t, "a refused token", formatted(err))
}

// fakeEntra answers every token request the way Entra ID refuses a wrong
// client secret (AADSTS7000215), and records the requests it got.
type fakeEntra struct {
	mu     sync.Mutex
	bodies []string
	echo   bool
}

func (f *fakeEntra) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	if req.Method == http.MethodGet {
		// Tenant discovery: the OpenID metadata naming the token endpoint.
		base := "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001"
		meta, _ := json.Marshal(map[string]any{"token_endpoint": base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize", "issuer": base + "/v2.0"})
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Request: req,
			Header: http.Header{"Content-Type": []string{"application/json"}}, Body: io.NopCloser(bytes.NewReader(meta))}, nil
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	desc := "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."
	if f.echo {
		desc += " Request: " + string(body)
	}
	reply, _ := json.Marshal(map[string]any{"error": "invalid_client", "error_description": desc, "error_codes": []int{7000215}})
	return &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized", Request: req,
		Header: http.Header{"Content-Type": []string{"application/json"}}, Body: io.NopCloser(bytes.NewReader(reply))}, nil
}

// A client secret refused by (a fake) Entra ID: the driver's error is
// ErrForbidden and holds neither the secret nor the request that carried it,
// even when the identity endpoint echoes that request back.
func TestRefusedClientSecretNeverInTheError(t *testing.T) {
	for _, echo := range []bool{false, true} {
		t.Run(fmt.Sprint("echo=", echo), func(t *testing.T) {
			entra := &fakeEntra{echo: echo}
			cred, err := graph.NewCredential(graph.Credentials{TenantID: "00000000-0000-0000-0000-000000000001",
				ClientID: "11111111-1111-1111-1111-111111111111", ClientSecret: leakSecret, Transport: entra})
			require.NoError(t, err)
			w := newWorld(t, 12, 100)
			d, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: cred,
				GraphURL: w.http.URL + "/v1.0", ExchangeURL: w.http.URL, HTTPClient: w.http.Client()})
			require.NoError(t, err)
			for _, call := range []func() error{
				func() error { _, err := d.ListDomains(context.Background()); return err },
				func() error { _, err := d.ListOutboundConnectors(context.Background()); return err },
			} {
				err := call()
				require.ErrorIs(t, err, mailops.ErrForbidden)
				assert.Contains(t, err.Error(), "AADSTS7000215", "the error says why")
				assertNoLeak(t, "a refused client secret", formatted(err))
			}
			entra.mu.Lock()
			defer entra.mu.Unlock()
			require.NotEmpty(t, entra.bodies, "the credential asked the fake Entra ID")
			assert.Contains(t, strings.Join(entra.bodies, "\n"), leakSecret, "the secret went to the identity endpoint (so it was there to leak)")
		})
	}
}

// Credentials and Config printed or logged in every usual way never show
// the client secret or the certificate password.
func TestCredentialsRedactSecrets(t *testing.T) {
	c := graph.Credentials{TenantID: "contoso.onmicrosoft.com", ClientID: "11111111-1111-1111-1111-111111111111",
		ClientSecret: leakSecret, CertificatePath: "/etc/mailops/cert.pem", CertificatePassword: leakToken}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("credentials", "creds", c, "ptr", &c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("credentials", "creds", c, "ptr", &c)
	j, err := json.Marshal(c)
	require.NoError(t, err)
	out := fmt.Sprintf("%v %+v %#v %s %q %v %+v", c, c, c, c, c, &c, &c) + logs.String() + string(j)
	assertNoLeak(t, "printed Credentials", out)
	assert.Contains(t, out, "contoso.onmicrosoft.com", "the rest is still printed")
	assert.Contains(t, out, "[redacted]", "a redacted field says so")
	// The value itself is untouched.
	assert.Equal(t, leakSecret, c.ClientSecret)
}
