// Package smtpserve serves the hosts of a mail-flow world (fake/mailflow) over
// real SMTP on loopback with github.com/emersion/go-smtp, for labs and for
// tests that speak SMTP on the wire: AUTH PLAIN, size and recipient limits,
// and 421 when a host's connection limit is reached. Each SMTP command becomes
// the same in-process Session call the simulator uses, so the wire sees the
// model's replies and faults, and everything lands in the world's ledger.
//
// The world is single-threaded: every SMTP session and every use of the world
// by the caller (running its scheduler, reading its ledger) goes through the
// Server's lock, with Do.
package smtpserve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// HostConfig says how one host of the world is served.
type HostConfig struct {
	// Host is the world's host name (e.g. "mx.depta.example.ac.jp").
	Host string
	// Addr is the listen address; default "127.0.0.1:0". Only loopback
	// addresses are accepted.
	Addr string
	// Port is the port the world believes the client connected to
	// (mailflow.ClientInfo.Port): 587 for the device relay; default 25.
	Port int
	// MaxRecipients per transaction (0: 100); more get 452 4.5.3.
	MaxRecipients int
	// MaxMessageBytes of DATA (0: 10 MiB); more get 552 5.3.4.
	MaxMessageBytes int64
	// MaxConnections open at once (0: no limit); one more gets 421 and is
	// closed.
	MaxConnections int
	// Users are the AUTH PLAIN credentials (user → password); nil offers
	// no AUTH.
	Users map[string]string
	// RequireAuth refuses MAIL before a successful AUTH (530 5.7.0).
	RequireAuth bool
	// IdleTimeout bounds how long the server waits for a client's next
	// command line (and for each write to it): a client that stays silent
	// longer gets 421 4.4.2 and is closed, freeing its connection slot.
	// 0: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxLineLength of a command or message line in bytes (0:
	// DefaultMaxLineLength); a longer line gets 500 5.4.0 and the
	// connection is closed.
	MaxLineLength int
}

// Defaults for zero HostConfig fields.
const (
	DefaultMaxRecipients   = 100
	DefaultMaxMessageBytes = 10 << 20
	// DefaultIdleTimeout bounds each read and write on a connection (a
	// real-network deadline, not simulated time).
	DefaultIdleTimeout = 30 * time.Second
	// DefaultMaxLineLength is twice RFC 5321's 1000-octet line limit, as
	// go-smtp does.
	DefaultMaxLineLength = 2000
)

// Server serves hosts of one world. Create it with New; it is safe for
// concurrent use.
type Server struct {
	w *mailflow.World

	mu       sync.Mutex // serialises every use of the world
	servers  []*smtp.Server
	closed   bool
	hooks    Hooks
	nextConn uint64 // under mu

	dataBufs sync.Pool // *bytes.Buffer for DATA, reused across sessions
}

// New returns a Server for w.
func New(w *mailflow.World) *Server { return &Server{w: w} }

// maxPooledData is the largest DATA buffer kept for reuse: a rare large
// message does not pin its memory.
const maxPooledData = 256 << 10

// dataBuf returns an empty buffer for a message.
func (s *Server) dataBuf() *bytes.Buffer {
	if b, ok := s.dataBufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

// putDataBuf hands a message's buffer back once the world is done with it.
func (s *Server) putDataBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooledData {
		return
	}
	b.Reset()
	s.dataBufs.Put(b)
}

// Do runs fn with the world to itself: no SMTP command is handled meanwhile.
// Run the world's scheduler and read its ledger inside Do.
func (s *Server) Do(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

// Listen starts serving one host and returns the address it listens on.
func (s *Server) Listen(cfg HostConfig) (string, error) {
	if cfg.Host == "" {
		return "", &mailops.ValidationError{Field: "HostConfig.Host", Reason: "required"}
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "", &mailops.ValidationError{Field: "HostConfig.Addr", Value: cfg.Addr, Reason: err.Error()}
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return "", &mailops.ValidationError{Field: "HostConfig.Addr", Value: cfg.Addr, Reason: "only loopback addresses are served"}
	}
	if cfg.Port == 0 {
		cfg.Port = 25
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = DefaultMaxLineLength
	}
	inner, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("smtpserve: listen for %s: %w", cfg.Host, err)
	}
	l := &listener{Listener: inner, srv: s, cfg: cfg}
	srv := smtp.NewServer(&backend{srv: s, cfg: cfg})
	srv.Domain = cfg.Host
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.AllowInsecureAuth = true // loopback only, no TLS
	srv.MaxLineLength = cfg.MaxLineLength
	srv.ReadTimeout, srv.WriteTimeout = cfg.IdleTimeout, cfg.IdleTimeout
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		inner.Close()
		return "", errors.New("smtpserve: server closed")
	}
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
	return inner.Addr().String(), nil
}

