package smtpserve_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
	"github.com/mailops-dev/mailops/mailops"
)

const (
	legacyHost = "mx.dept.example"
	alice      = mailops.Address("alice@dept.example")
	bob        = mailops.Address("bob@dept.example")
	team       = mailops.Address("team@dept.example")
	carol      = mailops.Address("carol@gmail.example")
)

// world is a legacy server for dept.example (alice, bob, and an alias team
// expanding to alice and carol at gmail.example) and an internet domain.
func world(t testing.TB) (*mailflow.World, *smtpserve.Server) {
	t.Helper()
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig(), KeepEvents: true})
	l := w.AddLegacy(legacyHost, time.Hour, "dept.example")
	l.AddMailbox(alice)
	l.AddMailbox(bob)
	l.SetAlias(team, alice, carol)
	w.AddInternetDomain("gmail.example")
	e := w.Expect()
	e.Address(alice, "alice")
	e.Reads("alice", mailflow.LegacyMailbox(alice), time.Time{}, time.Time{})
	e.Address(bob, "bob")
	e.Reads("bob", mailflow.LegacyMailbox(bob), time.Time{}, time.Time{})
	e.Address(carol, "carol")
	e.Reads("carol", mailflow.InternetMailbox(carol), time.Time{}, time.Time{})
	e.Address(team, "alice", "carol")
	srv := smtpserve.New(w)
	t.Cleanup(func() { _ = srv.Close() })
	return w, srv
}

func listen(t *testing.T, srv *smtpserve.Server, cfg smtpserve.HostConfig) string {
	t.Helper()
	addr, err := srv.Listen(cfg)
	require.NoError(t, err)
	return addr
}

func message(from, to, id, subject string) string {
	return fmt.Sprintf("From: Sender <%s>\r\nTo: <%s>\r\nMessage-ID: <%s>\r\nSubject: %s\r\n\r\nHello.\r\n", from, to, id, subject)
}

// send runs one transaction with go-smtp's client and returns the first error.
func send(addr, from string, to []string, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	wc, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := wc.Write([]byte(body)); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func smtpCode(t *testing.T, err error) (int, smtp.EnhancedCode) {
	t.Helper()
	var se *smtp.SMTPError
	require.True(t, errors.As(err, &se), "want an SMTP error reply, got %v", err)
	return se.Code, se.EnhancedCode
}

func check(srv *smtpserve.Server, w *mailflow.World) mailflow.Report {
	var rep mailflow.Report
	srv.Do(func() {
		_ = w.Scheduler().RunFor(72 * time.Hour)
		rep = w.Check()
	})
	return rep
}

func TestDeliversOverLoopback(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	require.NoError(t, send(addr, "x@outside.example", []string{string(alice), string(team)}, message("x@outside.example", string(alice), "m1@test", "hi")))
	rep := check(srv, w)
	assert.Equal(t, 2, rep.Sent)
	assert.Equal(t, 2, rep.Delivered, rep.String())
	assert.True(t, rep.NoLoss())
	var mbs []mailflow.Mailbox
	for _, e := range w.Ledger().Events() {
		if e.Kind == mailflow.EvDeliver {
			mbs = append(mbs, e.Mailbox)
			assert.Equal(t, "Sender", e.FromDisplay, "the From header's display name reaches the recipient")
		}
	}
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.LegacyMailbox(alice), mailflow.LegacyMailbox(alice), mailflow.InternetMailbox(carol)}, mbs,
		"alice directly, and the alias expands to alice and carol (relayed by MX)")
}

func TestUnknownUserAndServerKeepsServing(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("client.test"))
	require.NoError(t, c.Mail("x@outside.example", nil))
	code, ec := smtpCode(t, c.Rcpt("nobody@dept.example", nil))
	assert.Equal(t, 550, code)
	assert.Equal(t, smtp.EnhancedCode{5, 1, 1}, ec)
	code, ec = smtpCode(t, c.Rcpt("someone@elsewhere.example", nil))
	assert.Equal(t, 554, code, "not an open relay")
	assert.Equal(t, smtp.EnhancedCode{5, 7, 1}, ec)
	require.NoError(t, c.Rcpt(string(bob), nil), "the same transaction goes on")
	wc, err := c.Data()
	require.NoError(t, err)
	_, err = wc.Write([]byte(message("x@outside.example", string(bob), "m2@test", "after a refusal")))
	require.NoError(t, err)
	require.NoError(t, wc.Close())
	require.NoError(t, c.Quit())
	rep := check(srv, w)
	assert.Equal(t, 1, rep.Sent, "refused recipients are never submitted")
	assert.Equal(t, 1, rep.Delivered)
}

