package lab

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRefusesNonLoopback(t *testing.T) {
	sc := loadScenario(t, "consolidation.yaml")
	for _, l := range []Listen{
		{DNS: "0.0.0.0:0"},
		{IMAP: "192.0.2.1:1143"},
		{Control: "[::]:0"},
		{Graph: "example.com:80"},
		{SMTP: map[string]string{"legacy": "10.0.0.1:25"}},
	} {
		_, err := Start(Config{Scenario: sc, Listen: l, Clock: ClockSpec{Manual: true}, Wall: stillWall{}})
		var nl *NonLoopbackError
		if !errors.As(err, &nl) {
			t.Errorf("Start with %+v: got %v, want a *NonLoopbackError", l, err)
		}
	}
}

func TestPortsFileAndState(t *testing.T) {
	l := startLab(t, "consolidation.yaml", 1)
	path := filepath.Join(t.TempDir(), "ports.json")
	if err := l.WritePorts(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dns", "smtp", "imap", "graph", "token", "control"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("ports file has no %q key: %s", k, b)
		}
	}
	p := l.Ports()
	for _, role := range []string{"legacy", "exo", "submission", "internet"} {
		if !strings.HasPrefix(p.SMTP[role], "127.0.0.1:") {
			t.Errorf("smtp %s at %q, want a loopback address", role, p.SMTP[role])
		}
	}
	var st struct {
		Now  time.Time `json:"now"`
		Kind string    `json:"kind"`
	}
	getJSON(t, "http://"+p.Control+"/api/state", &st)
	if st.Kind != "Consolidation" {
		t.Errorf("kind %q", st.Kind)
	}
	got := post(t, l, Action{Op: "advance", Duration: "10m"})
	var st2 struct {
		Now time.Time `json:"now"`
	}
	getJSON(t, "http://"+p.Control+"/api/state", &st2)
	if d := st2.Now.Sub(st.Now); d != 10*time.Minute {
		t.Errorf("advance 10m moved virtual time by %s", d)
	}
	if !got.At.Equal(st.Now) {
		t.Errorf("the advance was logged at %s, want %s", got.At, st.Now)
	}
}

func TestBadActionRefused(t *testing.T) {
	l := startLab(t, "consolidation.yaml", 1)
	for _, body := range []string{`{"op":"explode"}`, `{"op":"advance","duration":"-1m"}`, `{"op":"smtp-fault","host":"legacy","stage":"nope"}`, `{"op":"advance","bogus":1}`} {
		res, err := http.Post("http://"+l.Ports().Control+"/api/action", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", body, res.Status)
		}
	}
	if n := len(l.Log().Actions); n != 0 {
		t.Errorf("refused actions were logged: %d", n)
	}
}
