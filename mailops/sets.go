package mailops

import (
	"slices"
	"strings"
)

// sameAddresses reports whether a and b hold the same addresses, in any order.
func sameAddresses(a, b []Address) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func joinAddresses(as []Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return "[" + strings.Join(s, " ") + "]"
}
