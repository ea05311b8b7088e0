package legacy

import (
	"bufio"
	"io"
	"strings"
)

// ParseForward reads a user's .forward file: targets separated by commas or
// new lines, "\user" keeping a local copy, "|command" and "/file". An Exim
// filter ("# Exim filter" on the first line) or a Sieve script ("# Sieve
// filter", or a "require" command) is refused with ErrFilterFile: it is a
// program, not a list of addresses, and must be translated by a person.
func ParseForward(r io.Reader, name string) ([]Target, []Pos, error) {
	var out []Target
	var pos []Pos
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	first := true
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimRight(sc.Text(), "\r"))
		p := Pos{File: name, Line: n}
		if first && line != "" {
			first = false
			low := strings.ToLower(line)
			if strings.HasPrefix(low, "# exim filter") || strings.HasPrefix(low, "#exim filter") ||
				strings.HasPrefix(low, "# sieve filter") || strings.HasPrefix(low, "require ") || strings.HasPrefix(low, "require[") {
				return nil, nil, &filterError{pos: p, line: line}
			}
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, s := range splitTargets(line) {
			out = append(out, parseTarget(s))
			pos = append(pos, p)
		}
	}
	return out, pos, sc.Err()
}

type filterError struct {
	pos  Pos
	line string
}

func (e *filterError) Error() string {
	return "legacy: " + e.pos.String() + ": a filter file (" + e.line + "), not a list of addresses: translate it by hand (an Inbox rule or a transport rule)"
}

func (e *filterError) Is(target error) bool { return target == ErrFilterFile }

// ParseUsers reads the legacy server's local mailboxes, one per line, as
// `doveadm user '*'` prints them (a user name, or user@domain).
func ParseUsers(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, " \t,:|/") {
			return nil, syntaxErr(Pos{File: name, Line: n}, "%q is not a user name", line)
		}
		out = append(out, strings.ToLower(line))
	}
	return out, sc.Err()
}