// rawSession speaks SMTP by hand, for input no well-behaved client sends.
type rawSession struct {
	t *testing.T
	c *textproto.Conn
}

func dialRaw(t *testing.T, addr string) *rawSession {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c := textproto.NewConn(nc)
	t.Cleanup(func() { _ = c.Close() })
	_, _, err = c.ReadResponse(220)
	require.NoError(t, err)
	return &rawSession{t: t, c: c}
}

// cmd sends a line and returns the reply code and text.
func (r *rawSession) cmd(line string) (int, string) {
	r.t.Helper()
	require.NoError(r.t, r.c.PrintfLine("%s", line))
	code, msg, err := r.c.ReadResponse(0)
	var pe textproto.ProtocolError
	require.False(r.t, errors.As(err, &pe), "a well-formed reply to %q: %v", line, err)
	return code, msg
}

func (r *rawSession) data(body string) (int, string) {
	r.t.Helper()
	code, _ := r.cmd("DATA")
	require.Equal(r.t, 354, code)
	w := r.c.DotWriter()
	_, err := w.Write([]byte(body))
	require.NoError(r.t, err)
	require.NoError(r.t, w.Close())
	code, msg, _ := r.c.ReadResponse(0)
	return code, msg
}

func TestBadInputGetsProperErrorsAndServerKeepsServing(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxRecipients: 2, MaxMessageBytes: 2048})
	r := dialRaw(t, addr)

	code, _ := r.cmd("MAIL FROM:<x@outside.example>")
	assert.Equal(t, 502, code, "MAIL before EHLO")
	code, _ = r.cmd("EHLO")
	assert.Equal(t, 501, code, "EHLO without a domain")
	code, _ = r.cmd("EHLO client.test")
	assert.Equal(t, 250, code)
	code, _ = r.cmd("XYZZY plugh")
	assert.Contains(t, []int{500, 501, 502}, code, "unknown command")
	code, _ = r.cmd("RCPT TO:<alice@dept.example>")
	assert.Equal(t, 502, code, "RCPT before MAIL")
	code, _ = r.cmd("MAIL FROM:<not an address>")
	assert.GreaterOrEqual(t, code, 500, "malformed MAIL FROM")
	code, _ = r.cmd("MAIL FROM:<x@outside.example>")
	assert.Equal(t, 250, code)
	code, _ = r.cmd("RCPT TO:<@@>")
	assert.GreaterOrEqual(t, code, 500, "malformed RCPT TO")
	code, _ = r.cmd("RCPT TO:<alice@dept.example>")
	assert.Equal(t, 250, code)
	code, _ = r.cmd("RCPT TO:<bob@dept.example>")
	assert.Equal(t, 250, code)
	code, msg := r.cmd("RCPT TO:<team@dept.example>")
	assert.Equal(t, 452, code, "too many recipients: %s", msg)

	code, msg = r.data(strings.Repeat("X-Padding: "+strings.Repeat("a", 60)+"\r\n", 60) + "\r\nbig\r\n")
	assert.Equal(t, 552, code, "oversized message: %s", msg)

	code, _ = r.cmd("MAIL FROM:<x@outside.example>")
	assert.Equal(t, 250, code)
	code, _ = r.cmd("RCPT TO:<alice@dept.example>")
	assert.Equal(t, 250, code)
	code, msg = r.data("From: 山田 <x@outside.example>\r\nSubject: 8-bit header\r\n\r\nbody\r\n")
	assert.Equal(t, 554, code, "8-bit header without SMTPUTF8: %s", msg)
	assert.Contains(t, msg, "5.6.7")

	code, _ = r.cmd("MAIL FROM:<x@outside.example>")
	assert.Equal(t, 250, code)
	code, _ = r.cmd("RCPT TO:<alice@dept.example>")
	assert.Equal(t, 250, code)
	code, msg = r.data("this is not a header\r\n")
	assert.Equal(t, 554, code, "malformed message: %s", msg)

	var rep mailflow.Report
	srv.Do(func() {
		_ = w.Scheduler().RunFor(time.Hour)
		rep = w.Check()
	})
	assert.Zero(t, rep.Sent, "nothing refused was submitted")
	assert.Zero(t, rep.Delivered, "nothing refused was delivered")

	// The same connection and a new one still work.
	code, _ = r.cmd("MAIL FROM:<x@outside.example>")
	assert.Equal(t, 250, code)
	code, _ = r.cmd("RCPT TO:<alice@dept.example>")
	assert.Equal(t, 250, code)
	code, msg = r.data(message("x@outside.example", string(alice), "ok1@test", "fine"))
	assert.Equal(t, 250, code, msg)
	require.NoError(t, send(addr, "x@outside.example", []string{string(bob)}, message("x@outside.example", string(bob), "ok2@test", "fine")))
	rep = check(srv, w)
	assert.Equal(t, 2, rep.Sent)
	assert.Equal(t, 2, rep.Delivered, rep.String())
}

