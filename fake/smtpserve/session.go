package smtpserve

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

type backend struct {
	srv *Server
	cfg HostConfig
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	cc, ok := c.Conn().(*conn)
	if !ok || cc.sess == nil {
		return nil, errors.New("smtpserve: connection not admitted by the listener")
	}
	// Fresh state each time: go-smtp asks again for a session after a
	// HELO that follows its own Close of the last one.
	cc.smtp = session{b: b, c: c, sess: cc.sess, id: cc.id}
	return &cc.smtp, nil
}

// session turns SMTP commands into calls on the world's Session, under the
// Server's lock. It lives in its connection (conn.smtp).
type session struct {
	b      *backend
	c      *smtp.Conn
	sess   *mailflow.Session
	id     uint64
	authed bool
	// tx mirrors whether the world's session has a transaction (an
	// accepted MAIL not yet ended by DATA or RSET): without one a reset
	// changes nothing in the world, and is neither applied nor recorded.
	// go-smtp resets after every DATA, which the world's Data has done.
	tx bool
}

var _ smtp.AuthSession = (*session)(nil)

// do applies one command (op with its argument) to the world (see
// Server.apply).
func (s *session) do(op, arg string, fn func() mailflow.Reply) error {
	return replyErr(s.b.srv.apply(&Command{Conn: s.id, Op: op, Arg: arg}, fn))
}

func (s *session) reset() {
	if !s.tx {
		return
	}
	s.tx = false
	_ = s.do(CmdReset, "", func() mailflow.Reply { s.sess.Reset(); return mailflow.OK })
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.cfg.RequireAuth && !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	err := s.do(CmdMail, from, func() mailflow.Reply { return s.sess.Mail(from) })
	if err == nil {
		s.tx = true // a refused MAIL leaves the world's session as it was
	}
	return err
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	return s.do(CmdRcpt, to, func() mailflow.Reply { return s.sess.Rcpt(to) })
}

// Data reads the message into one of the Server's reused buffers: the world
// keeps only what it parses from the header and the size, and a recording
// hook gets its own copy (see Server.apply).
func (s *session) Data(r io.Reader) error {
	buf := s.b.srv.dataBuf()
	defer s.b.srv.putDataBuf(buf)
	if _, err := buf.ReadFrom(r); err != nil {
		// Too large (go-smtp's 552) or the client went away: the
		// transaction is void.
		s.reset()
		return err
	}
	body := buf.Bytes()
	s.tx = false // the world's Data ends the transaction whatever it says
	var lost bool
	rep := s.b.srv.apply(&Command{Conn: s.id, Op: CmdData, Data: body}, func() mailflow.Reply {
		r := s.sess.Data(body)
		lost = s.sess.ReplyLost()
		return r
	})
	if lost {
		// The host took the message; the client never hears so.
		_ = s.c.Conn().Close()
	}
	return replyErr(rep)
}

func (s *session) Reset() { s.reset() }

func (s *session) Logout() error { return nil }

func (s *session) AuthMechanisms() []string {
	if s.b.cfg.Users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.b.cfg.Users == nil || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		want, ok := s.b.cfg.Users[user]
		if !ok || want != pass || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		// On Exchange Online the session becomes the user's submission.
		if err := s.do(CmdAuth, user, func() mailflow.Reply { return s.sess.Authenticate(user) }); err != nil {
			return err
		}
		s.authed = true
		return nil
	}), nil
}

// replyErr turns a model reply into what go-smtp writes: nil for a positive
// reply, an *smtp.SMTPError otherwise.
func replyErr(r mailflow.Reply) error {
	if r.Positive() {
		return nil
	}
	ec := smtp.EnhancedCodeNotSet
	if p := strings.Split(r.Enhanced, "."); len(p) == 3 {
		var x [3]int
		ok := true
		for i := range p {
			n, err := strconv.Atoi(p[i])
			ok = ok && err == nil
			x[i] = n
		}
		if ok {
			ec = smtp.EnhancedCode{x[0], x[1], x[2]}
		}
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: r.Text}
}
