package legacy

import (
	"bufio"
	"io"
	"strings"
)

// ParseVirtual reads a Postfix virtual(5) table, or its dump (postmap -s):
// "pattern result", where pattern is user@domain, user, or @domain (a
// catch-all) and result is one or more addresses separated by commas or
// white space. A line whose pattern is a bare domain declares a virtual
// alias domain (its result is ignored, as Postfix does); it is returned in
// Domains. Lines starting with white space continue the previous one.
func ParseVirtual(r io.Reader, name string) (*Table, []string, error) {
	return parseMap(r, name, func(key string) bool { return !strings.Contains(key, "@") && strings.Contains(key, ".") })
}

// ParseVirtusertable reads a Sendmail virtusertable source or its dump
// (makemap -u): "user@domain value" or "@domain value"; value is an address,
// a local user, "%1@domain" (%1 is the user part of a catch-all match) or
// "error:code text".
func ParseVirtusertable(r io.Reader, name string) (*Table, error) {
	t, _, err := parseMap(r, name, nil)
	if err != nil {
		return nil, err
	}
	for _, e := range t.Entries {
		if !strings.Contains(e.Key, "@") {
			return nil, syntaxErr(e.Pos, "virtusertable key %q has no @", e.Key)
		}
	}
	return t, nil
}

// parseMap reads "key value..." lines; isDomain marks keys that declare a
// domain rather than map an address.
func parseMap(r io.Reader, name string, isDomain func(string) bool) (*Table, []string, error) {
	t := &Table{}
	var domains []string
	var cur *Entry
	var val string
	finish := func() error {
		if cur == nil {
			return nil
		}
		defer func() { cur = nil }()
		if isDomain != nil && isDomain(cur.Key) {
			domains = append(domains, cur.Key)
			return nil
		}
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(val)), "error:") {
			cur.Targets = []Target{{Kind: TargetError, Value: strings.TrimSpace(strings.TrimSpace(val)[len("error:"):])}}
		} else {
			for _, f := range splitFields(val) {
				cur.Targets = append(cur.Targets, parseTarget(f))
			}
		}
		if len(cur.Targets) == 0 {
			return syntaxErr(cur.Pos, "%q has no result", cur.Key)
		}
		t.add(*cur)
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		p := Pos{File: name, Line: n}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			if err := finish(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil {
				return nil, nil, syntaxErr(p, "continuation line with nothing to continue")
			}
			val += " " + trimmed
			continue
		}
		if err := finish(); err != nil {
			return nil, nil, err
		}
		fields := strings.Fields(trimmed)
		if len(fields) < 2 && (isDomain == nil || !isDomain(strings.ToLower(fields[0]))) {
			return nil, nil, syntaxErr(p, "%q has no result", fields[0])
		}
		cur = &Entry{Key: strings.ToLower(fields[0]), Pos: p}
		val = strings.TrimSpace(trimmed[len(fields[0]):])
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if err := finish(); err != nil {
		return nil, nil, err
	}
	return t, domains, nil
}

// RenderMap writes a table in virtual(5) / virtusertable form.
func RenderMap(t *Table) string {
	var b strings.Builder
	for _, e := range t.Entries {
		parts := make([]string, len(e.Targets))
		for i, tg := range e.Targets {
			parts[i] = tg.String()
		}
		b.WriteString(e.Key + "\t" + strings.Join(parts, ", ") + "\n")
	}
	return b.String()
}

// ParseLocalHostNames reads Sendmail's local-host-names (or Postfix's
// mydestination list written one per line): the domains this server
// delivers locally.
func ParseLocalHostNames(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if strings.ContainsAny(f, "@/|") {
				return nil, syntaxErr(Pos{File: name, Line: n}, "%q is not a host name", f)
			}
			out = append(out, strings.ToLower(f))
		}
	}
	return out, sc.Err()
}