func TestConnectionLimitGives421(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxConnections: 1})
	first := dialRaw(t, addr)
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer nc.Close()
	code, msg, err := textproto.NewConn(nc).ReadResponse(220)
	require.Error(t, err)
	assert.Equal(t, 421, code, msg)
	code, _ = first.cmd("EHLO client.test")
	assert.Equal(t, 250, code, "the admitted connection is served")
	code, _ = first.cmd("QUIT")
	assert.Equal(t, 221, code)
	require.NoError(t, first.c.Close())
	require.Eventually(t, func() bool {
		return send(addr, "x@outside.example", []string{string(alice)}, message("x@outside.example", string(alice), "m@test", "s")) == nil
	}, 5*time.Second, 10*time.Millisecond, "a slot frees when a connection closes")
}

func TestAuthPlain(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, Users: map[string]string{"alice": "s3cret"}, RequireAuth: true})
	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("client.test"))
	assert.True(t, c.SupportsAuth("PLAIN"))
	code, _ := smtpCode(t, c.Mail("alice@dept.example", nil))
	assert.Equal(t, 530, code, "MAIL before AUTH")
	code, _ = smtpCode(t, c.Auth(sasl.NewPlainClient("", "alice", "wrong")))
	assert.Equal(t, 535, code)
	require.NoError(t, c.Auth(sasl.NewPlainClient("", "alice", "s3cret")))
	require.NoError(t, c.Mail("alice@dept.example", nil))
	require.NoError(t, c.Rcpt(string(bob), nil))
}

// Authentication belongs to its connection: the next connection starts
// unauthenticated, however the server keeps its per-connection state.
func TestAuthDoesNotCarryToTheNextConnection(t *testing.T) {
	_, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, Users: map[string]string{"alice": "s3cret"}, RequireAuth: true})
	for i := range 3 {
		c, err := smtp.Dial(addr)
		require.NoError(t, err)
		require.NoError(t, c.Hello("client.test"))
		code, _ := smtpCode(t, c.Mail("alice@dept.example", nil))
		assert.Equal(t, 530, code, "connection %d: MAIL before AUTH", i)
		require.NoError(t, c.Auth(sasl.NewPlainClient("", "alice", "s3cret")))
		require.NoError(t, c.Mail("alice@dept.example", nil), "connection %d", i)
		require.NoError(t, c.Quit())
	}
}

func TestDeviceRelayIsNeverAnOpenRelay(t *testing.T) {
	w, srv := world(t)
	w.AddRelay("relay.dept.example", "relay@dept.example", netip.MustParsePrefix("127.0.0.0/8"))
	w.AddRelay("strict-relay.dept.example", "relay@dept.example", netip.MustParsePrefix("10.0.0.0/8"))
	submit := listen(t, srv, smtpserve.HostConfig{Host: "relay.dept.example", Port: mailflow.SubmissionPort})
	port25 := listen(t, srv, smtpserve.HostConfig{Host: "relay.dept.example", Port: 25})
	strict := listen(t, srv, smtpserve.HostConfig{Host: "strict-relay.dept.example", Port: mailflow.SubmissionPort})

	body := message("nas@dept.example", string(carol), "dev1@test", "disk full")
	code, ec := smtpCode(t, send(port25, "nas@dept.example", []string{string(carol)}, body))
	assert.Equal(t, 554, code, "the relay accepts devices only on 587")
	assert.Equal(t, smtp.EnhancedCode{5, 7, 1}, ec)
	code, ec = smtpCode(t, send(strict, "nas@dept.example", []string{string(carol)}, body))
	assert.Equal(t, 554, code, "a client outside the allowed networks is refused")
	assert.Equal(t, smtp.EnhancedCode{5, 7, 1}, ec)
	require.NoError(t, send(submit, "nas@dept.example", []string{string(carol)}, body))

	rep := check(srv, w)
	assert.Equal(t, 1, rep.Sent)
	assert.Equal(t, 1, rep.Delivered, rep.String())
	for _, e := range w.Ledger().Events() {
		if e.Kind == mailflow.EvDeliver {
			assert.Contains(t, e.Trail, "relay:relay.dept.example")
			assert.Contains(t, e.Trail, "exo:ours", "relayed with the relay account's credentials through Exchange Online")
		}
	}
}

