package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// spfWalker follows a domain's SPF record through includes and redirects.
// Its work is bounded: it stops at the 10-lookup limit, at 10 levels, on
// loops, and every DNS answer is asked once (cached for the walk).
type spfWalker struct {
	ctx   context.Context
	q     *querier
	cache map[string]cached

	// What the static walk found.
	lookups  int      // DNS-querying terms, through includes and redirects
	voids    int      // lookups that found nothing
	includes []string // every included or redirected domain, in order
	problems []string // what makes receivers return permerror
	fails    []error  // lookups that could not be answered
	stop     bool     // a limit was hit: the walk stopped there
}

type cached struct {
	v   []string
	err error
}

func newSPFWalker(ctx context.Context, q *querier) *spfWalker {
	return &spfWalker{ctx: ctx, q: q, cache: map[string]cached{}}
}

// ask returns the answer of one lookup kind ("txt", "addr", "mx", "a"),
// asking once per walk.
func (w *spfWalker) ask(kind, name string) ([]string, error) {
	key := kind + " " + strings.ToLower(strings.TrimSuffix(name, "."))
	if c, ok := w.cache[key]; ok {
		return c.v, c.err
	}
	var v []string
	var err error
	switch kind {
	case "txt":
		v, err = w.q.txt(w.ctx, name)
	case "addr":
		v, err = w.q.addrs(w.ctx, name)
	case "mx":
		var mxs []mxRec
		mxs, err = w.q.mx(w.ctx, name)
		for _, m := range mxs {
			v = append(v, m.Host)
		}
	}
	w.cache[key] = cached{v, err}
	return v, err
}

// record returns the parsed SPF record at domain. none is true when the
// domain has no SPF record (void says the lookup found nothing at all);
// problem is a permerror (several records, bad syntax); err is a lookup
// failure.
func (w *spfWalker) record(domain string) (terms []spfTerm, none, void bool, problem string, err error) {
	txts, err := w.ask("txt", domain)
	if errors.Is(err, ErrNXDomain) {
		return nil, true, true, "", nil
	}
	if err != nil {
		return nil, false, false, "", err
	}
	var spfs []string
	for _, t := range txts {
		if isSPF(t) {
			spfs = append(spfs, t)
		}
	}
	switch len(spfs) {
	case 0:
		return nil, true, len(txts) == 0, "", nil
	case 1:
	default:
		return nil, false, false, fmt.Sprintf("%s has %d SPF records", domain, len(spfs)), nil
	}
	terms, perr := parseSPF(spfs[0])
	if perr != nil {
		return nil, false, false, fmt.Sprintf("%s: %v", domain, perr), nil
	}
	return terms, false, false, "", nil
}

// count counts one DNS-querying term; false when the limit is passed.
func (w *spfWalker) count(n int) bool {
	w.lookups += n
	if w.lookups > spfMaxLookups {
		w.stop = true
		return false
	}
	return true
}

func (w *spfWalker) void(vs []string, err error) {
	if errors.Is(err, ErrNXDomain) || err == nil && len(vs) == 0 {
		w.voids++
	} else if err != nil {
		w.fails = append(w.fails, err)
	}
}

// target is the domain a term applies to.
func target(t spfTerm, domain string) string {
	if t.Domain == "" {
		return domain
	}
	return strings.ToLower(strings.TrimSuffix(t.Domain, "."))
}

func hasAll(terms []spfTerm) bool {
	return slices.ContainsFunc(terms, func(t spfTerm) bool { return !t.Modifier && t.Name == "all" })
}

// redirectOf is the redirect target, "" when none or when an all mechanism
// makes it ignored (RFC 7208 section 6.1).
func redirectOf(terms []spfTerm) string {
	if hasAll(terms) {
		return ""
	}
	for _, t := range terms {
		if t.Modifier && t.Name == "redirect" {
			return t.Domain
		}
	}
	return ""
}

// walk counts the lookups of every term of domain's record, following
// includes and the redirect. stack holds the domains being walked.
func (w *spfWalker) walk(domain string, terms []spfTerm, stack []string) {
	if len(stack)-1 > spfMaxDepth { // stack[0] is the checked domain
		w.problems = append(w.problems, fmt.Sprintf("more than %d levels of include/redirect below %s", spfMaxDepth, stack[0]))
		w.stop = true
		return
	}
	for _, t := range terms {
		if w.stop {
			return
		}
		if t.Modifier {
			continue
		}
		switch t.Name {
		case "include":
			w.follow("include", t.Domain, stack)
		case "a":
			if w.count(1) && !isMacro(t.Domain) {
				w.void(w.ask("addr", target(t, domain)))
			}
		case "mx":
			if w.count(1) && !isMacro(t.Domain) {
				hosts, err := w.ask("mx", target(t, domain))
				w.void(hosts, err)
				if len(hosts) > spfMaxMXHosts {
					w.problems = append(w.problems, fmt.Sprintf("%s: mx has %d MX hosts (more than %d)", domain, len(hosts), spfMaxMXHosts))
				}
			}
		case "ptr":
			w.count(1)
		case "exists":
			if w.count(1) && !isMacro(t.Domain) {
				w.void(w.ask("addr", target(t, domain)))
			}
		}
	}
	if r := redirectOf(terms); r != "" && !w.stop {
		w.follow("redirect", r, stack)
	}
}