// Close stops every listener and closes every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	srvs := s.servers
	s.servers = nil
	s.mu.Unlock()
	var errs []error
	for _, srv := range srvs {
		if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// listener admits connections up to the connection limit (421). It does
// no more than that, as a bare go-smtp server's accept loop does nothing:
// the world's connect stage runs in the connection's own goroutine (see
// conn.start), so no connection waits behind the world's lock to be accepted.
type listener struct {
	net.Listener
	srv *Server
	cfg HostConfig

	mu   sync.Mutex
	open int
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		full := l.cfg.MaxConnections > 0 && l.open >= l.cfg.MaxConnections
		if !full {
			l.open++
		}
		l.mu.Unlock()
		if full {
			refuse(c, mailflow.Reply{Code: 421, Enhanced: "4.7.0", Text: l.cfg.Host + " too many connections, try again later"})
			continue
		}
		return &conn{Conn: c, l: l}, nil
	}
}

func (l *listener) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
}

// refuse greets with an error reply and closes the connection. The line
// fits the socket's send buffer of a fresh connection: the write does not
// block.
func refuse(c net.Conn, r mailflow.Reply) {
	writeRefusal(c, r)
	_ = c.Close()
}

func writeRefusal(c net.Conn, r mailflow.Reply) {
	_, _ = fmt.Fprintf(c, "%d %s %s\r\n", r.Code, r.Enhanced, r.Text)
}

// conn carries the world's session for the connection, and the go-smtp
// session that drives it (one allocation for both).
type conn struct {
	net.Conn
	l *listener

	// Under the Server's lock: the world's session once open, the
	// connection's number (Command.Conn), and whether Close has run.
	sess   *mailflow.Session
	id     uint64
	closed bool

	// Only go-smtp's goroutine for the connection uses these.
	started  bool    // the world's connect stage has run (first Read or Write)
	refused  bool    // ... and refused the connection
	timedOut error   // sticky read timeout
	smtp     session // what backend.NewSession hands go-smtp

	once sync.Once
}

// start runs the world's connect stage at the connection's first read or
// write (go-smtp's first is its greeting): the world opens a session, or
// answers in place of the greeting with its refusal and the connection is
// closed. It reports whether the connection is open.
func (c *conn) start() bool {
	if c.started {
		return !c.refused
	}
	c.started = true
	s, cfg := c.l.srv, c.l.cfg
	var peer netip.Addr
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		peer = ta.AddrPort().Addr().Unmap()
	}
	open := Command{Op: CmdOpen, Host: cfg.Host, Client: peer, Port: cfg.Port,
		MaxRecipients: cfg.MaxRecipients, MaxMessageBytes: int(cfg.MaxMessageBytes)}
	s.mu.Lock()
	var r mailflow.Reply
	if c.closed {
		// Closed (the Server is closing) before it was opened: there is
		// nothing to open, and nothing reaches the world.
		r = mailflow.ReplyUnavailable
	} else {
		r = s.applyLocked(&open, func() mailflow.Reply {
			s.nextConn++ // numbered under the lock, in the order recorded
			open.Conn = s.nextConn
			sess, r := s.w.Open(open.Host, mailflow.ClientInfo{Addr: open.Client, Port: open.Port},
				mailflow.SessionLimits{MaxRecipients: open.MaxRecipients, MaxMessageBytes: open.MaxMessageBytes})
			c.sess, c.id = sess, open.Conn
			return r
		})
	}
	s.mu.Unlock()
	if !r.Positive() {
		c.refused = true
		writeRefusal(c.Conn, r)
		_ = c.Close()
		return false
	}
	// go-smtp set the greeting's write deadline before the world was
	// free to open the session: a world busy for longer than the idle
	// timeout must not cost the client its greeting. The greeting fits
	// the send buffer of a fresh connection (its write does not block);
	// every later reply gets a fresh deadline from go-smtp.
	_ = c.Conn.SetWriteDeadline(time.Time{})
	return true
}

// Read makes a read timeout final. Go's bufio hands a partial line that was
// cut short by the deadline to go-smtp as if it were whole and drops the
// error, and go-smtp then sets a fresh deadline for the next line: without
// this a client trickling a byte at a time (slowloris) would hold its
// connection for many idle timeouts. With it, the next read fails at once
// and go-smtp answers 421 4.4.2 and closes.
func (c *conn) Read(b []byte) (int, error) {
	if !c.start() {
		return 0, net.ErrClosed
	}
	if c.timedOut != nil {
		return 0, c.timedOut
	}
	n, err := c.Conn.Read(b)
	if err != nil && isTimeout(err) {
		c.timedOut = err
	}
	return n, err
}

// Write writes go-smtp's replies; the first (its greeting) only once the
// world has opened the session.
func (c *conn) Write(b []byte) (int, error) {
	if !c.start() {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Close releases the connection's slot before closing the socket: a client
// that sees the close may connect again at once and must find the slot free.
func (c *conn) Close() error {
	c.once.Do(func() {
		s := c.l.srv
		s.mu.Lock()
		c.closed = true
		if c.sess != nil {
			s.applyLocked(&Command{Conn: c.id, Op: CmdClose}, func() mailflow.Reply { c.sess.Close(); return mailflow.OK })
		}
		s.mu.Unlock()
		c.l.release()
	})
	return c.Conn.Close()
}
