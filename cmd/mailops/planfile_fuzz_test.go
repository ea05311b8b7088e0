package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// FuzzPlanFile: arbitrary bytes as a saved plan (apply's input). Decoding
// and loading never panic and fail with an error; a file that decodes
// encodes to JSON that decodes to the same file, and a plan that loads has
// the fingerprint its file claims.
func FuzzPlanFile(f *testing.F) {
	// A real saved plan: plan --out against the fake tenant.
	sf, _, err := loadSpec("testdata/kill/spec.yaml")
	if err != nil {
		f.Fatal(err)
	}
	g, err := newFakeGraph(context.Background(), sf, 1, "")
	if err != nil {
		f.Fatal(err)
	}
	url, stop, err := serveFake(g, g.Handler())
	if err != nil {
		f.Fatal(err)
	}
	out := filepath.Join(f.TempDir(), "plan.json")
	var o, e bytes.Buffer
	if code := Main(context.Background(), []string{"plan", "testdata/kill/spec.yaml", "--graph", url, "--out", out}, &o, &e); code != exitOK {
		f.Fatalf("plan: %d %s", code, e.String())
	}
	stop()
	real, err := os.ReadFile(out)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)
	f.Add([]byte(`{"apiVersion":"mailops.dev/plan/v1","specSHA256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","plans":[{"name":"p","steps":[{"id":"s","actions":[{"op":{"type":"AddDomain","fields":{"Name":"x.example"}}},{"wait":{"for":"1h"}}]}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := decodePlanFile("fuzz.json", data)
		if err != nil {
			if pf != nil {
				t.Fatal("an error with a plan file")
			}
			return
		}
		again, err := json.Marshal(pf)
		if err != nil {
			t.Fatalf("a decoded plan file does not encode: %v", err)
		}
		pf2, err := decodePlanFile("again.json", again)
		if err != nil {
			t.Fatalf("a decoded plan file, encoded, does not decode: %v\n%s", err, again)
		}
		if again2, _ := json.Marshal(pf2); !bytes.Equal(again, again2) {
			t.Fatalf("decode/encode is not stable:\n%s\n%s", again, again2)
		}
		checks := func(step string, action int, name string) (*mailops.Check, error) {
			return &mailops.Check{Name: name}, nil
		}
		for _, sp := range pf.Plans {
			p, err := loadPlan(sp, checks)
			if err != nil {
				continue
			}
			if p.Fingerprint() != sp.Fingerprint {
				t.Fatalf("plan %s loaded with fingerprint %s, the file says %s", sp.Name, p.Fingerprint(), sp.Fingerprint)
			}
		}
	})
}
