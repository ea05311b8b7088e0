package legacy

import (
	"bufio"
	"io"
	"strings"
	"unicode"
)

// ParseAliases reads an aliases(5) file, or the dump of one (postalias -s
// prints "name: value"; Sendmail's praliases "name:value"): "name: target,
// target", a line starting with white space continues the previous one, #
// starts a comment line, a name may be double-quoted. Targets are
// addresses, local names, "|command", "/file", ":include:/file" and "\user".
// name is the file's name, for positions.
func ParseAliases(r io.Reader, name string) (*Table, error) {
	t := &Table{}
	var cur *Entry
	var val strings.Builder
	finish := func() error {
		if cur == nil {
			return nil
		}
		for _, s := range splitTargets(val.String()) {
			raw := s
			if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
				raw = raw[1 : len(raw)-1]
			}
			if strings.Contains(raw, `"`) {
				return syntaxErr(cur.Pos, "alias %q: unbalanced or inner double quote in target %s", cur.Key, s)
			}
			// An empty quoted target ("") names nothing.
			if tg := parseTarget(s); tg != (Target{Kind: TargetLocal}) {
				cur.Targets = append(cur.Targets, tg)
			}
		}
		if len(cur.Targets) == 0 {
			return syntaxErr(cur.Pos, "alias %q has no targets", cur.Key)
		}
		t.add(*cur)
		cur = nil
		val.Reset()
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		p := Pos{File: name, Line: n}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				return nil, syntaxErr(p, "continuation line with nothing to continue")
			}
			val.WriteString(" " + trimmed)
			continue
		}
		if err := finish(); err != nil {
			return nil, err
		}
		key, rest, err := aliasKey(line, p)
		if err != nil {
			return nil, err
		}
		cur = &Entry{Key: key, Pos: p}
		val.WriteString(rest)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return t, nil
}

// aliasKey splits "name: value" (the name possibly quoted).
func aliasKey(line string, p Pos) (key, rest string, err error) {
	line = strings.TrimLeft(line, " \t\r\n\v\f")
	if strings.HasPrefix(line, `"`) {
		end := strings.Index(line[1:], `"`)
		if end < 0 {
			return "", "", syntaxErr(p, "unterminated quoted name")
		}
		key, rest = line[1:end+1], strings.TrimSpace(line[end+2:])
		if !strings.HasPrefix(rest, ":") {
			return "", "", syntaxErr(p, "missing ':' after the name")
		}
		return strings.ToLower(key), rest[1:], nil
	}
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", "", syntaxErr(p, "missing ':' after the name")
	}
	key = strings.TrimSpace(line[:i])
	if strings.ContainsAny(key, ",") || strings.ContainsFunc(key, unicode.IsSpace) {
		return "", "", syntaxErr(p, "name %q needs quotes", key)
	}
	return strings.ToLower(key), line[i+1:], nil
}

// RenderAliases writes a table in aliases(5) form.
func RenderAliases(t *Table) string {
	var b strings.Builder
	for _, e := range t.Entries {
		k := e.Key
		// Quote a name the unquoted form cannot carry. A quoted name
		// cannot hold a '"', but no parsed name needs both: an unquoted
		// name with a '"' inside has none of the characters that force
		// quotes.
		if k == "" || strings.ContainsAny(k, ",:") || strings.ContainsFunc(k, unicode.IsSpace) || strings.HasPrefix(k, "#") {
			k = `"` + k + `"`
		}
		b.WriteString(k + ": ")
		for i, tg := range e.Targets {
			if i > 0 {
				b.WriteString(", ")
			}
			s := tg.String()
			if strings.ContainsAny(s, ", \t") {
				s = `"` + s + `"`
			}
			b.WriteString(s)
		}
		b.WriteString("\n")
	}
	return b.String()
}
