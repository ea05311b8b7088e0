package mailops

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

func checkName(field, s string, max int, required bool) error {
	if strings.TrimSpace(s) == "" {
		if required {
			return invalid(field, s, "required")
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return invalid(field, s, "not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, s, fmt.Sprintf("%d characters, at most %d allowed", n, max))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return invalid(field, s, "contains a control character")
		}
	}
	return nil
}

// ValidateSimpleDisplayName checks s against Exchange Online's allowed set for
// SimpleDisplayName: a-z A-Z 0-9 space and " ' ( ) + , - . / : ?, at most 256
// characters. The empty string is valid and means "not set".
func ValidateSimpleDisplayName(s string) error {
	return checkSimpleDisplayName("SimpleDisplayName", s)
}

func checkSimpleDisplayName(field, s string) error {
	if len(s) > MaxDisplayNameLen {
		return invalid(field, s, fmt.Sprintf("%d characters, at most %d allowed", len(s), MaxDisplayNameLen))
	}
	for _, r := range s {
		if !simpleDisplayRune(r) {
			return invalid(field, s, fmt.Sprintf("character %q is outside a-z A-Z 0-9 space and \" ' ( ) + , - . / : ?", r))
		}
	}
	return nil
}

func simpleDisplayRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune(" \"'()+,-./:?", r)
}

func checkAddressList(field string, as []Address, max int, self Address) error {
	if len(as) > max {
		return invalid(field, fmt.Sprint(len(as)), fmt.Sprintf("%d entries, at most %d allowed", len(as), max))
	}
	seen := make(map[Address]bool, len(as))
	for i, a := range as {
		f := func() string { return fmt.Sprintf("%s[%d]", field, i) }
		if !isPlainCanonical(string(a)) {
			if err := a.validateField(f()); err != nil {
				return err
			}
		}
		if seen[a] {
			return invalid(f(), string(a), "listed twice")
		}
		if self != "" && a == self {
			return invalid(f(), string(a), "an object cannot list itself")
		}
		seen[a] = true
	}
	return nil
}
