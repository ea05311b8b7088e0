package dnscheck

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// OwnershipVisible returns nil when every resolver sees the ownership TXT
// record token (e.g. "MS=ms12345678") at domain, else an error naming the
// first resolver that does not. A failed lookup is returned as its
// *LookupError, never as "not visible yet".
func OwnershipVisible(ctx context.Context, resolvers []Exchanger, domain, token string) error {
	if len(resolvers) == 0 {
		return fmt.Errorf("%w: no resolvers", ErrBadSpec)
	}
	for i, r := range resolvers {
		q := &querier{x: r}
		txts, err := q.txt(ctx, domain)
		if err != nil {
			return fmt.Errorf("resolver %d: %w", i, err)
		}
		if !slices.ContainsFunc(txts, func(s string) bool { return strings.TrimSpace(s) == token }) {
			return fmt.Errorf("resolver %d does not see %q at %s yet", i, token, domain)
		}
	}
	return nil
}

// MXIs returns nil when every resolver gives exactly the MX hosts want (in
// any order, names compared case-insensitively without the trailing dot),
// else an error naming the first resolver that does not.
func MXIs(ctx context.Context, resolvers []Exchanger, domain string, want []string) error {
	if len(resolvers) == 0 {
		return fmt.Errorf("%w: no resolvers", ErrBadSpec)
	}
	norm := func(hs []string) []string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = strings.ToLower(strings.TrimSuffix(h, "."))
		}
		slices.Sort(out)
		return out
	}
	w := norm(want)
	for i, r := range resolvers {
		got, err := LookupMX(ctx, r, domain)
		if err != nil {
			return fmt.Errorf("resolver %d: %w", i, err)
		}
		if g := norm(got); !slices.Equal(g, w) {
			return fmt.Errorf("resolver %d still sees MX %v for %s, want %v", i, g, domain, w)
		}
	}
	return nil
}
