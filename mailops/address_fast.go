package mailops

import "strings"

// isPlainCanonical reports whether s is an address that parseAddressField
// would return unchanged, recognised without net/mail and IDNA: a local part
// of lower-case atext in dot-atom form (RFC 5322 3.2.3) and a domain of at
// least two lower-case letter-digit-hyphen labels, within the length limits.
// It answers false for anything less plain (upper case, quotes, A-labels,
// "--" in the third and fourth places, non-ASCII), which then takes the full
// parser; so it is a shortcut for the common case and never a second
// definition of a valid address. TestPlainCanonicalAgreesWithTheParser holds
// it to the parser.
func isPlainCanonical(s string) bool {
	if len(s) > 320 {
		return false
	}
	at := strings.IndexByte(s, '@')
	if at <= 0 || at > 64 {
		return false
	}
	return plainLocal(s[:at]) && plainDomain(s[at+1:])
}

func plainLocal(l string) bool {
	prevDot := true // no leading dot
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
		prevDot = false
	}
	return !prevDot // no trailing dot
}

func plainDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := 0
	for len(d) > 0 {
		l := d
		if i := strings.IndexByte(d, '.'); i >= 0 {
			l, d = d[:i], d[i+1:]
			if d == "" {
				return false // trailing dot: the parser trims it (not canonical)
			}
		} else {
			d = ""
		}
		if !plainLabel(l) {
			return false
		}
		labels++
	}
	return labels >= 2
}

func plainLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	if len(l) >= 4 && l[2] == '-' && l[3] == '-' {
		return false // an A-label or reserved: IDNA decides
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
