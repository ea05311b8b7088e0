package dnscheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SPF limits (RFC 7208 section 4.6.4).
const (
	spfMaxLookups = 10
	spfMaxVoid    = 2
	spfMaxDepth   = 10
	// spfMaxMXHosts is the most MX hosts one mx mechanism may look at.
	spfMaxMXHosts = 10
	// spfMaxLen bounds the record text the parser accepts (a TXT record
	// longer than this is a mistake, and it keeps fuzzing cheap).
	spfMaxLen = 4096
)

// exoSPF is Exchange Online's SPF include.
const exoSPF = "spf.protection.outlook.com"

// knownIncludes are includes whose cost is published and stable: they are
// counted without being queried (the include itself plus the one include
// in Microsoft's record). They authorise only the provider's addresses.
var knownIncludes = map[string]int{exoSPF: 2}

// spfTerm is one parsed term: a mechanism with its qualifier, or a modifier.
type spfTerm struct {
	Qualifier byte   // '+', '-', '~', '?' (mechanisms only)
	Name      string // "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists", or a modifier name
	// Domain is the domain-spec ("" means the current domain); for a
	// modifier, its value.
	Domain string
	// Net is the ip4/ip6 network.
	Net netip.Prefix
	// Len4, Len6 are the a/mx dual-cidr lengths (32 and 128 when absent).
	Len4, Len6 int
	Modifier   bool
}

// String renders the term as written (canonical form).
func (t spfTerm) String() string {
	if t.Modifier {
		return t.Name + "=" + t.Domain
	}
	s := t.Name
	if t.Qualifier != '+' {
		s = string(t.Qualifier) + s
	}
	switch {
	case t.Name == "ip4" || t.Name == "ip6":
		s += ":" + t.Net.String()
	case t.Domain != "":
		s += ":" + t.Domain
	}
	if t.Len4 != 32 && t.Len4 != 0 {
		s += "/" + strconv.Itoa(t.Len4)
	}
	if t.Len6 != 128 && t.Len6 != 0 {
		s += "//" + strconv.Itoa(t.Len6)
	}
	return s
}

// isMacro reports whether a domain-spec holds a macro (then it cannot be
// followed statically).
func isMacro(s string) bool { return strings.Contains(s, "%") }

// parseSPF parses a v=spf1 record (RFC 7208 section 12). It returns an
// error naming the first bad term.
func parseSPF(rec string) ([]spfTerm, error) {
	if len(rec) > spfMaxLen {
		return nil, fmt.Errorf("record longer than %d characters", spfMaxLen)
	}
	fields := strings.Fields(rec)
	if len(fields) == 0 || !strings.EqualFold(fields[0], "v=spf1") {
		return nil, errors.New("does not start with v=spf1")
	}
	var out []spfTerm
	seenMod := map[string]bool{}
	for _, f := range fields[1:] {
		if i := strings.IndexFunc(f, func(r rune) bool { return r < '!' || r > '~' }); i >= 0 {
			return nil, fmt.Errorf("term %q has a character outside printable ASCII", f)
		}
		if name, val, ok := strings.Cut(f, "="); ok && isSPFName(name) {
			name = strings.ToLower(name)
			if (name == "redirect" || name == "exp") && seenMod[name] {
				return nil, fmt.Errorf("%s appears twice", name)
			}
			seenMod[name] = true
			if err := checkMacroString(val); err != nil {
				return nil, fmt.Errorf("modifier %q: %w", f, err)
			}
			if name == "redirect" || name == "exp" {
				if err := checkDomainSpec(val); err != nil {
					return nil, fmt.Errorf("modifier %q: %w", f, err)
				}
			}
			out = append(out, spfTerm{Name: name, Domain: val, Modifier: true})
			continue
		}
		t, err := parseMechanism(f)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func parseMechanism(f string) (spfTerm, error) {
	t := spfTerm{Qualifier: '+', Len4: 32, Len6: 128}
	body := f
	if body != "" && strings.ContainsRune("+-~?", rune(body[0])) {
		t.Qualifier = body[0]
		body = body[1:]
	}
	name, rest := body, ""
	if i := strings.IndexAny(body, ":/"); i >= 0 {
		name, rest = body[:i], body[i:]
	}
	t.Name = strings.ToLower(name)
	switch t.Name {
	case "all":
		if rest != "" {
			return t, fmt.Errorf("bad term %q: all takes no argument", f)
		}
	case "include", "exists":
		if !strings.HasPrefix(rest, ":") || len(rest) == 1 {
			return t, fmt.Errorf("bad term %q: %s needs a domain", f, t.Name)
		}
		t.Domain = rest[1:]
		if err := checkDomainSpec(t.Domain); err != nil {
			return t, fmt.Errorf("bad term %q: %w", f, err)
		}
	case "a", "mx", "ptr":
		dom, cidr := rest, ""
		if t.Name != "ptr" {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				dom, cidr = rest[:i], rest[i:]
			}
		}
		if dom != "" {
			if !strings.HasPrefix(dom, ":") || len(dom) == 1 {
				return t, fmt.Errorf("bad term %q", f)
			}
			t.Domain = dom[1:]
			if err := checkDomainSpec(t.Domain); err != nil {
				return t, fmt.Errorf("bad term %q: %w", f, err)
			}
		}
		if err := parseDualCIDR(cidr, &t); err != nil {
			return t, fmt.Errorf("bad term %q: %w", f, err)
		}
	case "ip4", "ip6":
		if !strings.HasPrefix(rest, ":") {
			return t, fmt.Errorf("bad term %q: %s needs an address", f, t.Name)
		}
		p, err := parseNet(rest[1:], t.Name == "ip4")
		if err != nil {
			return t, fmt.Errorf("bad term %q: %w", f, err)
		}
		t.Net = p
	default:
		return t, fmt.Errorf("unknown mechanism %q", f)
	}
	return t, nil
}

func parseNet(s string, v4 bool) (netip.Prefix, error) {
	addr, bits, hasBits := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" || a.Is4() != v4 || a.Is4In6() {
		return netip.Prefix{}, fmt.Errorf("bad address %q", addr)
	}
	n := a.BitLen()
	if hasBits {
		if n, err = cidrLen(bits, a.BitLen()); err != nil {
			return netip.Prefix{}, err
		}
	}
	return netip.PrefixFrom(a, n).Masked(), nil
}