func TestReplyLostAfterDataMakesADuplicateNotALoss(t *testing.T) {
	w, srv := world(t)
	w.InjectSMTPFault(mailflow.SMTPFault{Host: legacyHost, Stage: mailflow.StageDataReply, Rcpt: alice, Count: 1})
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	body := message("x@outside.example", string(alice), "once@test", "sent twice")
	err := send(addr, "x@outside.example", []string{string(alice)}, body)
	require.Error(t, err, "the client never hears the 250")
	require.NoError(t, send(addr, "x@outside.example", []string{string(alice)}, body), "so it sends again")
	rep := check(srv, w)
	assert.Equal(t, 1, rep.Sent, "one message, by its Message-ID")
	assert.Equal(t, 1, rep.Duplicated, rep.String())
	assert.True(t, rep.NoLoss())
}

func TestConnectAndRcptFaults(t *testing.T) {
	w, srv := world(t)
	w.InjectSMTPFault(mailflow.SMTPFault{Host: legacyHost, Stage: mailflow.StageConnect, Count: 1,
		Reply: mailflow.Reply{Code: 421, Enhanced: "4.3.2", Text: "maintenance"}})
	w.InjectSMTPFault(mailflow.SMTPFault{Host: legacyHost, Stage: mailflow.StageRcpt, Rcpt: bob, Count: 1,
		Reply: mailflow.Reply{Code: 451, Enhanced: "4.3.0", Text: "try later"}})
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost})
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	code, _, err := textproto.NewConn(nc).ReadResponse(220)
	require.Error(t, err)
	assert.Equal(t, 421, code, "a connect fault answers the greeting")
	nc.Close()
	code, ec := smtpCode(t, send(addr, "x@outside.example", []string{string(bob)}, message("x@outside.example", string(bob), "f@test", "s")))
	assert.Equal(t, 451, code)
	assert.Equal(t, smtp.EnhancedCode{4, 3, 0}, ec)
	require.NoError(t, send(addr, "x@outside.example", []string{string(bob)}, message("x@outside.example", string(bob), "f@test", "s")), "the fault was for one attempt")
	rep := check(srv, w)
	assert.Equal(t, 1, rep.Delivered, rep.String())
}

func TestListenRefusesNonLoopback(t *testing.T) {
	_, srv := world(t)
	_, err := srv.Listen(smtpserve.HostConfig{Host: legacyHost, Addr: "0.0.0.0:0"})
	var ve *mailops.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "HostConfig.Addr", ve.Field)
}

// exoTenant verifies uni.example in our tenant (Authoritative, MX at
// Exchange Online) with one mailbox, taro.
func exoTenant(t *testing.T, w *mailflow.World, srv *smtpserve.Server) mailops.Address {
	t.Helper()
	const org = "uni.example"
	taro := mailops.Address("taro@" + org)
	var err error
	w.Scheduler().GoNamed("setup", func() {
		ctx := context.Background()
		c := mailops.NewClient(w.Tenant().Driver("admin"), mailops.Options{Clock: w.Scheduler()})
		var dom mailops.Domain
		if dom, err = c.AddDomain(ctx, org); err != nil {
			return
		}
		if err = w.DNS().Publish(ctx, mailops.DNSChange{Domain: org, Add: dom.VerificationRecords[:1]}); err != nil {
			return
		}
		if _, err = c.VerifyDomain(ctx, org); err != nil {
			return
		}
		if err = c.EnableEmail(ctx, org); err != nil {
			return
		}
		if err = c.AwaitAccepted(ctx, org); err != nil {
			return
		}
		err = c.CreateRecipient(ctx, mailops.Recipient{Address: taro, Kind: mailops.Mailbox, DisplayName: "Taro"})
	})
	srv.Do(func() { require.NoError(t, w.Scheduler().Run()) })
	require.NoError(t, err)
	srv.Do(func() { require.NoError(t, w.PointMXAtEXO(org, time.Hour)) })
	return taro
}

