package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/mailops-dev/mailops/fake/graphserver"
)

// labToken gets an app-only token from the lab's Entra ID with client
// credentials, trusting only the CA the ports file gives.
func labToken(t *testing.T, l *Lab, resource string) string {
	t.Helper()
	p := l.Ports()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(p.CA)) {
		t.Fatal("the ports file's CA is not a PEM certificate")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	cc := clientcredentials.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, TokenURL: p.Token,
		Scopes: []string{resource + "/.default"}}
	tok, err := cc.Token(context.WithValue(context.Background(), oauth2.HTTPClient, hc))
	if err != nil {
		t.Fatalf("client credentials at the lab's token endpoint: %v", err)
	}
	return tok.AccessToken
}

func graphDo(t *testing.T, l *Lab, method, path, token string) int {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+l.Ports().Graph+path, strings.NewReader(`{"CmdletInput":{"CmdletName":"Get-AcceptedDomain","Parameters":{}}}`))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestGraphTakesOnlyTheLabsTokens: Graph accepts a Graph token from the
// lab's token endpoint, the admin API an Exchange token; each refuses the
// other's, a forged token, no token, and a token past its expiry on the
// lab's wall clock.
func TestGraphTakesOnlyTheLabsTokens(t *testing.T) {
	w := &stepWall{t: time.Now().Truncate(time.Second), c: make(chan time.Time, 1)}
	l, err := Start(Config{Scenario: loadScenario(t, "consolidation.yaml"), Seed: 1, Clock: ClockSpec{Manual: true}, Wall: w})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	graph, exo := labToken(t, l, "https://graph.microsoft.com"), labToken(t, l, ExchangeResource)
	admin := "/adminapi/beta/" + graphserver.DefaultTenantID + "/InvokeCommand"
	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/v1.0/domains", graph, 200},
		{"POST", admin, exo, 200},
		{"GET", "/v1.0/domains", exo, 401},
		{"POST", admin, graph, 401},
		{"GET", "/v1.0/domains", "", 401},
		{"GET", "/v1.0/domains", graph[:len(graph)-4] + "AAAA", 401},
		{"GET", "/v1.0/domains", "lab", 401},
	} {
		if got := graphDo(t, l, c.method, c.path, c.token); got != c.want {
			t.Errorf("%s %s with token %.12q: %d, want %d", c.method, c.path, c.token, got, c.want)
		}
	}
	w.mu.Lock()
	w.t = w.t.Add(2 * time.Hour)
	w.mu.Unlock()
	if got := graphDo(t, l, "GET", "/v1.0/domains", graph); got != 401 {
		t.Errorf("a token two hours old: %d, want 401", got)
	}
}

// TestConcurrencyCheck: a script that keeps its requests in sequence passes
// the grade's concurrency check; one with eight in flight at once fails it.
func TestConcurrencyCheck(t *testing.T) {
	l := startLab(t, "consolidation.yaml", 1)
	tok := labToken(t, l, "https://graph.microsoft.com")
	for range 3 {
		if got := graphDo(t, l, "GET", "/v1.0/domains", tok); got != 200 {
			t.Fatalf("GET: %d", got)
		}
	}
	if c := check(l.Grade(), "the script kept to the concurrency limit"); c.Status != Pass {
		t.Errorf("sequential requests: %+v", c)
	}

	entered := make(chan int, 16)
	l.reqMu.Lock()
	l.onEnter = func(n int) { entered <- n }
	l.reqMu.Unlock()
	const burst = 8
	done := make(chan int, burst)
	// Hold the world while the burst arrives, so that all eight are in
	// flight together.
	l.Do(func() {
		for range burst {
			go func() { done <- graphDo(t, l, "GET", "/v1.0/domains", tok) }()
		}
		deadline := time.After(10 * time.Second)
		for range burst {
			select {
			case <-entered:
			case <-deadline:
				t.Error("the burst did not arrive")
				return
			}
		}
	})
	for range burst {
		<-done
	}
	c := check(l.Grade(), "the script kept to the concurrency limit")
	if c.Status != Fail || !strings.Contains(c.Detail, "8 requests in flight") {
		t.Errorf("eight at once: %+v", c)
	}
}
