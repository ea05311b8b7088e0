package dnsserver

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestIsCanonicalAgreesWithCanonical holds the shortcut to the full
// canonicalisation: a name it passes comes back unchanged from it.
func TestIsCanonicalAgreesWithCanonical(t *testing.T) {
	pieces := []string{"a", "z", "0", "-", "_", ".", "A", "Z", " ", "\\", "\t", "\x7f", "é", "例", "xn--bcher-kva", "example", strings.Repeat("b", 63), strings.Repeat("c", 64)}
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.SliceOfN(rapid.SampledFrom(pieces), 1, 20).Draw(t, "parts")
		name := strings.Join(parts, "")
		// Whatever the shortcuts take, canonical agrees with the full path.
		got, err := canonical(name)
		want, werr := canonicalFull(name)
		if got != want || (err == nil) != (werr == nil) {
			t.Fatalf("canonical(%q) = %q, %v; the full path gives %q, %v", name, got, err, want, werr)
		}
		if isCanonical(name) && (werr != nil || want != name) {
			t.Fatalf("shortcut passes %q; the full path gives %q, %v", name, want, werr)
		}
	})
	for _, n := range []string{"mx.example.", "_dmarc.example.ac.jp.", "x." + strings.Repeat("a.", 126)} {
		if got, err := canonicalFull(n); !isCanonical(n) || err != nil || got != n {
			t.Errorf("%q should pass the shortcut (canonical: %q, %v)", n, got, err)
		}
	}
	for _, n := range []string{"Mx.example.", "mx.example", "mx..example.", ".", "a b.", "x." + strings.Repeat("a.", 127)} {
		if isCanonical(n) {
			t.Errorf("%q must go the long way", n)
		}
	}
}