// The Exchange Online edge on the wire: directory-based edge blocking for an
// unknown address of an Authoritative domain, relay denied for a domain no
// tenant accepts, a known mailbox delivered.
func TestExchangeOnlineEdgeOverLoopback(t *testing.T) {
	w, srv := world(t)
	taro := exoTenant(t, w, srv)
	addr := listen(t, srv, smtpserve.HostConfig{Host: "uni-example.mail.protection.outlook.com"})
	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("sender.test"))
	require.NoError(t, c.Mail("x@gmail.example", nil))
	code, ec := smtpCode(t, c.Rcpt("ghost@uni.example", nil))
	assert.Equal(t, 550, code)
	assert.Equal(t, smtp.EnhancedCode{5, 4, 1}, ec, "edge blocking")
	code, ec = smtpCode(t, c.Rcpt("y@gmail.example", nil))
	assert.Equal(t, 550, code)
	assert.Equal(t, smtp.EnhancedCode{5, 4, 1}, ec, "relay access denied")
	require.NoError(t, c.Rcpt(string(taro), nil))
	wc, err := c.Data()
	require.NoError(t, err)
	_, err = wc.Write([]byte(message("x@gmail.example", string(taro), "edge@test", "hello")))
	require.NoError(t, err)
	require.NoError(t, wc.Close())
	require.NoError(t, c.Quit())
	var got []mailflow.Mailbox
	srv.Do(func() {
		require.NoError(t, w.Scheduler().RunFor(time.Hour))
		for _, e := range w.Ledger().Events() {
			if e.Kind == mailflow.EvDeliver {
				got = append(got, e.Mailbox)
			}
		}
	})
	assert.Equal(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", taro)}, got)
}

// A client submitting to Exchange Online on 587 with AUTH PLAIN: the session
// becomes the user's submission inside the tenant.
func TestSubmissionToExchangeOnlineWithAuth(t *testing.T) {
	w, srv := world(t)
	taro := exoTenant(t, w, srv)
	const org = "uni.example"
	addr := listen(t, srv, smtpserve.HostConfig{Host: "smtp.office365.com", Port: 587,
		Users: map[string]string{string(taro): "pw", "ghost@" + org: "pw"}, RequireAuth: true})

	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("laptop.test"))
	code, _ := smtpCode(t, c.Auth(sasl.NewPlainClient("", "ghost@"+org, "pw")))
	assert.Equal(t, 535, code, "a password is not enough: the user must be a mailbox of a tenant")
	require.NoError(t, c.Auth(sasl.NewPlainClient("", string(taro), "pw")))
	code, ec := smtpCode(t, c.Mail("boss@"+org, nil))
	assert.Equal(t, 550, code)
	assert.Equal(t, smtp.EnhancedCode{5, 7, 60}, ec, "no SendAs on someone else's address")
	require.NoError(t, c.Mail(string(taro), nil))
	require.NoError(t, c.Rcpt(string(carol), nil))
	wc, err := c.Data()
	require.NoError(t, err)
	_, err = wc.Write([]byte(message(string(taro), string(carol), "sub@test", "from Outlook")))
	require.NoError(t, err)
	require.NoError(t, wc.Close())
	rep := check(srv, w)
	assert.Equal(t, 1, rep.Delivered, rep.String())
}

// Many clients at once, more than the connection limit: every refused
// connection gets 421 and tries again, every message lands exactly once, and
// the world (single-threaded) sees one command at a time.
func TestConcurrentClientsUnderTheConnectionLimit(t *testing.T) {
	w, srv := world(t)
	addr := listen(t, srv, smtpserve.HostConfig{Host: legacyHost, MaxConnections: 3})
	const clients, each = 8, 10
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		go func() {
			for j := 0; j < each; j++ {
				body := message("x@outside.example", string(alice), fmt.Sprintf("c%d-%d@test", i, j), "load")
				for {
					err := send(addr, "x@outside.example", []string{string(alice)}, body)
					var se *smtp.SMTPError
					if errors.As(err, &se) && se.Code == 421 || err != nil && strings.Contains(err.Error(), "421") {
						continue // the server was full: try again
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < clients; i++ {
		require.NoError(t, <-errs)
	}
	rep := check(srv, w)
	assert.Equal(t, clients*each, rep.Sent)
	assert.Equal(t, clients*each, rep.Delivered, rep.String())
	assert.Zero(t, rep.Duplicated)
}
