package lab

import (
	"net/http"
	"testing"
	"time"
)

func graphGet(t *testing.T, l *Lab, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+l.Ports().Graph+path, nil)
	req.Header.Set("Authorization", "Bearer "+labToken(t, l, "https://graph.microsoft.com"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestGraphServesTheWorldsTenant(t *testing.T) {
	l := startLab(t, "consolidation.yaml", 1)
	if res := graphGet(t, l, "/v1.0/domains/example.ac.jp"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET domain: %s", res.Status)
	}
	if res := graphGet(t, l, "/v1.0/domains/nowhere.example"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET unknown domain: %s", res.Status)
	}
}

// TestRetryAfterCheck: retrying at once after a 429 fails the check;
// waiting the Retry-After passes it.
func TestRetryAfterCheck(t *testing.T) {
	for _, wait := range []time.Duration{0, 30 * time.Second} {
		w := &stepWall{t: time.Unix(1000, 0), c: make(chan time.Time)}
		l, err := Start(Config{Scenario: loadScenario(t, "consolidation.yaml"), Seed: 1, Clock: ClockSpec{Manual: true}, Wall: w})
		if err != nil {
			t.Fatal(err)
		}
		post(t, l, Action{Op: "throttle", Count: 1, Duration: "30s"})
		if res := graphGet(t, l, "/v1.0/domains"); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" {
			t.Fatalf("throttled request: %s, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
		}
		if wait > 0 {
			w.move(wait)
		}
		if res := graphGet(t, l, "/v1.0/domains"); res.StatusCode != http.StatusOK {
			t.Fatalf("retry: %s", res.Status)
		}
		c := check(l.Grade(), "Retry-After")
		want := Fail
		if wait > 0 {
			want = Pass
		}
		if c.Status != want {
			t.Errorf("waited %s: %+v, want %s", wait, c, want)
		}
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}
}
