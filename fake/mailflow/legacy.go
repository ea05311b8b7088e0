package mailflow

import (
	"sync"

	"github.com/mailops-dev/mailops/mailops"
)

// Legacy is the organisation's old mail server: local mailboxes, aliases that
// expand to several addresses, forwarding with or without a kept copy. It
// relays only for its own domains (never an open relay) and sends everything
// else by MX through its own resolver.
type Legacy struct {
	w       *World
	host    string
	domains map[string]bool
	out     *outbound

	mu sync.Mutex
	// addrs are the server's local addresses, each with what it is (one
	// lookup a message).
	addrs   map[mailops.Address]*legacyAddr
	stopped bool
}

// legacyAddr is one local address: a mailbox (perhaps forwarded), an alias,
// or both.
type legacyAddr struct {
	mailbox bool
	alias   []mailops.Address // nil: not an alias
	fwd     *legacyForward
}

type legacyForward struct {
	to   mailops.Address
	keep bool
}

// addr returns a's entry, made on first use. The caller holds l.mu.
func (l *Legacy) addr(a mailops.Address) *legacyAddr {
	x := l.addrs[a]
	if x == nil {
		x = &legacyAddr{}
		l.addrs[a] = x
	}
	return x
}

// known reports whether a is a mailbox or an alias. The caller holds l.mu.
func (l *Legacy) known(a mailops.Address) bool {
	x := l.addrs[a]
	return x != nil && (x.mailbox || x.alias != nil)
}

// Name returns the host name.
func (l *Legacy) Name() string { return l.host }

// AddMailbox creates a mailbox.
func (l *Legacy) AddMailbox(a mailops.Address) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addr(a).mailbox = true
}

// SetAlias makes a expand to targets (local or remote addresses).
func (l *Legacy) SetAlias(a mailops.Address, targets ...mailops.Address) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addr(a).alias = append([]mailops.Address(nil), targets...) // none: not an alias
}

// SetForward forwards a mailbox's mail to another address, keeping a copy or
// not; an empty to removes forwarding.
func (l *Legacy) SetForward(a, to mailops.Address, keepCopy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if to == "" {
		if x := l.addrs[a]; x != nil {
			x.fwd = nil
		}
		return
	}
	l.addr(a).fwd = &legacyForward{to, keepCopy}
}

// Stop stops the server: connections are refused from now on.
func (l *Legacy) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}

// Running reports whether the server still accepts connections.
func (l *Legacy) Running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.stopped
}

func (l *Legacy) receive(env *envelope) Reply {
	l.mu.Lock()
	stopped := l.stopped
	local := l.domains[env.rcpt.Domain()]
	ok := l.known(env.rcpt)
	l.mu.Unlock()
	switch {
	case stopped:
		return ReplyUnavailable
	case !local:
		return ReplyUnableToRelay
	case !ok:
		return ReplyUnknownUser
	}
	env.hops++
	env.schedule(l.w, 0, "legacy local", pending{step: stepLegacyLocal, target: l})
	return OK
}

// local delivers to a local address, expanding aliases and forwarding.
func (l *Legacy) local(env *envelope, depth int) {
	w := l.w
	if depth > 10 || env.hops > 30 {
		w.loop(env, l.host)
		return
	}
	l.mu.Lock()
	var x legacyAddr
	if p := l.addrs[env.rcpt]; p != nil {
		x = *p
	}
	l.mu.Unlock()
	targets, isBox := x.alias, x.mailbox
	var fwd legacyForward
	hasFwd := x.fwd != nil
	if hasFwd {
		fwd = *x.fwd
	}
	switch {
	case targets != nil:
		for _, t := range targets {
			c := env.child(l.w, t, w.hopName("alias", string(env.rcpt)))
			l.route(c, depth+1)
			w.done(c)
		}
	case isBox:
		if !hasFwd || fwd.keep {
			w.deliver(env, w.mailbox("legacy", "", env.rcpt))
		}
		if hasFwd {
			c := env.child(l.w, fwd.to, w.hopName("forward", string(env.rcpt)))
			c.hops++
			l.route(c, depth+1)
			w.done(c)
		}
	default:
		w.bounce(env, l.host, ReplyUnknownUser)
	}
}

func (l *Legacy) route(env *envelope, depth int) {
	l.mu.Lock()
	local := l.domains[env.rcpt.Domain()]
	l.mu.Unlock()
	if local {
		l.local(env, depth)
		return
	}
	l.out.send(env, l.out.mxRoute(env.rcpt.Domain()), 0)
}

// internet is every ordinary receiving server on the internet: it accepts
// any recipient of the domains it serves into their mailboxes.
type internet struct {
	w       *World
	host    string
	domains map[string]bool
}

func (h *internet) Name() string { return h.host }

func (h *internet) receive(env *envelope) Reply {
	if !h.domains[env.rcpt.Domain()] {
		return ReplyUnableToRelay
	}
	// Delivered once the transaction has ended, like every host's local
	// delivery.
	env.schedule(h.w, 0, "internet local", pending{step: stepInternetLocal, target: h})
	return OK
}
