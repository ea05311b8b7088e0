package smtpserve

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

// Command ops, in the order a connection uses them.
const (
	CmdOpen  = "open"
	CmdAuth  = "auth"
	CmdMail  = "mail"
	CmdRcpt  = "rcpt"
	CmdData  = "data"
	CmdReset = "reset"
	CmdClose = "close"
)

// Command is one SMTP command as the world saw it: what a recording (the
// lab's control log) keeps so that a Player applies the same calls to a
// world built from the same seed. It holds no password: AUTH is recorded as
// the user the session authenticated as.
type Command struct {
	// Conn numbers the connection on its Server, from 1.
	Conn uint64 `json:"conn"`
	// Op is one of the Cmd constants.
	Op string `json:"op"`
	// Host, Client, Port and the limits open the session (CmdOpen).
	Host            string     `json:"host,omitempty"`
	Client          netip.Addr `json:"client,omitzero"`
	Port            int        `json:"port,omitempty"`
	MaxRecipients   int        `json:"maxRecipients,omitempty"`
	MaxMessageBytes int        `json:"maxMessageBytes,omitempty"`
	// Arg is the user (CmdAuth), the sender (CmdMail) or the recipient
	// (CmdRcpt).
	Arg string `json:"arg,omitempty"`
	// Data is the message (CmdData).
	Data []byte `json:"data,omitempty"`
}

// Hooks let a caller record the world's SMTP traffic. Both run under the
// Server's lock (see Do), around each command that reaches the world.
type Hooks struct {
	// Before runs before the command is applied: the lab brings the
	// world up to the current virtual instant, as its replay will.
	Before func()
	// Record sees the command once applied, with the world's reply. It
	// may keep the Command: its Data is a copy of its own.
	Record func(Command, mailflow.Reply)
}

// SetHooks installs the recording hooks; call it before Listen.
func (s *Server) SetHooks(h Hooks) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = h
}

// apply runs one command on the world under the lock, between the hooks.
// fn may fill in c (an open's connection number) before Record sees it.
func (s *Server) apply(c *Command, fn func() mailflow.Reply) mailflow.Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyLocked(c, fn)
}

// applyLocked is apply with the lock already held.
func (s *Server) applyLocked(c *Command, fn func() mailflow.Reply) mailflow.Reply {
	if s.hooks.Before != nil {
		s.hooks.Before()
	}
	r := fn()
	if s.hooks.Record != nil {
		s.record(c, r)
	}
	return r
}

// record hands the Record hook a copy of c that it may keep.
func (s *Server) record(c *Command, r mailflow.Reply) {
	rc := *c
	if rc.Data != nil {
		rc.Data = bytes.Clone(rc.Data) // the server reuses its DATA buffers
	}
	s.hooks.Record(rc, r)
}

// Player applies recorded Commands to a world, keeping each connection's
// session, as the Server did when they were recorded. Like the world, it is
// not safe for concurrent use.
type Player struct {
	w        *mailflow.World
	sessions map[uint64]*mailflow.Session
}

// NewPlayer returns a Player for w.
func NewPlayer(w *mailflow.World) *Player {
	return &Player{w: w, sessions: map[uint64]*mailflow.Session{}}
}

// Apply applies c and returns the world's reply. A command for a
// connection the recording never opened (or whose open was refused) is an
// error: the recording does not belong to this world.
func (p *Player) Apply(c Command) (mailflow.Reply, error) {
	if c.Op == CmdOpen {
		sess, r := p.w.Open(c.Host, mailflow.ClientInfo{Addr: c.Client, Port: c.Port},
			mailflow.SessionLimits{MaxRecipients: c.MaxRecipients, MaxMessageBytes: c.MaxMessageBytes})
		if sess != nil {
			p.sessions[c.Conn] = sess
		}
		return r, nil
	}
	sess, ok := p.sessions[c.Conn]
	if !ok {
		return mailflow.Reply{}, fmt.Errorf("smtpserve: replay: %s on connection %d, which has no session", c.Op, c.Conn)
	}
	switch c.Op {
	case CmdAuth:
		return sess.Authenticate(c.Arg), nil
	case CmdMail:
		return sess.Mail(c.Arg), nil
	case CmdRcpt:
		return sess.Rcpt(c.Arg), nil
	case CmdData:
		return sess.Data(c.Data), nil
	case CmdReset:
		sess.Reset()
		return mailflow.OK, nil
	case CmdClose:
		sess.Close()
		delete(p.sessions, c.Conn)
		return mailflow.OK, nil
	}
	return mailflow.Reply{}, fmt.Errorf("smtpserve: replay: unknown command %q", c.Op)
}
