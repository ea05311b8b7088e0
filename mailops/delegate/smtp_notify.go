package delegate

import (
	"bytes"
	"context"
	"fmt"
	"net"

	"github.com/emersion/go-smtp"

	"github.com/mailops-dev/mailops/mailops"
)

// MailNotifier sends notifications through an SMTP relay.
type MailNotifier struct {
	// Relay is the relay's host:port.
	Relay string
	// From is the envelope and header sender.
	From mailops.Address
	// Approvers also hear of requests awaiting approval.
	Approvers []mailops.Address
	// Hello is the name sent in EHLO; default "localhost".
	Hello string
	// Clock dates the messages.
	Clock mailops.Clock
	// TagSender makes the envelope sender name the request and state
	// (VERP: local+ID.state@domain), so that a bounce, and a delivery in a
	// log, says which notification it was.
	TagSender bool
}

// SenderFor is the envelope sender of r's notification.
func (n *MailNotifier) SenderFor(r Request) mailops.Address {
	if !n.TagSender {
		return n.From
	}
	return mailops.Address(n.From.Local() + "+" + r.ID + "." + string(r.State) + "@" + n.From.Domain())
}

var _ Notifier = (*MailNotifier)(nil)

// Notify sends the notification of r's state, if it has one. The message ID
// is the request's ID and state, so a repeated notification is recognisable.
func (n *MailNotifier) Notify(ctx context.Context, r Request) error {
	msg, ok := Compose(r, n.From, n.Approvers, n.Clock.Now(), r.ID+"."+string(r.State))
	if !ok {
		return nil
	}
	return n.send(ctx, n.SenderFor(r), msg)
}

func (n *MailNotifier) send(ctx context.Context, sender mailops.Address, m Notice) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", n.Relay)
	if err != nil {
		return fmt.Errorf("delegate: notify: dial relay %s: %w", n.Relay, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	hello := n.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("delegate: notify: EHLO: %w", err)
	}
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = string(a)
	}
	if err := c.SendMail(string(sender), to, bytes.NewReader(m.Message)); err != nil {
		return fmt.Errorf("delegate: notify: send to %v: %w", to, err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("delegate: notify: QUIT: %w", err)
	}
	return nil
}
