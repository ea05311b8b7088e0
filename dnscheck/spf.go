package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// SPF limits (RFC 7208 section 4.6.4).
const (
	spfMaxLookups = 10
	spfMaxVoid    = 2
	spfMaxDepth   = 10
)

// knownIncludes are includes whose cost is published and stable: they are
// counted without being queried (Microsoft's record includes one more).
var knownIncludes = map[string]int{"spf.protection.outlook.com": 2}

// spfTerm is one parsed term: a mechanism with its qualifier, or a modifier.
type spfTerm struct {
	Qualifier byte   // '+', '-', '~', '?'
	Name      string // "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists", or a modifier name
	Value     string
	Modifier  bool
}

// parseSPF parses a v=spf1 record. It returns an error naming the first bad
// term.
func parseSPF(rec string) ([]spfTerm, error) {
	fields := strings.Fields(rec)
	if len(fields) == 0 || !strings.EqualFold(fields[0], "v=spf1") {
		return nil, errors.New("does not start with v=spf1")
	}
	var out []spfTerm
	for _, f := range fields[1:] {
		if i := strings.IndexByte(f, '='); i > 0 && !strings.ContainsAny(f[:i], ":/") {
			name := strings.ToLower(f[:i])
			if name != "redirect" && name != "exp" && !isSPFName(name) {
				return nil, fmt.Errorf("bad modifier %q", f)
			}
			out = append(out, spfTerm{Name: name, Value: f[i+1:], Modifier: true})
			continue
		}
		t := spfTerm{Qualifier: '+'}
		if strings.ContainsRune("+-~?", rune(f[0])) {
			t.Qualifier = f[0]
			f = f[1:]
		}
		name, val := f, ""
		if i := strings.IndexAny(f, ":/"); i >= 0 {
			name, val = f[:i], f[i:]
			val = strings.TrimPrefix(val, ":")
		}
		t.Name = strings.ToLower(name)
		t.Value = val
		switch t.Name {
		case "all":
			if val != "" {
				return nil, fmt.Errorf("bad term %q", f)
			}
		case "include", "exists":
			if val == "" {
				return nil, fmt.Errorf("%s needs a domain: %q", t.Name, f)
			}
		case "a", "mx", "ptr":
		case "ip4", "ip6":
			if _, err := netip.ParsePrefix(val); err != nil {
				if _, err2 := netip.ParseAddr(val); err2 != nil {
					return nil, fmt.Errorf("bad address in %q", f)
				}
			}
		default:
			return nil, fmt.Errorf("unknown mechanism %q", f)
		}
		out = append(out, t)
	}
	return out, nil
}

func isSPFName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return s != ""
}

// spfResult is what evaluating a domain's SPF found.
type spfResult struct {
	Lookups     int
	Void        int
	Includes    []string // every included or redirected domain, in order
	Errors      []string
	LimitHit    bool
	LookupFails []error
}

// walkSPF counts DNS lookups through includes and redirects, with bounded
// work: it stops at the lookup limit, at spfMaxDepth, and on loops.
func walkSPF(ctx context.Context, q *querier, domain string, terms []spfTerm, res *spfResult, depth int, seen map[string]bool) {
	if depth > spfMaxDepth {
		res.Errors = append(res.Errors, fmt.Sprintf("more than %d levels of include/redirect below %s", spfMaxDepth, domain))
		res.LimitHit = true
		return
	}
	for _, t := range terms {
		if res.Lookups > spfMaxLookups {
			res.LimitHit = true
			return
		}
		var target string
		switch {
		case t.Modifier && t.Name == "redirect":
			target = t.Value
		case !t.Modifier && t.Name == "include":
			target = t.Value
		case !t.Modifier && (t.Name == "a" || t.Name == "mx" || t.Name == "ptr" || t.Name == "exists"):
			res.Lookups++
			continue
		default:
			continue
		}
		target = strings.ToLower(strings.TrimSuffix(target, "."))
		res.Includes = append(res.Includes, target)
		if n, ok := knownIncludes[target]; ok {
			res.Lookups += n
			continue
		}
		res.Lookups++
		if seen[target] {
			res.Errors = append(res.Errors, "include loop through "+target)
			res.LimitHit = true
			return
		}
		if strings.Contains(target, "%") {
			continue // macro: cannot be followed statically
		}
		recs, _, err := q.txt(ctx, target)
		if err != nil && !errors.Is(err, ErrNXDomain) {
			res.LookupFails = append(res.LookupFails, err)
			continue
		}
		var spfs []string
		for _, r := range recs {
			if isSPF(r) {
				spfs = append(spfs, r)
			}
		}
		if len(spfs) == 0 {
			res.Void++
			continue
		}
		sub, perr := parseSPF(spfs[0])
		if perr != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", target, perr))
			continue
		}
		seen[target] = true
		walkSPF(ctx, q, target, sub, res, depth+1, seen)
		delete(seen, target)
		if res.LimitHit {
			return
		}
	}
}

func isSPF(txt string) bool {
	f := strings.Fields(txt)
	return len(f) > 0 && strings.EqualFold(f[0], "v=spf1")
}
