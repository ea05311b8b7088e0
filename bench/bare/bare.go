// Package bare holds what the benchmarks compare the project's servers
// with: servers built on the same libraries that do nothing but the
// protocol (bench/anchorsrv, fake/smtpserve's benchmarks).
package bare

import (
	"io"

	"github.com/emersion/go-smtp"
)

// SMTPBackend is a go-smtp backend that accepts every sender and recipient
// and reads DATA to the end, discarding it: what a server built on the
// library costs at the least.
type SMTPBackend struct{}

// NewSession returns a session that accepts everything.
func (SMTPBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return smtpSession{}, nil }

type smtpSession struct{}

func (smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (smtpSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (smtpSession) Reset()        {}
func (smtpSession) Logout() error { return nil }
