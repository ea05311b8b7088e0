package legacy

import (
	"strings"
	"testing"
)

func FuzzParseAliases(f *testing.F) {
	f.Add(aliasesExample)
	f.Add("a: b\n\tc, \"|x, y\"\n")
	f.Fuzz(func(t *testing.T, src string) {
		tb, err := ParseAliases(strings.NewReader(src), "f")
		if err != nil {
			return
		}
		again, err := ParseAliases(strings.NewReader(RenderAliases(tb)), "f")
		if err != nil {
			t.Fatalf("rendered table does not parse: %v\n%s", err, RenderAliases(tb))
		}
		for _, e := range tb.Entries {
			if g, ok := again.Lookup(e.Key); !ok || !equalTargets(g.Targets, e.Targets) {
				t.Fatalf("round trip changed %q: %v -> %v", e.Key, e.Targets, g.Targets)
			}
		}
	})
}

func FuzzParseVirtual(f *testing.F) {
	f.Add(virtualExample)
	f.Add(virtusertableExample)
	f.Fuzz(func(t *testing.T, src string) {
		_, _, _ = ParseVirtual(strings.NewReader(src), "f")
		_, _ = ParseVirtusertable(strings.NewReader(src), "f")
	})
}

func FuzzParseForward(f *testing.F) {
	f.Add("\\me, you@example.com\n")
	f.Add("# Exim filter\n")
	f.Fuzz(func(t *testing.T, src string) {
		ts, pos, err := ParseForward(strings.NewReader(src), "f")
		if err == nil && len(ts) != len(pos) {
			t.Fatalf("%d targets, %d positions", len(ts), len(pos))
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add("address,targets\na@b.example,c@d.example\n")
	f.Fuzz(func(t *testing.T, src string) { _, _ = ParseCSV(strings.NewReader(src), "f") })
}
