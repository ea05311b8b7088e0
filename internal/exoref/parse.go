package exoref

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrSyntax reports a line [ParseCommands] cannot read: an unterminated
// string, sub-expression or comment, a stray closing bracket, or nesting
// deeper than it follows.
var ErrSyntax = errors.New("exoref: cannot parse PowerShell")

// Command is one command found in rendered PowerShell.
type Command struct {
	// Name is the command name as written (Verb-Noun).
	Name string
	// Params are the parameter names as written, in order, without the
	// leading dash or a ":value" suffix (-Confirm:$false gives Confirm).
	Params []string
}

// ParseLine returns the first command of one rendered PowerShell line and its
// parameter names, as [ParseCommands] finds them. ok is false for a comment,
// a blank line, a DNS zone line, any line without a Verb-Noun command, and a
// line ParseCommands cannot read.
//
// A line such as
//
//	$cfg = Get-DkimSigningConfig -Identity 'x' | Where-Object Enabled
//
// gives Get-DkimSigningConfig and [Identity]; use ParseCommands to see the
// other commands of a pipeline or of sub-expressions.
func ParseLine(line string) (cmdlet string, params []string, ok bool) {
	cmds, err := ParseCommands(line)
	if err != nil || len(cmds) == 0 {
		return "", nil, false
	}
	return cmds[0].Name, cmds[0].Params, true
}

// ParseCommands returns every command in rendered PowerShell, in the order
// their names appear: each command of a pipeline (a | b), of a chain (a; b,
// a && b), the right-hand side of an assignment ($x = Get-Y), and commands
// inside parentheses, $(...), @(...), script blocks {...}, hashtable values
// and double-quoted strings' $(...). A command is an element whose first word
// is a bare Verb-Noun name; a parameter is a bare word starting with a dash
// (or an en or em dash, as PowerShell allows) and a letter, after the command
// and before a "--". Single-quoted strings (with ” escapes and the
// typographic quotes ‘ ’ ‚ ‛), double-quoted strings (with backtick and ""
// escapes), comments (# to the end of the line, <# ... #>), backtick escapes
// and --% are respected, so that "-Foo" inside a string is not a parameter.
// A line shaped like a DNS zone record (name [ttl] [class] TYPE data, e.g.
// "mail-relay 3600 IN A 192.0.2.1") is not a command.
//
// Newlines separate statements, but here-strings are not supported: give
// rendered scripts line by line. The error, if any, wraps [ErrSyntax]; the
// commands found before it are returned with it.
func ParseCommands(src string) ([]Command, error) {
	p := &parser{src: src}
	p.statements(0, false)
	return p.cmds, p.err
}

// maxDepth bounds the nesting of brackets and strings the parser follows.
const maxDepth = 64

// parser is a recursive-descent reader over src.
type parser struct {
	src   string
	pos   int
	depth int
	cmds  []Command
	err   error
}

// word is one argument-mode token. prefix is its literal start, up to the
// first quote, bracket or escape; plain is true when that is all of it.
type word struct {
	prefix string
	plain  bool
	assign bool // an assignment operator (=, +=, ...)
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%w: %s at byte %d", ErrSyntax, fmt.Sprintf(format, args...), p.pos)
	}
}

// statements reads statements until closer (consumed) or, for closer 0, the
// end of the input. In a hashtable each statement starts with "key =".
func (p *parser) statements(closer rune, hashtable bool) {
	for p.err == nil {
		p.skipBlanks()
		r, n := p.peek()
		switch {
		case n == 0:
			if closer != 0 {
				p.fail("missing %q", closer)
			}
			return
		case r == closer:
			p.pos += n
			return
		case r == ')' || r == '}':
			p.fail("unexpected %q", r)
			return
		case r == ';' || r == '\n' || r == '\r':
			p.pos += n
		default:
			p.pipeline(hashtable)
		}
	}
}

// pipeline reads elements joined by |, || and &&.
func (p *parser) pipeline(hashtable bool) {
	for p.err == nil {
		p.element(hashtable)
		hashtable = false
		switch {
		case p.at("||"), p.at("&&"):
			p.pos += 2
		case p.at("|"):
			p.pos++
		default:
			return
		}
	}
}

// element reads the words of one pipeline element and records its command.
func (p *parser) element(hashtable bool) {
	start := len(p.cmds)
	var words []word
	for p.err == nil {
		p.skipBlanks()
		r, n := p.peek()
		switch {
		case n == 0 || strings.ContainsRune("\n\r;|)}", r) || p.at("&&"):
			p.record(start, words, hashtable)
			return
		case r == ',':
			p.pos += n
		case r == '&':
			p.pos += n
			words = append(words, word{prefix: "&", plain: true})
		case r == '#':
			p.skipLine()
		case p.at("<#"):
			p.blockComment()
		default:
			first, at := len(words) == 0, p.pos
			w := p.word(first && (hashtable || r == '$'))
			if p.pos == at && p.err == nil {
				p.fail("no progress") // cannot happen: a word starts at a non-delimiter
			}
			words = append(words, w)
			if first && p.assignOp() {
				words = append(words, word{prefix: "=", plain: true, assign: true})
			}
			if w.plain && w.prefix == "--%" {
				p.skipLine()
			}
		}
	}
}

// record adds the element's command, if it has one, before the commands
// found inside its words.
func (p *parser) record(start int, words []word, hashtable bool) {
	k := 0
	if len(words) >= 2 && words[1].assign {
		k = 2
	} else if hashtable {
		return
	}
	if k >= len(words) || !words[k].plain || !isVerbNoun(words[k].prefix) || zoneLike(words[k+1:]) {
		return
	}
	c := Command{Name: words[k].prefix}
	for _, w := range words[k+1:] {
		if w.plain && w.prefix == "--" {
			break
		}
		if name, ok := paramName(w.prefix); ok {
			c.Params = append(c.Params, name)
		}
	}
	p.cmds = slices.Insert(p.cmds, start, c)
}

// paramName returns the parameter named by a word's literal start: a dash,
// en dash, em dash or horizontal bar, then a letter or underscore; the name
// runs to a colon or the end of the prefix.
func paramName(prefix string) (string, bool) {
	var rest string
	for _, d := range []string{"-", "\u2013", "\u2014", "\u2015"} {
		if after, ok := strings.CutPrefix(prefix, d); ok {
			rest = after
			break
		}
	}
	if rest == "" || !isLetter(rest[0]) && rest[0] != '_' {
		return "", false
	}
	name, _, _ := strings.Cut(rest, ":")
	return name, true
}

// zoneLike reports whether the words after a Verb-Noun-shaped first word
// read as the rest of a DNS zone record: [ttl] [class] TYPE data...
func zoneLike(rest []word) bool {
	i := 0
	if i < len(rest) && rest[i].plain && isNumber(rest[i].prefix) {
		i++
	}
	if i < len(rest) && rest[i].plain && isDNSClass(rest[i].prefix) {
		i++
	}
	return i+1 < len(rest) && rest[i].plain && isRRType(rest[i].prefix)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDNSClass(s string) bool {
	return strings.EqualFold(s, "IN") || strings.EqualFold(s, "CH") || strings.EqualFold(s, "HS")
}

func isRRType(s string) bool {
	switch s {
	case "A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT":
		return true
	}
	return false
}
