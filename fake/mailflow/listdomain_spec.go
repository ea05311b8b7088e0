package mailflow

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// A ListDomain spec as a world: the list domain's MX starts at the list
// server (its legacy MX), which takes mail from anyone and sends its copies
// straight to each subscriber's MX. The list-domain runbook then adds the
// domain to the tenant, relays it (InternalRelay), creates both connectors
// and moves the MX to Exchange Online. The list server's own
// reconfiguration, which the runbook's steps state and an administrator does
// on the list server, happens in the world at the documented points: once
// both connectors have propagated (before the MX switch) it sends all its
// mail through Exchange Online as its smart host; once the plan is done
// (the old MX has expired from every cache) it accepts mail only from
// Exchange Online.

// listWorld is the list domain of a SpecWorld.
type listWorld struct {
	spec   runbook.ListDomainSpec
	server *ListServer
}

// setUpListServer adds the list server behind the legacy MX, its lists and
// their subscribers, and what the legacy side delivers (the differential
// check's reference).
func (w *SpecWorld) setUpListServer() error {
	s := w.list.spec
	f := w.File.ListDomain
	ttl := max(s.LegacyMXTTL, time.Minute)
	if s.LegacyMXTTL == 0 {
		ttl = time.Hour // runbook.ListDomainSpec's default
	}
	l := w.AddListServer(s.ListServer, ttl, false, s.Domain)
	if len(s.ListServerIPs) > 0 {
		l.out.addr = s.ListServerIPs[0].Addr()
	}
	if !strings.EqualFold(s.LegacyMX, s.ListServer) {
		w.dns.SetMX(s.Domain, ttl, MX{Host: s.LegacyMX, Pref: 10})
		w.hosts[s.LegacyMX] = l
	}
	w.list.server = l
	tenant := map[mailops.Address]bool{}
	for _, r := range w.File.Recipients() {
		tenant[r.Address] = true
	}
	for i, list := range f.Lists {
		addr, err := mailops.ParseAddress(list.Address)
		if err != nil {
			return &mailops.ValidationError{Field: fmt.Sprintf("listDomain.lists[%d].address", i), Value: list.Address, Reason: err.Error()}
		}
		if addr.Domain() != s.Domain {
			return &mailops.ValidationError{Field: fmt.Sprintf("listDomain.lists[%d].address", i), Value: list.Address,
				Reason: "a list lives on the list domain " + s.Domain}
		}
		var members []mailops.Address
		var deliveries []string
		for j, sub := range list.Subscribers {
			a, err := mailops.ParseAddress(sub)
			if err != nil {
				return &mailops.ValidationError{Field: fmt.Sprintf("listDomain.lists[%d].subscribers[%d]", i, j), Value: sub, Reason: err.Error()}
			}
			if slices.Contains(w.File.Tenant.Domains, a.Domain()) && !tenant[a] {
				return &mailops.ValidationError{Field: fmt.Sprintf("listDomain.lists[%d].subscribers[%d]", i, j), Value: sub,
					Reason: "in a tenant domain but not a mailbox or contact of tenant"}
			}
			if !tenant[a] {
				w.AddInternetDomain(a.Domain())
				w.expect.Address(a, string(a))
				w.expect.Reads(string(a), InternetMailbox(a), time.Time{}, time.Time{})
			}
			members = append(members, a)
			deliveries = append(deliveries, string(a))
		}
		l.SetList(addr, members...)
		w.expect.Address(addr, deliveries...)
		w.legacySide[addr] = deliveries
		w.external[addr] = true
	}
	return nil
}

// startListMigration runs the list-domain runbook from virtual time at.
func (w *SpecWorld) startListMigration(at time.Time, logger *slog.Logger) *Migration {
	m := &Migration{NoCrashIn: gapSteps}
	s := w.list.spec
	s.Gates = w.Gates(w.File.Tenant.Domains[0], nil, "autodiscover.missing")
	opts := mailops.Options{Clock: w.s, Logger: logger, WaitConsistent: true}
	admin := w.tenant.Driver("admin-" + s.Domain)
	w.s.At(at, "runbook "+s.Domain, func() {
		w.s.GoNamed("runbook "+s.Domain, func() {
			ctx := context.Background()
			m.Started = w.s.Now()
			defer func() { m.Done, m.Finished = true, w.s.Now() }()
			cl := mailops.NewClient(admin, opts)
			plan, err := runbook.ListDomainPlan(s, cl)
			if err != nil {
				m.Err = err
				return
			}
			m.Plan = plan
			smart := false
			m.Err = runWithCrash(ctx, w.World, m, plan, s.Domain, cl, logger, func(p mailops.Progress) {
				if p.Step == "mx-switch" && !smart {
					smart = true
					w.list.server.relayThroughEXO(w)
				}
			})
			if m.Err == nil {
				w.list.server.acceptOnlyEXO()
			}
		})
	})
	return m
}

// relayThroughEXO makes the list server send all its mail to Exchange
// Online (the tenant's service MX host) as its smart host.
func (l *ListServer) relayThroughEXO(w *SpecWorld) {
	h, err := w.ServiceMX(w.File.Tenant.Domains[0])
	if err != nil {
		return // no service MX: the list server keeps sending direct
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.smartHost = h
}

// acceptOnlyEXO makes the list server refuse mail that does not come
// through Exchange Online.
func (l *ListServer) acceptOnlyEXO() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onlyFromEXO = true
}
