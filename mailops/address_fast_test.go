package mailops

import (
	"testing"

	"pgregory.net/rapid"
)

// TestPlainCanonicalAgreesWithTheParser holds the shortcut to the full
// parser: whatever it accepts, net/mail and IDNA accept unchanged.
func TestPlainCanonicalAgreesWithTheParser(t *testing.T) {
	// Pieces that are plain, nearly plain and not plain at all.
	pieces := []string{"a", "z", "0", "9", "-", ".", "@", "_", "+", "'", "!", "~", "A", "Z", " ", "\"", "(", ")",
		"<", ">", ",", ";", "\\", "xn--", "xn--bcher-kva", "ab--", "é", "例", "\x00", "\xff", "..", "example", "uni"}
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.SliceOfN(rapid.SampledFrom(pieces), 1, 12).Draw(t, "parts")
		s := ""
		for _, p := range parts {
			s += p
		}
		if rapid.Bool().Draw(t, "with domain") {
			s += "@" + rapid.SampledFrom([]string{"dept.uni.example", "uni.example", "a.b", "x-y.example", "1.2"}).Draw(t, "domain")
		}
		if !isPlainCanonical(s) {
			return
		}
		got, err := parseAddressFull("Address", s)
		if err != nil || string(got) != s {
			t.Fatalf("shortcut accepts %q; the parser gives %q, %v", s, got, err)
		}
	})
}

// TestPlainCanonicalCoversTheCommonAddresses checks that everyday canonical
// addresses take the shortcut, and that what needs the parser does not.
func TestPlainCanonicalCoversTheCommonAddresses(t *testing.T) {
	for _, s := range []string{"p01@dept.uni.example", "first.last@example.com", "a+tag@x-y.example", "o'brien@example.org", "list-bounces@lists.uni.example"} {
		if !isPlainCanonical(s) {
			t.Errorf("%q should take the shortcut", s)
		}
	}
	for _, s := range []string{"Alice@example.com", "alice@Example.com", "alice@example.com.", " alice@example.com", "alice@xn--bcher-kva.example",
		"\"a b\"@example.com", "a..b@example.com", ".a@example.com", "a.@example.com", "alice@localhost", "alice@-x.example", "alice@bücher.example", "Bob <bob@example.com>"} {
		if isPlainCanonical(s) {
			t.Errorf("%q must go through the parser", s)
		}
	}
}
