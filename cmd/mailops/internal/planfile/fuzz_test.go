package planfile

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// FuzzPlanFile: arbitrary bytes as a saved plan (apply's input). Decode and
// Load never panic and fail with an error; a file that decodes encodes to
// JSON that decodes to the same file, and a plan that loads has the
// fingerprint its file names. testdata/fuzz/FuzzPlanFile/real-plan is a
// real plan --out.
func FuzzPlanFile(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"mailops.dev/plan/v1","specSHA256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","plans":[{"name":"p","steps":[{"id":"s","actions":[{"op":{"type":"AddDomain","fields":{"Name":"x.example"}}},{"wait":{"for":"1h"}}]}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Decode("fuzz.json", data)
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
		pf2, err := Decode("again.json", again)
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
			p, err := Load(sp, checks)
			if err != nil {
				continue
			}
			if p.Fingerprint() != sp.Fingerprint {
				t.Fatalf("plan %s loaded with fingerprint %s, the file says %s", sp.Name, p.Fingerprint(), sp.Fingerprint)
			}
			_, _ = sp.Basis.Preflight() // a basis that decodes never panics turning back into a preflight
		}
	})
}

// The real saved plan in the corpus decodes and every plan in it loads
// with its fingerprint (so the fuzzer starts from a valid file).
func TestRealPlanLoads(t *testing.T) {
	corpus := readCorpus(t, "testdata/fuzz/FuzzPlanFile/real-plan")
	pf, err := Decode("real-plan", corpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.Plans) == 0 {
		t.Fatal("no plans")
	}
	checks := func(step string, action int, name string) (*mailops.Check, error) {
		return &mailops.Check{Name: name}, nil
	}
	for _, sp := range pf.Plans {
		if _, err := Load(sp, checks); err != nil {
			t.Fatalf("plan %s: %v", sp.Name, err)
		}
	}
}
