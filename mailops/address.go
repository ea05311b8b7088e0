package mailops

import (
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address is an SMTP address in canonical form: an ASCII local part and an
// A-label domain, both lower-cased (Exchange Online compares addresses without
// regard to case). The zero Address is empty and invalid.
type Address string

// ParseAddress parses a bare address ("user@example.com", no display name) with
// net/mail. An internationalised domain given as U-labels is stored as A-labels.
func ParseAddress(s string) (Address, error) {
	return parseAddressField("Address", s)
}

func parseAddressField(field, s string) (Address, error) {
	if isPlainCanonical(s) {
		return Address(s), nil
	}
	return parseAddressFull(field, s)
}

// parseAddressFull is parseAddressField through net/mail and IDNA.
func parseAddressFull(field, s string) (Address, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return "", invalid(field, s, "empty address")
	}
	if len(raw) > 320 {
		return "", invalid(field, s, "longer than 320 characters")
	}
	a, err := mail.ParseAddress(raw)
	if err != nil {
		return "", invalid(field, s, "not an RFC 5322 address: "+err.Error())
	}
	if a.Name != "" || strings.ContainsAny(raw, "<>") {
		return "", invalid(field, s, "a bare address is required, without a display name")
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return "", invalid(field, s, "missing local part or domain")
	}
	local, dom := a.Address[:at], a.Address[at+1:]
	if !isASCII(local) {
		return "", invalid(field, s, "the local part must be ASCII in Exchange Online")
	}
	if len(local) > 64 {
		return "", invalid(field, s, "local part longer than 64 characters")
	}
	d, err := parseDomainField(field, dom)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return "", invalid(field, s, "domain: "+ve.Reason)
		}
		return "", err
	}
	return Address(strings.ToLower(local) + "@" + d), nil
}

// MustParseAddress is ParseAddress for constants in tests and examples; it
// panics on an invalid address.
func MustParseAddress(s string) Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

// String returns the address.
func (a Address) String() string { return string(a) }

// Local returns the part before the @.
func (a Address) Local() string {
	s := string(a)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[:i]
	}
	return s
}

// Domain returns the A-label domain after the @.
func (a Address) Domain() string {
	s := string(a)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// Validate reports whether a is a valid address in canonical form.
func (a Address) Validate() error { return a.validateField("Address") }

func (a Address) validateField(field string) error {
	p, err := parseAddressField(field, string(a))
	if err != nil {
		return err
	}
	if p != a {
		return invalid(field, string(a), "not in canonical form (want "+string(p)+")")
	}
	return nil
}

// ParseDomainName validates a domain name and returns it lower-cased, as
// A-labels: "Bücher.example" becomes "xn--bcher-kva.example".
func ParseDomainName(s string) (string, error) { return parseDomainField("Domain", s) }

var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.StrictDomainName(true),
	idna.VerifyDNSLength(true),
)

func parseDomainField(field, s string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(s), ".")
	if d == "" {
		return "", invalid(field, s, "empty domain")
	}
	if !utf8.ValidString(d) {
		return "", invalid(field, s, "not valid UTF-8")
	}
	ascii, err := domainProfile.ToASCII(d)
	if err != nil {
		return "", invalid(field, s, "not a valid domain name: "+err.Error())
	}
	ascii = strings.ToLower(ascii)
	if len(ascii) > 253 {
		return "", invalid(field, s, "longer than 253 characters")
	}
	if !strings.Contains(ascii, ".") {
		return "", invalid(field, s, "a mail domain needs at least two labels")
	}
	for _, l := range strings.Split(ascii, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", invalid(field, s, "label "+quote(l)+" is empty, too long or starts or ends with a hyphen")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", invalid(field, s, "label "+quote(l)+" has a character outside letters, digits and hyphen")
			}
		}
	}
	return ascii, nil
}

// parseDomainPattern accepts a domain, a "*.domain" wildcard or, when allowAll,
// a lone "*". It returns the canonical form.
func parseDomainPattern(field, s string, allowAll bool) (string, error) {
	t := strings.TrimSpace(s)
	if t == "*" {
		if allowAll {
			return "*", nil
		}
		return "", invalid(field, s, "a lone wildcard is not allowed here")
	}
	if strings.HasPrefix(t, "*.") {
		d, err := parseDomainField(field, t[2:])
		if err != nil {
			return "", err
		}
		return "*." + d, nil
	}
	if strings.Contains(t, "*") {
		return "", invalid(field, s, "a wildcard is allowed only as a leading \"*.\"")
	}
	return parseDomainField(field, t)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func quote(s string) string { return "\"" + s + "\"" }
