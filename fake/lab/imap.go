package lab

import (
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

// IMAPPassword is every lab user's IMAP password; the user name is the
// address.
const IMAPPassword = "lab"

// readSide is the IMAP read side: one user per address, whose INBOX holds
// every copy the ledger delivered to a mailbox of that address (legacy,
// Exchange Online or internet; the X-Lab-Mailbox header says which).
type readSide struct {
	mem *imapmemserver.Server

	mu    sync.Mutex
	users map[string]*imapmemserver.User
}

func newReadSide(addresses []string) *readSide {
	r := &readSide{mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}}
	for _, a := range addresses {
		r.user(a)
	}
	return r
}

// user returns the address's user, made with an INBOX on first use.
func (r *readSide) user(addr string) *imapmemserver.User {
	r.mu.Lock()
	defer r.mu.Unlock()
	addr = strings.ToLower(addr)
	u, ok := r.users[addr]
	if !ok {
		u = imapmemserver.NewUser(addr, IMAPPassword)
		_ = u.Create("INBOX", nil) // a fresh user has no mailbox: cannot fail
		r.mem.AddUser(u)
		r.users[addr] = u
	}
	return u
}

// deliver appends the delivered copy to its owner's INBOX.
func (r *readSide) deliver(ev mailflow.Event, m *mailflow.Message) error {
	owner := mailboxAddress(ev.Mailbox)
	text := messageText(ev, m)
	_, err := r.user(owner).Append("INBOX", literal{bytes.NewReader(text), int64(len(text))}, &imap.AppendOptions{Time: ev.At})
	if err != nil {
		return fmt.Errorf("lab: imap: appending message %d for %s: %w", m.ID, owner, err)
	}
	return nil
}

// server is the IMAP server over the read side (no TLS on loopback).
func (r *readSide) server() *imapserver.Server {
	return imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return r.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// mailboxAddress is the address a ledger mailbox belongs to
// ("exo:ours:a@b" → "a@b").
func mailboxAddress(mb mailflow.Mailbox) string {
	s := string(mb)
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// messageText reconstructs an RFC 5322 message from what the ledger keeps of
// it: the envelope, the display name the recipient sees, the times and the
// route. The body says where it came from.
func messageText(ev mailflow.Event, m *mailflow.Message) []byte {
	var b bytes.Buffer
	from := (&mail.Address{Name: ev.FromDisplay, Address: string(m.From)}).String()
	if ev.FromDisplay == "" {
		from = "<" + string(m.From) + ">"
	}
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("Message-ID", fmt.Sprintf("<lab-%d@mailops.lab>", m.ID))
	h("Date", m.Submitted.Format(time.RFC1123Z))
	h("From", from)
	h("To", "<"+string(ev.Orig)+">")
	h("Subject", mime.QEncoding.Encode("utf-8", fmt.Sprintf("Lab message %d (%s)", m.ID, m.Origin)))
	h("X-Lab-Mailbox", string(ev.Mailbox))
	h("X-Lab-Route", ev.Route)
	h("X-Lab-Delivered", ev.At.Format(time.RFC3339))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "Message %d from %s, sent %s, addressed to %s,\r\ndelivered %s to %s\r\nby the route %s.\r\n",
		m.ID, m.From, m.Submitted.Format(time.RFC3339), ev.Orig, ev.At.Format(time.RFC3339), ev.Mailbox, ev.Route)
	if len(ev.Trail) > 0 {
		fmt.Fprintf(&b, "Trail: %s\r\n", strings.Join(ev.Trail, " | "))
	}
	return b.Bytes()
}
