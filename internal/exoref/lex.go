package exoref

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the parser's character-level reading: words, strings,
// brackets, comments and blanks.

func (p *parser) peek() (rune, int) {
	if p.pos >= len(p.src) {
		return 0, 0
	}
	return utf8.DecodeRuneInString(p.src[p.pos:])
}

func (p *parser) at(s string) bool { return strings.HasPrefix(p.src[p.pos:], s) }

// isSingleQuote reports the characters PowerShell treats as a single quote.
func isSingleQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
}

// isDoubleQuote reports the characters PowerShell treats as a double quote.
func isDoubleQuote(r rune) bool { return r == '"' || r == '\u201c' || r == '\u201d' || r == '\u201e' }

// isBlank reports white space other than line ends.
func isBlank(r rune) bool { return r != '\n' && r != '\r' && unicode.IsSpace(r) }

// skipBlanks skips white space and backtick line continuations.
func (p *parser) skipBlanks() {
	for {
		r, n := p.peek()
		switch {
		case n > 0 && isBlank(r):
			p.pos += n
		case p.at("`\r\n"):
			p.pos += 3
		case p.at("`\n"), p.at("`\r"):
			p.pos += 2
		default:
			return
		}
	}
}

// skipLine skips to the end of the line, leaving the line end.
func (p *parser) skipLine() {
	if i := strings.IndexAny(p.src[p.pos:], "\r\n"); i >= 0 {
		p.pos += i
	} else {
		p.pos = len(p.src)
	}
}

func (p *parser) blockComment() {
	i := strings.Index(p.src[p.pos+2:], "#>")
	if i < 0 {
		p.fail("unterminated <# comment")
		p.pos = len(p.src)
		return
	}
	p.pos += 2 + i + 2
}

// assignOp consumes an assignment operator (=, +=, -=, *=, /=, %=, ??=)
// after optional blanks, reporting whether there was one.
func (p *parser) assignOp() bool {
	save := p.pos
	p.skipBlanks()
	for _, op := range []string{"??=", "+=", "-=", "*=", "/=", "%=", "="} {
		if p.at(op) && !p.at("==") {
			p.pos += len(op)
			return true
		}
	}
	p.pos = save
	return false
}

// atAssign reports whether an assignment operator starts at the position.
func (p *parser) atAssign() bool {
	for _, op := range []string{"??=", "+=", "-=", "*=", "/=", "%=", "="} {
		if p.at(op) {
			return true
		}
	}
	return false
}

// word reads one argument-mode word. With assignStop (the first word of a
// statement that may be an assignment target or a hashtable key) it also
// ends before an assignment operator.
func (p *parser) word(assignStop bool) word {
	var b strings.Builder
	w := word{plain: true}
	literal := true // still in the literal prefix
	start := p.pos
	for p.err == nil {
		r, n := p.peek()
		if n == 0 || unicode.IsSpace(r) || strings.ContainsRune(";|)},&", r) ||
			assignStop && p.pos > start && p.atAssign() {
			break
		}
		special := true
		switch {
		case isSingleQuote(r):
			p.singleQuoted()
		case isDoubleQuote(r):
			p.doubleQuoted()
		case r == '`':
			p.pos += n
			if _, m := p.peek(); m > 0 {
				p.pos += m
			}
		case r == '(':
			p.pos += n
			p.group(')', false)
		case r == '{':
			p.pos += n
			p.group('}', false)
		case p.at("$("), p.at("@("):
			p.pos += 2
			p.group(')', false)
		case p.at("@{"):
			p.pos += 2
			p.group('}', true)
		case p.at("${"):
			p.bracedVariable()
		default:
			special = false
			if literal {
				b.WriteRune(r)
			}
			p.pos += n
		}
		if special {
			literal, w.plain = false, false
		}
	}
	w.prefix = b.String()
	return w
}

// group reads the statements inside a bracket whose opener is consumed.
func (p *parser) group(closer rune, hashtable bool) {
	if p.depth >= maxDepth {
		p.fail("nested deeper than %d", maxDepth)
		return
	}
	p.depth++
	p.statements(closer, hashtable)
	p.depth--
}

// singleQuoted reads a single-quoted string: any single-quote character ends
// it unless another follows, which makes the pair one literal quote.
func (p *parser) singleQuoted() {
	_, n := p.peek()
	p.pos += n
	for {
		r, n := p.peek()
		if n == 0 {
			p.fail("unterminated single-quoted string")
			return
		}
		p.pos += n
		if isSingleQuote(r) {
			if r2, m := p.peek(); m > 0 && isSingleQuote(r2) {
				p.pos += m
				continue
			}
			return
		}
	}
}

// doubleQuoted reads a double-quoted string: "" and backtick escapes, and
// $(...) sub-expressions whose commands are parsed.
func (p *parser) doubleQuoted() {
	_, n := p.peek()
	p.pos += n
	for p.err == nil {
		r, n := p.peek()
		switch {
		case n == 0:
			p.fail("unterminated double-quoted string")
			return
		case r == '`':
			p.pos += n
			if _, m := p.peek(); m > 0 {
				p.pos += m
			}
		case isDoubleQuote(r):
			p.pos += n
			if r2, m := p.peek(); m > 0 && isDoubleQuote(r2) {
				p.pos += m
				continue
			}
			return
		case p.at("$("):
			p.pos += 2
			p.group(')', false)
		case p.at("${"):
			p.bracedVariable()
		default:
			p.pos += n
		}
	}
}

// bracedVariable reads ${name}, where the name may hold any character and a
// backtick escapes the next.
func (p *parser) bracedVariable() {
	p.pos += 2
	for {
		r, n := p.peek()
		switch {
		case n == 0:
			p.fail("unterminated ${ variable")
			return
		case r == '`':
			p.pos += n
			if _, m := p.peek(); m > 0 {
				p.pos += m
			}
		case r == '}':
			p.pos += n
			return
		default:
			p.pos += n
		}
	}
}
