package mailflow

import (
	"bufio"
	"bytes"
	"net/mail"
	"strings"
	"testing"
)

// referenceHeader is parseHeader done by net/mail alone, as it was before
// the in-place scan, sharing no code with it.
func referenceHeader(body []byte) (header, Reply) {
	end := bytes.Index(body, []byte("\r\n\r\n"))
	if end < 0 {
		end = bytes.Index(body, []byte("\n\n"))
	}
	if end < 0 {
		end = len(body)
	}
	if bytes.ContainsFunc(body[:end], func(r rune) bool { return r >= 0x80 }) {
		return header{}, ReplyEightBit
	}
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(body)))
	if err != nil {
		return header{}, ReplyBadMessage
	}
	h := header{messageID: strings.TrimSpace(msg.Header.Get("Message-Id"))}
	if f := msg.Header.Get("From"); f != "" {
		if a, err := (&mail.AddressParser{}).Parse(f); err == nil {
			h.fromName = a.Name
		}
	}
	return h, OK
}

var headerCases = []struct {
	name string
	body string
	fast bool // scanHeader reads it without net/mail
	want header
}{
	{"smtp-source", "From: <sender@outside.example>\r\nTo: <alice@bench.example>\r\nDate: Wed,  2 Dec 2026 03:53:59 +0000 (UTC)\r\nMessage-Id: <3d10.0003.ffffffff@vm>\r\n\r\nLa de da de da 1.\r\n", true,
		header{messageID: "<3d10.0003.ffffffff@vm>"}},
	{"display name", "From: Sender Name <s@x.example>\r\nMessage-ID:  <a@b> \t\r\n\r\n", true, header{messageID: "<a@b>", fromName: "Sender Name"}},
	{"LF ends", "from: \"Q, R\" <q@x.example>\nMESSAGE-ID: <1@x>\n\nbody\n", true, header{messageID: "<1@x>", fromName: "Q, R"}},
	{"first field wins", "From: A <a@x>\r\nFrom: B <b@x>\r\nMessage-Id: <1@x>\r\nMessage-Id: <2@x>\r\n\r\n", true, header{messageID: "<1@x>", fromName: "A"}},
	{"other field folded", "Subject: a\r\n  folded\r\nFrom: A <a@x>\r\n\r\n", true, header{fromName: "A"}},
	{"no fields", "\r\nbody\r\n", true, header{}},
	{"name with a blank", "From : A <a@x>\r\nMessage-Id : <1@x>\r\n\r\n", true, header{}},
	{"empty From", "From:\r\nMessage-Id:\r\n\r\n", true, header{}},
	{"bad From", "From: not an address\r\n\r\n", true, header{}},
	{"comment as name", "From: a@x (Alice)\r\n\r\n", true, header{fromName: "Alice"}},
	{"angle-addr and comment", "From: <a@x> (Alice)\r\n\r\n", true, header{}},
	{"angle-addr and junk", "From: <a@x> Alice\r\n\r\n", true, header{}},
	{"quoted name", "From: \"<Alice>\" <a@x>\r\n\r\n", true, header{fromName: "<Alice>"}},
	{"folded From", "From: A\r\n <a@x>\r\n\r\n", false, header{fromName: "A"}},
	{"folded Message-ID", "Message-Id:\r\n <1@x>\r\n\r\n", false, header{messageID: "<1@x>"}},
	{"header to the end", "From: A <a@x>\r\nMessage-Id: <1@x>", false, header{messageID: "<1@x>", fromName: "A"}},
	{"bare CR", "From: A <a@x>\rX: y\r\n\r\n", false, header{}},
}

// TestParseHeaderCases: the in-place scan reads plain headers, leaves the
// rest to net/mail, and parseHeader returns what net/mail says.
func TestParseHeaderCases(t *testing.T) {
	for _, c := range headerCases {
		t.Run(c.name, func(t *testing.T) {
			h, ok := scanHeader([]byte(c.body))
			if ok != c.fast {
				t.Fatalf("scanHeader ok = %v, want %v", ok, c.fast)
			}
			got, r := parseHeader([]byte(c.body))
			if !r.Positive() || got != c.want {
				t.Fatalf("parseHeader = %+v, %v; want %+v", got, r, c.want)
			}
			if ok && h != got {
				t.Fatalf("scanHeader = %+v, parseHeader %+v", h, got)
			}
			ref, rr := referenceHeader([]byte(c.body))
			if ref != got || rr != r {
				t.Fatalf("net/mail says %+v, %v; parseHeader %+v, %v", ref, rr, got, r)
			}
		})
	}
	for _, bad := range []string{"", " From: a@x\r\n\r\n", "no colon\r\n\r\n", "From: Ä <a@x>\r\n\r\n"} {
		if _, r := parseHeader([]byte(bad)); r.Positive() {
			t.Errorf("parseHeader(%q) accepted a header net/mail refuses", bad)
		}
	}
}

// FuzzParseHeader: parseHeader (the in-place scan with net/mail behind it)
// agrees with net/mail on every input.
func FuzzParseHeader(f *testing.F) {
	for _, c := range headerCases {
		f.Add([]byte(c.body))
	}
	f.Add([]byte(" x: y\r\n\r\n"))
	f.Add([]byte(":x\r\n\r\n"))
	f.Add([]byte("A: b\r\n \r\n\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, r := parseHeader(body)
		want, wr := referenceHeader(body)
		if got != want || r != wr {
			t.Fatalf("parseHeader(%q) = %+v, %v; net/mail says %+v, %v", body, got, r, want, wr)
		}
	})
}

// BenchmarkParseHeader reads smtp-source's header, as each DATA does.
func BenchmarkParseHeader(b *testing.B) {
	body := []byte(headerCases[0].body)
	b.ReportAllocs()
	for b.Loop() {
		if _, r := parseHeader(body); !r.Positive() {
			b.Fatal(r)
		}
	}
}
