package legacy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// MaxDepth bounds alias expansion; Sendmail and Postfix stop loops in the
// same way (Postfix's default expansion limit is far larger, but a chain
// this deep is a loop in practice).
const MaxDepth = 20

// Server is the legacy server's configuration, as the importers read it.
type Server struct {
	// LocalDomains are delivered locally (local-host-names, mydestination):
	// their local parts go through Aliases, then .forward, then mailboxes.
	LocalDomains []string
	// VirtualDomains are Postfix virtual alias domains (addresses that
	// virtual does not map bounce).
	VirtualDomains []string
	// Users are the local mailboxes (as doveadm user '*' lists them).
	Users         []string
	Aliases       *Table
	Virtual       *Table
	Virtusertable *Table
	// Forward holds each user's .forward targets (with positions).
	Forward map[string]ForwardFile
	// Root is the copied file tree of the legacy server: :include: paths
	// resolve under it and never outside (os.Root). Nil: includes are not
	// read and become decisions.
	Root *os.Root
}

// ForwardFile is one user's parsed .forward.
type ForwardFile struct {
	Targets []Target
	Pos     []Pos
}

// Delivery is where the legacy server puts a copy: a local mailbox
// ("user", Local true) or an address it relays to.
type Delivery struct {
	Address string `json:"address" yaml:"address"`
	Local   bool   `json:"local,omitempty" yaml:"local,omitempty"`
}

// Step is one expansion on the way from an address to its deliveries.
type Step struct {
	Pos  Pos    `json:"pos" yaml:"pos"`
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// Resolution is what the legacy server does with mail to one address.
type Resolution struct {
	Address    string     `json:"address" yaml:"address"`
	Deliveries []Delivery `json:"deliveries" yaml:"deliveries"`
	// Chain lists every expansion used, for showing why.
	Chain []Step `json:"chain,omitempty" yaml:"chain,omitempty"`
	// Decisions are the targets that cannot map (pipes, files, filters,
	// errors, unknown users, includes outside the tree).
	Decisions []Decision `json:"decisions,omitempty" yaml:"decisions,omitempty"`
}

// Resolve expands addr as the legacy server delivers it: Postfix virtual
// lookup order (user@domain, then user for local domains, then the @domain
// catch-all), Sendmail virtusertable (user@domain, then @domain with %1
// substituted), aliases recursively for local domains, then .forward
// ("\user" keeps the local copy), then the local mailbox. Deliveries are
// deduplicated and sorted.
func (s *Server) Resolve(addr string) (Resolution, error) {
	r := &resolver{s: s, res: Resolution{Address: strings.ToLower(addr)}, seen: map[Delivery]bool{}}
	if err := r.address(strings.ToLower(addr), 0, nil); err != nil {
		return Resolution{}, err
	}
	slices.SortFunc(r.res.Deliveries, func(a, b Delivery) int { return strings.Compare(a.Address, b.Address) })
	return r.res, nil
}

type resolver struct {
	s    *Server
	res  Resolution
	seen map[Delivery]bool
}

func (r *resolver) deliver(d Delivery) {
	if !r.seen[d] {
		r.seen[d] = true
		r.res.Deliveries = append(r.res.Deliveries, d)
	}
}

func (r *resolver) decide(p Pos, what, reason string) {
	r.res.Decisions = append(r.res.Decisions, Decision{Pos: p, Address: r.res.Address, What: what, Reason: reason})
}

func (r *resolver) step(p Pos, from, to string) {
	r.res.Chain = append(r.res.Chain, Step{Pos: p, From: from, To: to})
}

func contains(xs []string, x string) bool { return slices.Contains(xs, x) }

// address expands a full address. path holds what is being expanded, to
// stop loops.
func (r *resolver) address(a string, depth int, path []string) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w: %s expands more than %d levels deep (via %s)", ErrLoop, r.res.Address, MaxDepth, strings.Join(path, " -> "))
	}
	if contains(path, a) {
		r.decide(Pos{}, a, "alias loop: "+strings.Join(append(path, a), " -> "))
		return nil
	}
	path = append(path, a)
	local, domain, ok := strings.Cut(a, "@")
	if !ok {
		return r.local(a, depth, path)
	}
	if e, ok := r.virtualLookup(local, domain); ok {
		return r.targets(e, a, local, depth, path)
	}
	if e, ok := r.virtusertableLookup(local, domain); ok {
		return r.targets(e, a, local, depth, path)
	}
	switch {
	case contains(r.s.LocalDomains, domain):
		return r.local(local, depth, path)
	case contains(r.s.VirtualDomains, domain):
		r.decide(Pos{}, a, "no virtual entry in a virtual alias domain: the legacy server bounces it (550 5.1.1)")
		return nil
	}
	r.deliver(Delivery{Address: a})
	return nil
}

