package mailflow

import (
	"net/netip"
	"strconv"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// ClientInfo describes the client that opens an SMTP session.
type ClientInfo struct {
	// Addr is the client's address; the device relay accepts only its
	// allowed networks.
	Addr netip.Addr
	// Port is the port the client connected to: the device relay accepts
	// only submission (587).
	Port int
}

// SubmissionPort is the port the device relay listens on.
const SubmissionPort = 587

// SessionLimits bound one SMTP session.
type SessionLimits struct {
	// MaxRecipients per transaction (0: no limit); more get 452 4.5.3.
	MaxRecipients int
	// MaxMessageBytes of DATA (0: no limit); more get 552 5.3.4.
	MaxMessageBytes int
}

// Replies of the SMTP session layer.
var (
	ReplyNoHost       = Reply{421, "4.4.1", "No such host"}
	ReplyBadSequence  = Reply{503, "5.5.1", "Bad sequence of commands"}
	ReplyBadAddress   = Reply{501, "5.1.3", "Bad address syntax"}
	ReplyNoRecipients = Reply{554, "5.5.1", "No valid recipients"}
	ReplyEightBit     = Reply{554, "5.6.7", "Non-ASCII header requires SMTPUTF8"}
	ReplyBadMessage   = Reply{554, "5.6.0", "Malformed message"}
	ReplyNotSubmit    = Reply{554, "5.7.1", "Relay accepts only submission on port 587"}
	ReplyReplyLost    = Reply{451, "4.4.2", "Connection dropped after DATA (reply lost)"}
	ReplyAuthFailed   = Reply{535, "5.7.139", "Authentication unsuccessful, the user is not a mailbox of any tenant"}
	ReplySendAsDenied = Reply{550, "5.7.60", "SMTP; Client does not have permissions to send as this sender"}
)

// Session is one in-process SMTP session with a host of the world, with the
// stages of SMTP on the wire: connect (Open), MAIL, RCPT, DATA. Each stage can
// be hit by a targeted fault (InjectSMTPFault). A recipient is checked at
// RCPT (an unknown user gets its 5xx there, as on the wire); DATA hands the
// message to the host for every accepted recipient and records the
// submission in the ledger. A Session is what the loopback server
// (fake/smtpserve) drives; tests and benchmarks may drive it directly.
//
// A Session is not safe for concurrent use, and, like everything in the
// world, must be used while the scheduler's loop is not running (or from an
// event).
type Session struct {
	w      *World
	h      Host
	ci     ClientInfo
	lim    SessionLimits
	from   mailops.Address
	mailOK bool
	rcpts  []mailops.Address
	closed bool
	lost   bool // the last DATA was taken but its reply lost
	// user and tenant are set by Authenticate on Exchange Online: the
	// session is a client submission by that user.
	user   mailops.Address
	tenant *fake.Tenant
	// fromHop names the client in the hops it makes ("smtp:" and its
	// address); made once, by client.
	fromHop string
}

// Open connects to a host of the world. A non-positive reply (no such host,
// a host that is stopped, a connect fault) means no session; the Session is
// nil then.
func (w *World) Open(host string, ci ClientInfo, lim SessionLimits) (*Session, Reply) {
	h := w.hostByName(host)
	if h == nil {
		return nil, ReplyNoHost
	}
	if r := w.faults.apply(h.Name(), StageConnect, ""); r.Code != 0 {
		return nil, r
	}
	if l, ok := h.(*Legacy); ok && !l.Running() {
		return nil, ReplyUnavailable
	}
	return &Session{w: w, h: h, ci: ci, lim: lim}, Reply{220, "2.0.0", w.greeting(h.Name())}
}

// greeting is a host's 220 text, made once per host.
func (w *World) greeting(host string) string {
	g, ok := w.greetings[host]
	if !ok {
		g = host + " ESMTP ready"
		if w.greetings == nil {
			w.greetings = map[string]string{}
		}
		w.greetings[host] = g
	}
	return g
}

// clientHop names a client address in the hops its sessions make
// ("smtp:" and the address), made once per address.
func (w *World) clientHop(a netip.Addr) string {
	h, ok := w.clientHops[a]
	if !ok {
		h = "smtp:" + a.String()
		if w.clientHops == nil {
			w.clientHops = map[netip.Addr]string{}
		}
		w.clientHops[a] = h
	}
	return h
}

// Host returns the name of the host the session is connected to.
func (s *Session) Host() string { return s.h.Name() }

// Authenticate records that the client authenticated (SMTP AUTH, the password
// already checked) as user. On Exchange Online this makes the session a
// client submission, as from Outlook or an application on port 587: the user
// must be a mailbox in the propagated view of the tenant that holds its
// domain, MAIL FROM must be one of the user's addresses or a group that grants
// the user SendAs (else 5.7.60), any recipient is accepted, and DATA submits
// the message inside the tenant as an authenticated (internal) sender. On
// other hosts authentication changes nothing.
func (s *Session) Authenticate(user string) Reply {
	if s.closed || s.mailOK {
		return ReplyBadSequence
	}
	x, ok := s.h.(*exo)
	if !ok {
		return Reply{235, "2.7.0", "Authentication successful"}
	}
	a, err := s.w.parseAddress(user)
	if err != nil {
		return ReplyAuthFailed
	}
	t, _, ok := x.tenantFor(a.Domain())
	if !ok {
		return ReplyAuthFailed
	}
	r, ok := s.w.view(t).Recipient(a)
	if !ok || r.Kind != mailops.Mailbox {
		return ReplyAuthFailed
	}
	s.user, s.tenant = r.Address, t
	return Reply{235, "2.7.0", "Authentication successful"}
}

// mayUseSender reports whether the authenticated user may send as from.
func (s *Session) mayUseSender(from mailops.Address) bool {
	v := s.w.view(s.tenant)
	if r, ok := v.Recipient(from); ok && r.Address == s.user {
		return true
	}
	if g, ok := v.Group(from); ok {
		for _, t := range g.SendAs {
			if t == s.user {
				return true
			}
		}
	}
	return false
}

// Mail starts a transaction with the envelope sender ("" is the null sender
// of bounces, accepted).
func (s *Session) Mail(from string) Reply {
	if s.closed {
		return ReplyBadSequence
	}
	if s.mailOK {
		return ReplyBadSequence
	}
	var a mailops.Address
	if from != "" {
		p, err := s.w.parseAddress(from)
		if err != nil {
			return ReplyBadAddress
		}
		a = p
	}
	if r := s.w.faults.apply(s.h.Name(), StageMail, a); r.Code != 0 {
		return r
	}
	if s.tenant != nil && !s.mayUseSender(a) {
		return ReplySendAsDenied
	}
	s.from, s.mailOK = a, true
	return OK
}

// Rcpt adds a recipient; the host checks it now.
func (s *Session) Rcpt(to string) Reply {
	if s.closed || !s.mailOK {
		return ReplyBadSequence
	}
	a, err := s.w.parseAddress(to)
	if err != nil {
		return ReplyBadAddress
	}
	if s.lim.MaxRecipients > 0 && len(s.rcpts) >= s.lim.MaxRecipients {
		return ReplyTooManyRcpts
	}
	if r := s.w.faults.apply(s.h.Name(), StageRcpt, a); r.Code != 0 {
		return r
	}
	if r := s.checkRcpt(a); !r.Positive() {
		return r
	}
	s.rcpts = append(s.rcpts, a)
	return OK
}

// parseAddress is mailops.ParseAddress, remembered for the addresses the
// world's own senders and SMTP clients use again and again (the device
// relay's account, a client's envelope sender and recipients).
func (w *World) parseAddress(s string) (mailops.Address, error) {
	if p, ok := w.parsed[s]; ok {
		return p.a, p.err
	}
	a, err := mailops.ParseAddress(s)
	if len(w.parsed) < 4096 {
		if w.parsed == nil {
			w.parsed = map[string]parsedAddress{}
		}
		w.parsed[s] = parsedAddress{a, err}
	}
	return a, err
}

type parsedAddress struct {
	a   mailops.Address
	err error
}

// checkRcpt is what each kind of host says at RCPT.
func (s *Session) checkRcpt(a mailops.Address) Reply {
	env := &envelope{rcpt: a, hdr: &copyHeader{from: s.from, client: s.ci.Addr}}
	if s.tenant != nil {
		return OK // a submission may go anywhere
	}
	switch h := s.h.(type) {
	case *Legacy:
		h.mu.Lock()
		defer h.mu.Unlock()
		switch {
		case h.stopped:
			return ReplyUnavailable
		case !h.domains[a.Domain()]:
			return ReplyUnableToRelay
		case !h.known(a):
			return ReplyUnknownUser
		}
	case *exo:
		t, dom, ok := h.tenantFor(a.Domain())
		if !ok {
			if _, ok := h.attribute(env); ok {
				return OK
			}
			return h.relayRefusal(env)
		}
		if r := partnerRestriction(h.w.view(t), env); r.Code != 0 {
			return r
		}
		if dom.Type == mailops.Authoritative && !known(h.w.view(t), a) {
			return ReplyDBEB
		}
	case *internet:
		if !h.domains[a.Domain()] {
			return ReplyUnableToRelay
		}
	case *relay, *authRelay:
		if s.ci.Port != SubmissionPort {
			return ReplyNotSubmit
		}
		if !h.(interface{ allows(netip.Addr) bool }).allows(env.hdr.client) {
			return relayDenied(env.hdr.client)
		}
	case *ListServer:
		return h.check(env)
	}
	return OK
}

// Data sends the message (headers and body, CRLF or LF line ends) to every
// accepted recipient. The From header's display name is what recipients see
// unless Exchange Online rewrites it; a Message-ID seen before in the world
// names the same message (a retry after a lost reply is a duplicate, not a
// new message). The transaction ends whatever the reply.
func (s *Session) Data(body []byte) Reply {
	if s.closed || !s.mailOK {
		return ReplyBadSequence
	}
	defer s.Reset()
	s.lost = false
	if len(s.rcpts) == 0 {
		return ReplyNoRecipients
	}
	if s.lim.MaxMessageBytes > 0 && len(body) > s.lim.MaxMessageBytes {
		return ReplyTooBig
	}
	for _, a := range s.rcpts {
		if r := s.w.faults.apply(s.h.Name(), StageData, a); r.Code != 0 {
			return r
		}
	}
	hdr, r := parseHeader(body)
	if !r.Positive() {
		return r
	}
	m := s.w.smtpMessage(hdr, s.from, s.rcpts, len(body))
	for _, a := range s.rcpts {
		env := newEnvelope(s.w, m, a, s.from, m.FromName, s.ci.Addr)
		if s.tenant != nil {
			s.w.exo.submit(s.tenant, env)
			s.w.freeEnv(env)
			continue
		}
		e := env.via(s.w, s.h.Name())
		if rr := s.h.receive(e); !rr.Positive() {
			// Accepted at RCPT, refused now: the host owns the message
			// and bounces it.
			s.w.bounce(e, s.h.Name(), rr)
		} else {
			s.w.hop(env, s.client(), s.h.Name())
		}
		s.w.done(e) // unless the host scheduled it (envpool.go)
		s.w.freeEnv(env)
	}
	for _, a := range s.rcpts {
		if lost := s.w.faults.apply(s.h.Name(), StageDataReply, a); lost.Code != 0 {
			s.lost = true
			return lost
		}
	}
	return Reply{250, "2.0.0", "OK queued as " + strconv.Itoa(m.ID)}
}

// client names the SMTP client as the sender of a hop.
func (s *Session) client() string {
	if s.fromHop == "" {
		s.fromHop = s.w.clientHop(s.ci.Addr)
	}
	return s.fromHop
}

// ReplyLost reports whether the host took the message of the last Data but
// its reply was lost (a StageDataReply fault): a client sees the connection
// drop and will send again.
func (s *Session) ReplyLost() bool { return s.lost }

// Reset aborts the transaction (RSET).
func (s *Session) Reset() {
	s.from, s.mailOK, s.rcpts = "", false, nil
}

// Close ends the session (QUIT).
func (s *Session) Close() { s.closed = true }

// smtpMessage returns the message a DATA carries: the one with the same
// Message-ID if the world has seen it (a retry), else a new submission.
func (w *World) smtpMessage(h header, from mailops.Address, rcpts []mailops.Address, size int) *Message {
	if h.messageID != "" {
		if m, ok := w.msgIDs[h.messageID]; ok {
			return m
		}
	}
	m := w.newMessage("smtp", from, h.fromName, rcpts)
	m.Size = size
	if h.messageID != "" {
		if w.msgIDs == nil {
			w.msgIDs = map[string]*Message{}
		}
		w.msgIDs[h.messageID] = m
		if w.ledger.bounded {
			w.msgIDOrder = append(w.msgIDOrder, h.messageID)
		}
	}
	return m
}

// allows reports whether a client may use the relay without authentication.
func (r *relay) allows(a netip.Addr) bool { return inNetworks(r.allowed, a) }

func inNetworks(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func relayDenied(a netip.Addr) Reply {
	return Reply{554, "5.7.1", "Relay access denied: " + a.String() + " is not an allowed network"}
}

// hop records, in a ledger that keeps every event, that a host took a copy
// over SMTP from a sender.
func (w *World) hop(env *envelope, from, to string) {
	if !w.cfg.KeepEvents {
		return
	}
	w.ledger.record(Event{At: w.s.Now(), Kind: EvHop, Msg: env.msg.ID, Orig: env.hdr.orig, Host: to, Detail: "from " + from,
		hops: env.path().push(to)})
}
