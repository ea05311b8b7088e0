package mailflow

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// ListServer is a mailing-list server: each list address expands to its
// members, and the copies go on by MX through the server's own resolver (or
// all to one smart host), with the list's bounce address as envelope sender.
// With onlyFromEXO it accepts only mail that Exchange Online relays to it
// (DESIGN.md section 8: lists live on their own domain behind connectors that
// accept only EXO), and refuses every other sender with 5.7.1.
type ListServer struct {
	w           *World
	host        string
	onlyFromEXO bool
	out         *outbound
	// smartHost, when set, receives all the server's outgoing mail.
	smartHost string

	mu      sync.Mutex
	domains map[string]bool
	lists   map[mailops.Address][]mailops.Address
}

// Replies of the list server.
var (
	ReplyNoSuchList  = Reply{550, "5.1.1", "No such list"}
	ReplyListOnlyEXO = Reply{550, "5.7.1", "This list server accepts mail only from Exchange Online"}
)

// AddListServer adds a mailing-list server for domains and points their MX
// at it with the given TTL.
func (w *World) AddListServer(host string, ttl time.Duration, onlyFromEXO bool, domains ...string) *ListServer {
	l := &ListServer{w: w, host: host, onlyFromEXO: onlyFromEXO, domains: map[string]bool{}, lists: map[mailops.Address][]mailops.Address{}}
	l.out = &outbound{w: w, from: host, resolver: w.Resolver(host)}
	for _, d := range domains {
		l.domains[d] = true
		w.dns.SetMX(d, ttl, MX{Host: host, Pref: 10})
	}
	w.hosts[host] = l
	return l
}

// AddListServerBehindEXO adds a list server for domains whose MX is
// Exchange Online: it accepts mail only from Exchange Online (an outbound
// connector sends it the domains by smart host), and sends all its outgoing
// mail, from its address addr, to Exchange Online through smartHost (an MX
// host the service handed out), where an OnPremises inbound connector for
// addr must accept it. It publishes no MX.
func (w *World) AddListServerBehindEXO(host string, addr netip.Addr, smartHost string, domains ...string) *ListServer {
	l := &ListServer{w: w, host: host, onlyFromEXO: true, smartHost: smartHost, domains: map[string]bool{}, lists: map[mailops.Address][]mailops.Address{}}
	l.out = &outbound{w: w, from: host, resolver: w.Resolver(host), addr: addr}
	for _, d := range domains {
		l.domains[d] = true
	}
	w.hosts[host] = l
	return l
}

// Name returns the host name.
func (l *ListServer) Name() string { return l.host }

// SetList makes addr a list with the given members (nil members removes it).
func (l *ListServer) SetList(addr mailops.Address, members ...mailops.Address) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if members == nil {
		delete(l.lists, addr)
		return
	}
	l.lists[addr] = append([]mailops.Address(nil), members...)
}

func (l *ListServer) check(env *envelope) Reply {
	l.mu.Lock()
	local := l.domains[env.rcpt.Domain()]
	_, isList := l.lists[env.rcpt]
	l.mu.Unlock()
	switch {
	case !local:
		return ReplyUnableToRelay
	case !isList:
		return ReplyNoSuchList
	case l.onlyFromEXO && !fromEXO(env.path()):
		return ReplyListOnlyEXO
	}
	return OK
}

// fromEXO reports whether the hop before the last one in a trail (the
// sending host of the current transaction) is Exchange Online.
func fromEXO(t *trail) bool {
	if t.len() < 2 {
		return false
	}
	p := t.last(1)
	return p == "exo" || p == "relay" || strings.HasPrefix(p, "exo:") || strings.HasPrefix(p, "connector:")
}

func (l *ListServer) receive(env *envelope) Reply {
	if r := l.check(env); !r.Positive() {
		return r
	}
	env.hops++
	l.mu.Lock()
	members := append([]mailops.Address(nil), l.lists[env.rcpt]...)
	l.mu.Unlock()
	list := env.rcpt
	// The expansion keeps its own copy: the sender's copy goes back to the
	// world's pool when the transaction ends (envpool.go).
	src := new(envelope)
	*src = *env
	l.w.ledger.copyMade(src.msg)
	l.w.s.Schedule(0, "list "+string(list), func() {
		defer l.w.ledger.copyEnded(src.msg)
		for _, m := range members {
			c := src.child(l.w, m, "list:"+string(list))
			c.setFrom(mailops.Address(list.Local() + "-bounces@" + list.Domain()))
			c.hops++
			route := l.out.mxRoute(m.Domain())
			if l.smartHost != "" {
				route = fixedRoute(l.smartHost)
			}
			l.out.send(c, route, 0)
		}
	})
	return OK
}