func (r *resolver) virtualLookup(local, domain string) (Entry, bool) {
	if e, ok := r.s.Virtual.Lookup(local + "@" + domain); ok {
		return e, true
	}
	if contains(r.s.LocalDomains, domain) {
		if e, ok := r.s.Virtual.Lookup(local); ok {
			return e, true
		}
	}
	return r.s.Virtual.Lookup("@" + domain)
}

func (r *resolver) virtusertableLookup(local, domain string) (Entry, bool) {
	if e, ok := r.s.Virtusertable.Lookup(local + "@" + domain); ok {
		return e, true
	}
	e, ok := r.s.Virtusertable.Lookup("@" + domain)
	if !ok {
		return Entry{}, false
	}
	sub := Entry{Key: e.Key, Pos: e.Pos}
	for _, t := range e.Targets {
		t.Value = strings.ReplaceAll(t.Value, "%1", local)
		sub.Targets = append(sub.Targets, t)
	}
	return sub, true
}

// local expands a local name: aliases, then .forward, then the mailbox.
func (r *resolver) local(user string, depth int, path []string) error {
	if e, ok := r.s.Aliases.Lookup(user); ok {
		return r.targets(e, user, user, depth, path)
	}
	if !contains(r.s.Users, user) {
		r.decide(Pos{}, user, "no such local user or alias: the legacy server bounces it (550 5.1.1)")
		return nil
	}
	if f, ok := r.s.Forward[user]; ok && len(f.Targets) > 0 {
		for i, t := range f.Targets {
			p := f.Pos[i]
			r.step(p, user, t.String())
			if t.Kind == TargetMailbox || (t.Kind == TargetLocal && t.Value == user) {
				r.deliver(Delivery{Address: t.Value, Local: true})
				continue
			}
			if err := r.target(t, p, user, depth, path); err != nil {
				return err
			}
		}
		return nil
	}
	r.deliver(Delivery{Address: user, Local: true})
	return nil
}

func (r *resolver) targets(e Entry, from, user string, depth int, path []string) error {
	for _, t := range e.Targets {
		r.step(e.Pos, from, t.String())
		if (t.Kind == TargetLocal && t.Value == user) || t.Kind == TargetMailbox {
			// "user: user, other" and "\user": deliver to the mailbox
			// without expanding the name again.
			if contains(r.s.Users, t.Value) {
				r.deliver(Delivery{Address: t.Value, Local: true})
			} else {
				r.decide(e.Pos, t.String(), "no such local mailbox")
			}
			continue
		}
		if err := r.target(t, e.Pos, from, depth, path); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) target(t Target, p Pos, from string, depth int, path []string) error {
	switch t.Kind {
	case TargetAddress:
		return r.address(t.Value, depth+1, path)
	case TargetLocal:
		return r.address(t.Value, depth+1, path)
	case TargetPipe:
		r.decide(p, t.String(), "a pipe to a program: Exchange Online cannot run it; keep a server for it or replace it")
	case TargetFile:
		r.decide(p, t.String(), "delivery to a file: no Exchange Online equivalent")
	case TargetError:
		r.decide(p, t.String(), "the legacy server bounces this address on purpose")
	case TargetInclude:
		return r.include(t, p, depth, path)
	}
	return nil
}

// include reads an :include: file under Root and expands its addresses.
func (r *resolver) include(t Target, p Pos, depth int, path []string) error {
	if r.s.Root == nil {
		r.decide(p, t.String(), "include not read: give the legacy server's file tree (--root)")
		return nil
	}
	f, err := r.s.Root.Open(strings.TrimPrefix(t.Value, "/"))
	if err != nil {
		reason := "cannot read the include: " + err.Error()
		if !errors.Is(err, os.ErrNotExist) {
			reason = ErrOutsideRoot.Error() + ": " + err.Error()
		}
		r.decide(p, t.String(), reason)
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return fmt.Errorf("legacy: reading %s: %w", t.Value, err)
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ip := Pos{File: t.Value, Line: n + 1}
		for _, s := range splitTargets(line) {
			it := parseTarget(s)
			r.step(ip, t.String(), it.String())
			if err := r.target(it, ip, t.Value, depth, path); err != nil {
				return err
			}
		}
	}
	return nil
}