func (w *spfWalker) follow(kind, dom string, stack []string) {
	if !w.count(1) {
		return
	}
	dom = strings.ToLower(strings.TrimSuffix(dom, "."))
	w.includes = append(w.includes, dom)
	if n, ok := knownIncludes[dom]; ok {
		w.count(n - 1)
		return
	}
	if isMacro(dom) {
		return // depends on the sender: cannot be followed statically
	}
	if slices.Contains(stack, dom) {
		w.problems = append(w.problems, fmt.Sprintf("%s loop through %s", kind, dom))
		w.stop = true
		return
	}
	terms, none, void, problem, err := w.record(dom)
	switch {
	case err != nil:
		w.fails = append(w.fails, err)
	case none:
		if void {
			w.voids++
		}
		w.problems = append(w.problems, fmt.Sprintf("%s:%s has no SPF record", kind, dom))
	case problem != "":
		w.problems = append(w.problems, problem)
	default:
		w.walk(dom, terms, append(stack, dom))
	}
}

// SPF results (RFC 7208 section 2.6).
const (
	spfPass      = "pass"
	spfFail      = "fail"
	spfSoftFail  = "softfail"
	spfNeutral   = "neutral"
	spfPermError = "permerror"
	spfTempError = "temperror"
)

func qualifierResult(q byte) string {
	switch q {
	case '-':
		return spfFail
	case '~':
		return spfSoftFail
	case '?':
		return spfNeutral
	}
	return spfPass
}

// eval is check_host() for ip against domain's parsed record, statically:
// macros never match, Exchange Online's include never matches (its
// addresses are Microsoft's), ptr never matches. n counts lookups across
// the evaluation.
func (w *spfWalker) eval(ip netip.Addr, domain string, terms []spfTerm, depth int, n *int) string {
	if depth > spfMaxDepth {
		return spfPermError
	}
	for _, t := range terms {
		if t.Modifier {
			continue
		}
		ok, res := w.matches(ip, domain, t, depth, n)
		if res != "" {
			return res
		}
		if ok {
			return qualifierResult(t.Qualifier)
		}
	}
	if r := redirectOf(terms); r != "" {
		return w.sub(ip, r, depth, n, true)
	}
	return spfNeutral
}

// sub evaluates an included or redirected domain.
func (w *spfWalker) sub(ip netip.Addr, dom string, depth int, n *int, redirect bool) string {
	if *n++; *n > spfMaxLookups {
		return spfPermError
	}
	dom = strings.ToLower(strings.TrimSuffix(dom, "."))
	if _, ok := knownIncludes[dom]; ok || isMacro(dom) {
		if redirect {
			return spfNeutral
		}
		return spfFail // no match
	}
	terms, none, _, problem, err := w.record(dom)
	switch {
	case err != nil:
		return spfTempError
	case none || problem != "":
		return spfPermError
	}
	return w.eval(ip, dom, terms, depth+1, n)
}

func (w *spfWalker) matches(ip netip.Addr, domain string, t spfTerm, depth int, n *int) (bool, string) {
	inAny := func(addrs []string) bool {
		for _, s := range addrs {
			a, err := netip.ParseAddr(s)
			if err != nil || a.Is4() != ip.Is4() {
				continue
			}
			bits := t.Len6
			if a.Is4() {
				bits = t.Len4
			}
			if p, err := a.Prefix(bits); err == nil && p.Contains(ip) {
				return true
			}
		}
		return false
	}
	lookup := func() bool { *n++; return *n <= spfMaxLookups }
	switch t.Name {
	case "all":
		return true, ""
	case "ip4", "ip6":
		return t.Net.Contains(ip), ""
	case "include":
		switch w.sub(ip, t.Domain, depth, n, false) {
		case spfPass:
			return true, ""
		case spfPermError:
			return false, spfPermError
		case spfTempError:
			return false, spfTempError
		}
		return false, ""
	case "a":
		if !lookup() {
			return false, spfPermError
		}
		if isMacro(t.Domain) {
			return false, ""
		}
		addrs, err := w.ask("addr", target(t, domain))
		if err != nil && !errors.Is(err, ErrNXDomain) {
			return false, spfTempError
		}
		return inAny(addrs), ""
	case "mx":
		if !lookup() {
			return false, spfPermError
		}
		if isMacro(t.Domain) {
			return false, ""
		}
		hosts, err := w.ask("mx", target(t, domain))
		if err != nil && !errors.Is(err, ErrNXDomain) {
			return false, spfTempError
		}
		if len(hosts) > spfMaxMXHosts {
			return false, spfPermError
		}
		for _, h := range hosts {
			addrs, err := w.ask("addr", h)
			if err != nil && !errors.Is(err, ErrNXDomain) {
				return false, spfTempError
			}
			if inAny(addrs) {
				return true, ""
			}
		}
		return false, ""
	case "ptr", "exists":
		if !lookup() {
			return false, spfPermError
		}
		if t.Name == "exists" && !isMacro(t.Domain) {
			addrs, err := w.ask("addr", t.Domain)
			if err != nil && !errors.Is(err, ErrNXDomain) {
				return false, spfTempError
			}
			return len(addrs) > 0, ""
		}
	}
	return false, ""
}

// authorises evaluates the domain's record for ip.
func (w *spfWalker) authorises(ip netip.Addr, domain string, terms []spfTerm) string {
	n := 0
	return w.eval(ip, domain, terms, 0, &n)
}
