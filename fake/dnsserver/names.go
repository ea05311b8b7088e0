package dnsserver

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/mailops-dev/mailops/mailops"
)

// canonical returns name fully qualified, lower case, with internationalised
// labels as A-labels ("日本.example" → "xn--wgv71a.example."). It checks the
// label (63) and name (255 octets on the wire) limits. The root is ".".
func canonical(name string) (string, error) {
	if isCanonical(name) {
		return name, nil
	}
	if name != "" && name[len(name)-1] != '.' && len(name) <= 253 {
		if fq := name + "."; isCanonical(fq) {
			return fq, nil // the usual host name, without its final dot
		}
	}
	return canonicalFull(name)
}

// isCanonical reports whether a name is already what canonical makes of it:
// fully qualified, lower-case printable ASCII without escapes, no empty
// label, within the length limits. Such names (every name the in-process
// lookups pass on) need neither splitting nor copying.
func isCanonical(name string) bool {
	if len(name) < 2 || len(name) > 254 || name[len(name)-1] != '.' {
		return false
	}
	label := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case c <= ' ' || c >= 0x7f || c == '\\' || c >= 'A' && c <= 'Z':
			return false
		}
		if label++; label > 63 {
			return false
		}
	}
	return true
}

// canonicalFull is canonical for any name.
func canonicalFull(name string) (string, error) {
	n := strings.TrimSpace(name)
	n = strings.TrimSuffix(n, ".")
	if n == "" {
		if strings.TrimSpace(name) == "." {
			return ".", nil
		}
		return "", invalidName(name, "empty name")
	}
	if strings.Contains(n, `\`) {
		// Presentation escapes (a name off the wire): lower ASCII only.
		if len(n)+2 > 255*4 {
			return "", invalidName(name, "longer than 255 octets")
		}
		return strings.ToLower(n) + ".", nil
	}
	labels := strings.Split(n, ".")
	wire := 1
	for i, l := range labels {
		if l == "" {
			return "", invalidName(name, "empty label")
		}
		if strings.ContainsFunc(l, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return "", invalidName(name, "a label holds a space or control character")
		}
		if !isASCII(l) {
			if !utf8.ValidString(l) {
				return "", invalidName(name, "not valid UTF-8")
			}
			a, err := idna.Lookup.ToASCII(l)
			if err != nil {
				return "", invalidName(name, "not a valid internationalised label: "+err.Error())
			}
			l = a
		}
		l = strings.ToLower(l)
		if len(l) > 63 {
			return "", invalidName(name, "a label is longer than 63 octets")
		}
		labels[i] = l
		wire += len(l) + 1
	}
	if wire > 255 {
		return "", invalidName(name, "longer than 255 octets")
	}
	return strings.Join(labels, ".") + ".", nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func invalidName(name, reason string) error {
	return &mailops.ValidationError{Field: "name", Value: name, Reason: reason}
}

// parent returns the name one label up ("a.b." → "b.", "b." → "."), or ""
// for the root.
func parent(name string) string {
	if name == "." {
		return ""
	}
	i := strings.IndexByte(name, '.')
	if i == len(name)-1 {
		return "."
	}
	return name[i+1:]
}
