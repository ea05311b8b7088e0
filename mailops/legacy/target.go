package legacy

import (
	"strings"
)

// TargetKind is what an alias or forward target is.
type TargetKind string

// Target kinds (aliases(5), virtual(5), virtusertable, .forward).
const (
	// TargetAddress is an address with a domain: user@domain.
	TargetAddress TargetKind = "address"
	// TargetLocal is a local name without a domain, expanded again.
	TargetLocal TargetKind = "local"
	// TargetMailbox is "\user" in a .forward or alias: deliver to the local
	// mailbox without further expansion.
	TargetMailbox TargetKind = "mailbox"
	// TargetPipe is "|command": mail piped to a program.
	TargetPipe TargetKind = "pipe"
	// TargetFile is "/path": mail appended to a file.
	TargetFile TargetKind = "file"
	// TargetInclude is ":include:/path": addresses read from a file.
	TargetInclude TargetKind = "include"
	// TargetError is a Sendmail "error:" entry: the address bounces.
	TargetError TargetKind = "error"
)

// Target is one destination of an entry.
type Target struct {
	Kind  TargetKind `json:"kind" yaml:"kind"`
	Value string     `json:"value" yaml:"value"`
}

func (t Target) String() string {
	switch t.Kind {
	case TargetMailbox:
		return `\` + t.Value
	case TargetPipe:
		return "|" + t.Value
	case TargetInclude:
		return ":include:" + t.Value
	case TargetError:
		return "error:" + t.Value
	}
	return t.Value
}

// parseTarget classifies one target as written.
func parseTarget(s string) Target {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	switch {
	case strings.HasPrefix(s, "|"):
		return Target{Kind: TargetPipe, Value: strings.TrimSpace(s[1:])}
	case strings.HasPrefix(s, `\`):
		return Target{Kind: TargetMailbox, Value: strings.ToLower(s[1:])}
	case strings.HasPrefix(strings.ToLower(s), ":include:"):
		return Target{Kind: TargetInclude, Value: strings.TrimSpace(s[len(":include:"):])}
	case strings.HasPrefix(s, "/"):
		return Target{Kind: TargetFile, Value: s}
	case strings.HasPrefix(strings.ToLower(s), "error:"):
		return Target{Kind: TargetError, Value: strings.TrimSpace(s[len("error:"):])}
	case strings.Contains(s, "@"):
		return Target{Kind: TargetAddress, Value: strings.ToLower(s)}
	}
	return Target{Kind: TargetLocal, Value: strings.ToLower(s)}
}

// splitTargets splits a value at commas outside double quotes, the way
// aliases(5) lists are written (a quoted target may contain commas and
// spaces: "|/usr/bin/vacation, -a me").
func splitTargets(v string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	flush := func() {
		if t := strings.TrimSpace(b.String()); t != "" {
			out = append(out, t)
		}
		b.Reset()
	}
	for _, r := range v {
		switch {
		case r == '"':
			quoted = !quoted
			b.WriteRune(r)
		case r == ',' && !quoted:
			flush()
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return out
}

// splitFields splits a table value at commas and white space outside
// quotes (virtual(5) and virtusertable values).
func splitFields(v string) []string {
	var out []string
	for _, part := range splitTargets(v) {
		if strings.HasPrefix(part, `"`) {
			out = append(out, part)
			continue
		}
		out = append(out, strings.Fields(part)...)
	}
	return out
}