func cidrLen(s string, maxBits int) (int, error) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("bad prefix length %q", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxBits {
		return 0, fmt.Errorf("bad prefix length %q", s)
	}
	return n, nil
}

// parseDualCIDR parses "", "/24", "//64" or "/24//64".
func parseDualCIDR(s string, t *spfTerm) error {
	if s == "" {
		return nil
	}
	v4, v6, has6 := strings.Cut(s, "//")
	var err error
	if v4 != "" {
		if !strings.HasPrefix(v4, "/") {
			return fmt.Errorf("bad prefix length %q", s)
		}
		if t.Len4, err = cidrLen(v4[1:], 32); err != nil {
			return err
		}
	}
	if has6 {
		if t.Len6, err = cidrLen(v6, 128); err != nil {
			return err
		}
	}
	return nil
}

// checkMacroString checks the macro syntax of a value (RFC 7208 section 7.1).
func checkMacroString(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+1 >= len(s) {
			return errors.New("a lone % at the end")
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
		default:
			return fmt.Errorf("bad macro %q", s[i:i+2])
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return errors.New("unclosed macro")
		}
		m := s[i+2 : i+end]
		if m == "" || !strings.ContainsRune("slodiphcrtvSLODIPHCRTV", rune(m[0])) {
			return fmt.Errorf("bad macro letter in %q", s[i:i+end+1])
		}
		m = strings.TrimLeft(m[1:], "0123456789")
		m = strings.TrimPrefix(strings.TrimPrefix(m, "r"), "R")
		if strings.Trim(m, ".-+,/_=") != "" {
			return fmt.Errorf("bad macro %q", s[i:i+end+1])
		}
		i += end
	}
	return nil
}

// checkDomainSpec checks a domain-spec: macro syntax, and when it holds no
// macro, a valid domain name with at least two labels.
func checkDomainSpec(s string) error {
	if err := checkMacroString(s); err != nil {
		return err
	}
	if isMacro(s) {
		return nil
	}
	d := strings.TrimSuffix(s, ".")
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return fmt.Errorf("%q is not a domain name", s)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return fmt.Errorf("%q is not a domain name", s)
		}
	}
	return nil
}

func isSPFName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9' || s[i] == '-' || s[i] == '_' || s[i] == '.') {
			return false
		}
	}
	return true
}

// isSPF reports whether a TXT value is an SPF record: "v=spf1" alone or
// followed by a space (RFC 7208 section 4.5).
func isSPF(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}
