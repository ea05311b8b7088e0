package mailflow

import (
	"bufio"
	"bytes"
	"net/mail"
	"strings"
)

// header is what the world reads of a message's header: the Message-ID
// (a retry names the same message) and the From display name.
type header struct {
	messageID string
	fromName  string
}

// parseHeader reads the message header as net/mail does. Raw 8-bit bytes in
// the header need SMTPUTF8, which the hosts do not offer. A plain header (the
// usual case) is scanned in place for its From and Message-ID fields; any
// header that net/mail treats specially (folded From or Message-ID, bare CR,
// a line without a colon, no end of header) goes through net/mail itself, so
// the result is net/mail's in every case (FuzzParseHeader checks this).
func parseHeader(body []byte) (header, Reply) {
	end := bytes.Index(body, []byte("\r\n\r\n"))
	if end < 0 {
		end = bytes.Index(body, []byte("\n\n"))
	}
	if end < 0 {
		end = len(body)
	}
	for _, c := range body[:end] {
		if c >= 0x80 {
			return header{}, ReplyEightBit
		}
	}
	if h, ok := scanHeader(body); ok {
		return h, OK
	}
	return parseHeaderMail(body)
}

// parseHeaderMail reads the header with net/mail: the reference parseHeader
// agrees with.
func parseHeaderMail(body []byte) (header, Reply) {
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(body)))
	if err != nil {
		return header{}, ReplyBadMessage
	}
	return headerOf(msg.Header.Get("Message-Id"), msg.Header.Get("From")), OK
}

// headerOf makes the header from the first Message-ID and From fields'
// values ("" when absent).
func headerOf(messageID, from string) header {
	h := header{messageID: strings.TrimSpace(messageID)}
	if hasDisplayName(from) {
		h.fromName = displayName(from)
	}
	return h
}

// hasDisplayName reports whether a From value may carry a display name.
// One that is empty or starts with an angle-addr ("<a@b>") has none:
// net/mail finds none there or refuses the field, "" either way.
func hasDisplayName[T string | []byte](from T) bool { return len(from) > 0 && from[0] != '<' }

// displayName is the display name net/mail reads in a From value ("" if it
// cannot parse it).
func displayName(from string) string {
	if a, err := (&mail.AddressParser{}).Parse(from); err == nil {
		return a.Name
	}
	return ""
}

// scanHeader finds the first From and Message-ID fields of a plain header
// without net/mail: every line ends in LF or CRLF with no other CR, the
// first line is a field, every field line has a colon before which there is
// a name, a From or Message-ID field is not folded, and a blank line ends
// the header. ok is false for anything else. The values are what net/mail
// would return: the text after the colon with leading and trailing blanks
// removed.
func scanHeader(body []byte) (h header, ok bool) {
	if len(body) == 0 || body[0] == ' ' || body[0] == '\t' {
		return header{}, false
	}
	var from, msgID []byte
	var haveFrom, haveID, lastWanted bool
	for rest := body; ; {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return header{}, false // the header does not end
		}
		line := rest[:nl]
		rest = rest[nl+1:]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if bytes.IndexByte(line, '\r') >= 0 {
			return header{}, false
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if lastWanted {
				return header{}, false // a folded From or Message-ID
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return header{}, false
		}
		name, value := line[:colon], trimBlanks(line[colon+1:])
		lastWanted = false
		switch {
		case asciiEqualFold(name, "from"):
			lastWanted = true
			if !haveFrom {
				from, haveFrom = value, true
			}
		case asciiEqualFold(name, "message-id"):
			lastWanted = true
			if !haveID {
				msgID, haveID = value, true
			}
		}
	}
	// string(...) copies: the body may be a reused buffer.
	h = header{messageID: strings.TrimSpace(string(msgID))}
	if hasDisplayName(from) {
		h.fromName = displayName(string(from))
	}
	return h, true
}

// trimBlanks removes leading and trailing spaces and tabs, as net/textproto
// does to a header line.
func trimBlanks(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// asciiEqualFold reports whether b is lower (lower-case ASCII) in any case.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
