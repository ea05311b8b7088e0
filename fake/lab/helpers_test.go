package lab

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// stillWall is a wall clock that never moves and never ticks: virtual time
// moves only through actions.
type stillWall struct{ t time.Time }

func (w stillWall) Now() time.Time { return w.t }
func (w stillWall) Tick(time.Duration) (<-chan time.Time, func()) {
	return make(chan time.Time), func() {}
}

// stepWall is a wall clock the test moves, ticking when moved.
type stepWall struct {
	mu sync.Mutex
	t  time.Time
	c  chan time.Time
}

func (w *stepWall) Now() time.Time                                { w.mu.Lock(); defer w.mu.Unlock(); return w.t }
func (w *stepWall) Tick(time.Duration) (<-chan time.Time, func()) { return w.c, func() {} }
func (w *stepWall) move(d time.Duration) {
	w.mu.Lock()
	w.t = w.t.Add(d)
	t := w.t
	w.mu.Unlock()
	w.c <- t
}

func repoFile(t testing.TB, rel string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", rel)
}

func loadScenario(t *testing.T, name string) *Scenario {
	t.Helper()
	sc, err := LoadScenario(repoFile(t, filepath.Join("examples", "lab", name)))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// startLab starts a lab on the manual clock with a wall that never ticks.
func startLab(t *testing.T, name string, seed uint64) *Lab {
	t.Helper()
	l, err := Start(Config{Scenario: loadScenario(t, name), Seed: seed, Clock: ClockSpec{Manual: true}, Wall: stillWall{time.Unix(0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return l
}

// post sends an action through the control API.
func post(t *testing.T, l *Lab, a Action) Action {
	t.Helper()
	b, _ := json.Marshal(a)
	res, err := http.Post("http://"+l.Ports().Control+"/api/action", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("action %+v: %s: %s", a, res.Status, body)
	}
	var got Action
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s: %s", url, res.Status, b)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
