package soak

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// delegatedWorld is one case of the delegated kind: a university tenant
// with 2-4 delegated department domains, their admins and IT, the
// delegated service (SQLite in memory) applying requests with the River-less
// sweep in virtual time onto the faulty, lagging tenant, and traffic.
type delegatedWorld struct {
	w      *mailflow.World
	s      *sim.Scheduler
	r      *rand.Rand
	cfg    delegate.Config
	store  *delegate.SQLStore
	db     *sql.DB
	svc    *delegate.Service
	apply  *delegate.Applier
	people []mailops.Address
	// outside is an external target (an internet mailbox).
	outside mailops.Address
	admins  []delegate.Actor // admins[k] administers cfg.Domains[k]
	it      delegate.Actor
	// stable are the addresses no request touches (traffic goes to them),
	// with their members.
	stable map[mailops.Address][]mailops.Address
	// accepted are the requests the service took in, by id.
	accepted  map[string]bool
	churn     map[mailops.Address]bool // every address a request was about
	refused   int                      // submissions refused (cross-domain, self-approval, shape)
	violation string
}

func (d *delegatedWorld) fail(format string, args ...any) {
	if d.violation == "" {
		d.violation = fmt.Sprintf(format, args...)
	}
}

// delegated runs a random stream of delegated-service requests and checks:
// no mail lost (the oracle, over traffic during the stream and probes of
// every address afterwards), every accepted request terminal, no effect
// outside a request's domain (the tenant's groups of every domain equal the
// model replayed from the done requests in audit order; cross-domain
// submissions and self-approvals are refused and stored nowhere), and the
// audit chain verifies.
func delegated(seed uint64, r *rand.Rand) (Result, error) { return delegatedCase(seed, r, nil) }

// delegatedCase is delegated with tamper, if set, run once every request
// has ended and before the checks (a test's way to show the checks fail).
func delegatedCase(seed uint64, r *rand.Rand, tamper func(*delegatedWorld)) (Result, error) {
	ctx := context.Background()
	w := mailflow.NewWorld(config(seed, r))
	d := &delegatedWorld{w: w, s: w.Scheduler(), r: r, stable: map[mailops.Address][]mailops.Address{},
		accepted: map[string]bool{}, churn: map[mailops.Address]bool{}, outside: "friend@outside.example"}
	org := "uni.example"
	for i := 0; i < 3+r.IntN(8); i++ {
		d.people = append(d.people, mailops.Address(fmt.Sprintf("p%02d@%s", i, org)))
	}
	d.cfg.Internal = []string{org}
	for k := 0; k < 2+r.IntN(3); k++ {
		dom := fmt.Sprintf("dept%d.example", k)
		d.cfg.Domains = append(d.cfg.Domains, delegate.DomainConfig{Name: dom, AdminGroup: mailops.Address("admins@" + dom),
			AutoApproveInternal: r.IntN(2) == 0})
		d.cfg.Internal = append(d.cfg.Internal, dom)
		d.admins = append(d.admins, delegate.Actor{Subject: fmt.Sprintf("admin%d", k), Email: d.people[0], Domains: []string{dom}})
	}
	d.it = delegate.Actor{Subject: "it", Email: d.people[0], Approver: true}
	for _, dc := range d.cfg.Domains {
		d.it.Domains = append(d.it.Domains, dc.Name)
	}
	w.AddInternetDomain("outside.example")

	var err error
	d.s.GoNamed("setup", func() { err = d.setup(ctx, org) })
	if rerr := d.s.Run(); rerr != nil || err != nil {
		return Result{}, fmt.Errorf("delegated set-up: %v %w", rerr, err)
	}
	if err := d.s.RunFor(2 * time.Hour); err != nil { // everything propagates
		return Result{}, err
	}
	for _, dom := range d.cfg.Internal {
		if err := w.PointMXAtEXO(dom, time.Hour); err != nil {
			return Result{}, err
		}
	}
	d.declare()
	st, db, err := delegate.OpenSQLite(ctx, ":memory:")
	if err != nil {
		return Result{}, err
	}
	defer st.Close()
	d.store, d.db = st, db
	d.svc = &delegate.Service{Store: st, Config: d.cfg, Clock: d.s, Enqueue: func(delegate.Request) delegate.TxHook { return nil }}
	d.apply = &delegate.Applier{Store: st, Config: d.cfg,
		Client: mailops.NewClient(w.Tenant().Driver("delegate"), mailops.Options{Clock: d.s})}

	start := d.s.Now()
	stream := time.Duration(2+r.IntN(7)) * time.Hour
	w.StartTraffic("delegated", mailflow.Traffic{PerHour: float64(10 + r.IntN(40)), From: start, Until: start.Add(stream),
		Internet: []mailops.Address{d.outside}, Internal: d.people, To: append(slices.Clone(d.people), d.stableAddrs()...)})
	streamDone := false
	d.s.GoNamed("requests", func() { d.requests(ctx, start.Add(stream)); streamDone = true })
	d.s.GoNamed("sweep", func() { d.sweep(ctx, &streamDone) })
	if err := d.s.Run(); err != nil {
		return Result{}, err
	}
	if err := d.s.RunFor(2 * time.Hour); err != nil { // the last changes reach mail flow
		return Result{}, err
	}
	if tamper != nil {
		tamper(d)
	}
	n, done, final := d.check(ctx)
	if d.violation == "" {
		d.probe(final)
	}
	if err := d.s.RunFor(72 * time.Hour); err != nil {
		return Result{}, err
	}
	res := Result{Requests: n, RequestsDone: done, Refused: d.refused}
	verdict(&res, w.Check())
	if d.violation != "" {
		res.Violation = d.violation
	}
	return res, nil
}

// setup provisions the organisation's domain with its people, the
// department domains, each domain's admin group and a stable address.
func (d *delegatedWorld) setup(ctx context.Context, org string) error {
	if err := d.w.ProvisionDomain(ctx, org, d.people); err != nil {
		return err
	}
	cl := mailops.NewClient(d.w.Tenant().Driver("setup"), mailops.Options{Clock: d.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
	// An external target is a mail contact of the tenant.
	if err := cl.CreateRecipient(ctx, mailops.Recipient{Address: d.outside, Kind: mailops.MailContact, DisplayName: "Friend"}); err != nil {
		return err
	}
	for _, dc := range d.cfg.Domains {
		if err := d.w.ProvisionDomain(ctx, dc.Name, nil); err != nil {
			return err
		}
		if err := cl.CreateGroup(ctx, mailops.Group{PrimaryAddress: dc.AdminGroup, Type: mailops.Security, Name: string(dc.AdminGroup),
			Members: []mailops.Address{d.people[0]}, Owners: []mailops.Address{d.people[0]}}); err != nil {
			return err
		}
		office := mailops.Address("office@" + dc.Name)
		members := d.somePeople()
		if err := cl.CreateGroup(ctx, mailops.Group{PrimaryAddress: office, Name: string(office), Members: members,
			Owners: []mailops.Address{dc.AdminGroup}}); err != nil {
			return err
		}
		d.stable[office] = members
	}
	return nil
}

func (d *delegatedWorld) somePeople() []mailops.Address {
	n := 1 + d.r.IntN(min(3, len(d.people)))
	var out []mailops.Address
	for _, i := range d.r.Perm(len(d.people))[:n] {
		out = append(out, d.people[i])
	}
	return out
}

func (d *delegatedWorld) stableAddrs() []mailops.Address {
	var out []mailops.Address
	for a := range d.stable {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func people(as []mailops.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// declare tells the oracle who reads what: people their mailboxes, the
// outside friend an internet mailbox, each stable address its members.
func (d *delegatedWorld) declare() {
	e := d.w.Expect()
	for _, p := range d.people {
		e.Address(p, string(p))
		e.Reads(string(p), mailflow.EXOMailbox("ours", p), time.Time{}, time.Time{})
	}
	e.Address(d.outside, string(d.outside))
	e.Reads(string(d.outside), mailflow.InternetMailbox(d.outside), time.Time{}, time.Time{})
	for a, m := range d.stable {
		e.Address(a, people(m)...)
	}
}

// requests submits a random stream until until: admins' creates, replaces
// and deletes in their own domain (sometimes with an external target),
// attempts on another department's domain, IT's approvals and rejections
// (and attempts to approve one's own request), cancellations; then IT
// decides whatever still waits.
func (d *delegatedWorld) requests(ctx context.Context, until time.Time) {
	r := d.r
	locals := []string{"r0", "r1", "r2", "r3", "r4"}
	for i := 0; d.s.Now().Before(until); i++ {
		if err := d.s.Sleep(ctx, time.Duration(1+r.IntN(30))*time.Minute); err != nil {
			d.fail("requests: %v", err)
			return
		}
		k := r.IntN(len(d.cfg.Domains))
		admin := d.admins[k]
		dom := d.cfg.Domains[k].Name
		switch x := r.IntN(20); {
		case x < 2: // another department's domain: refused, nothing stored
			j := (k + 1 + r.IntN(len(d.cfg.Domains)-1)) % len(d.cfg.Domains)
			req := delegate.Request{Kind: delegate.CreateAddress, Domain: d.cfg.Domains[j].Name, Local: locals[r.IntN(len(locals))],
				Targets: d.somePeople(), IdempotencyKey: fmt.Sprint("x", i)}
			if got, _, err := d.svc.Submit(ctx, admin, req); !errors.Is(err, mailops.ErrForbidden) {
				d.fail("%s submitted to %s, another department's domain: %+v, %v", admin.Subject, req.Domain, got, err)
				return
			}
			d.refused++
		case x < 4:
			d.decide(ctx, true)
		case x < 5: // a submitter cancels one of theirs
			d.cancelOne(ctx, admin)
		default:
			req := delegate.Request{Domain: dom, Local: locals[r.IntN(len(locals))], IdempotencyKey: fmt.Sprint("k", i)}
			y := r.IntN(10)
			if ex := d.existing(dom, locals); y >= 4 && len(ex) > 0 && r.IntN(4) > 0 {
				req.Local = ex[r.IntN(len(ex))] // mostly an address that exists now
			}
			switch {
			case y < 4:
				req.Kind, req.Targets = delegate.CreateAddress, d.somePeople()
			case y < 8:
				req.Kind, req.Targets = delegate.ReplaceTargets, d.somePeople()
				if r.IntN(2) == 0 { // the membership the submitter saw, read now
					req.From = d.current(req.Address())
				}
			default:
				req.Kind = delegate.DeleteAddress
			}
			if req.Kind != delegate.DeleteAddress && r.IntN(5) == 0 {
				req.Targets = append(req.Targets, d.outside)
			}
			got, _, err := d.svc.Submit(ctx, admin, req)
			if err != nil {
				d.fail("submit %+v: %v", req, err)
				return
			}
			d.accepted[got.ID] = true
			d.churn[req.Address()] = true
			// The submitter may not approve their own request, even as IT.
			selfIT := admin
			selfIT.Approver = true
			if got.State == delegate.AwaitingApproval {
				if _, err := d.svc.Approve(ctx, selfIT, got.ID); !errors.Is(err, mailops.ErrForbidden) {
					d.fail("%s approved their own request %s: %v", admin.Subject, got.ID, err)
					return
				}
				d.refused++
			}
		}
	}
	d.decide(ctx, false)
}

// existing lists the locals of dom whose group exists in the tenant now.
func (d *delegatedWorld) existing(dom string, locals []string) []string {
	var out []string
	for _, l := range locals {
		if d.current(mailops.Address(l+"@"+dom)) != nil {
			out = append(out, l)
		}
	}
	return out
}

// current is the tenant's membership of a group now (nil if none).
func (d *delegatedWorld) current(a mailops.Address) []mailops.Address {
	for _, g := range d.w.Tenant().Groups() {
		if g.PrimaryAddress == a {
			return slices.Clone(g.Members)
		}
	}
	return nil
}

// decide has IT go through the requests awaiting approval: approve most,
// reject some, and (when maybeLater) leave some for later.
func (d *delegatedWorld) decide(ctx context.Context, maybeLater bool) {
	for _, dc := range d.cfg.Domains {
		rs, err := d.store.List(ctx, dc.Name)
		if err != nil {
			d.fail("list: %v", err)
			return
		}
		for _, q := range rs {
			if q.State != delegate.AwaitingApproval {
				continue
			}
			switch x := d.r.IntN(10); {
			case maybeLater && x < 2:
			case x < 3:
				if _, err := d.svc.Reject(ctx, d.it, q.ID, "not this one (soak)"); err != nil {
					d.fail("reject %s: %v", q.ID, err)
				}
			default:
				if _, err := d.svc.Approve(ctx, d.it, q.ID); err != nil {
					d.fail("approve %s: %v", q.ID, err)
				}
			}
		}
	}
}

// cancelOne cancels one of the admin's requests not yet applying.
func (d *delegatedWorld) cancelOne(ctx context.Context, a delegate.Actor) {
	rs, err := d.store.List(ctx, a.Domains[0])
	if err != nil {
		d.fail("list: %v", err)
		return
	}
	for _, q := range rs {
		if q.Submitter == a.Subject && (q.State == delegate.AwaitingApproval || q.State == delegate.Queued) {
			if _, err := d.svc.Cancel(ctx, a, q.ID); err != nil {
				d.fail("cancel %s (%s): %v", q.ID, q.State, err)
			}
			return
		}
	}
}

// sweep works the queue every virtual minute until the stream is over and
// every accepted request has ended (at most two days after).
func (d *delegatedWorld) sweep(ctx context.Context, streamDone *bool) {
	var deadline time.Time
	for {
		if _, err := d.apply.Sweep(ctx); err != nil {
			d.fail("sweep: %v", err)
			return
		}
		if *streamDone {
			if deadline.IsZero() {
				deadline = d.s.Now().Add(48 * time.Hour)
			}
			if d.allTerminal(ctx) {
				return
			}
			if d.s.Now().After(deadline) {
				d.fail("requests still unfinished two days after the stream ended")
				return
			}
		}
		if err := d.s.Sleep(ctx, time.Minute); err != nil {
			d.fail("sweep: %v", err)
			return
		}
	}
}

func (d *delegatedWorld) allTerminal(ctx context.Context) bool {
	for id := range d.accepted {
		q, err := d.store.Get(ctx, id)
		if err != nil || !q.State.Terminal() {
			return false
		}
	}
	return true
}

// check verifies the audit chain and that every accepted request ended,
// replays the done requests in audit order into the expected groups, and
// compares them with the tenant's groups of every domain. It returns the
// number of accepted requests, how many ended done, and the expected churn
// addresses.
func (d *delegatedWorld) check(ctx context.Context) (int, int, map[mailops.Address][]mailops.Address) {
	done := 0
	final := map[mailops.Address][]mailops.Address{}
	if _, err := d.store.VerifyAudit(ctx); err != nil {
		d.fail("audit: %v", err)
		return len(d.accepted), done, final
	}
	if !d.allTerminal(ctx) {
		d.fail("an accepted request did not end")
		return len(d.accepted), done, final
	}
	byID := map[string]delegate.Request{}
	for _, dc := range d.cfg.Domains {
		rs, err := d.store.List(ctx, dc.Name)
		if err != nil {
			d.fail("list: %v", err)
			return len(d.accepted), done, final
		}
		for _, q := range rs {
			if !d.accepted[q.ID] {
				d.fail("request %s in %s was stored but never accepted", q.ID, dc.Name)
			}
			byID[q.ID] = q
		}
	}
	if len(byID) != len(d.accepted) {
		d.fail("%d requests stored, %d accepted", len(byID), len(d.accepted))
	}
	for after := int64(0); ; {
		es, err := d.store.Audit(ctx, after, 500)
		if err != nil {
			d.fail("audit: %v", err)
			return len(d.accepted), done, final
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			after = e.Seq
			if e.To != delegate.Done {
				continue
			}
			q := byID[e.RequestID]
			done++
			switch q.Kind {
			case delegate.CreateAddress, delegate.ReplaceTargets:
				final[q.Address()] = slices.Clone(q.Targets)
			case delegate.DeleteAddress:
				delete(final, q.Address())
			}
		}
	}
	want := map[mailops.Address][]mailops.Address{}
	for a, m := range d.stable {
		want[a] = m
	}
	for a, m := range final {
		want[a] = m
	}
	for _, dc := range d.cfg.Domains {
		want[dc.AdminGroup] = []mailops.Address{d.people[0]}
	}
	got := map[mailops.Address][]mailops.Address{}
	for _, g := range d.w.Tenant().Groups() {
		got[g.PrimaryAddress] = g.Members
		if final[g.PrimaryAddress] != nil && !slices.Equal(g.Owners, []mailops.Address{d.domainOf(g.PrimaryAddress).AdminGroup}) {
			d.fail("group %s is owned by %v, not its domain's admin group", g.PrimaryAddress, g.Owners)
		}
	}
	for a, m := range want {
		if !sameMembers(got[a], m) {
			d.fail("group %s has members %v, the done requests say %v", a, got[a], m)
		}
	}
	for a, m := range got {
		if _, ok := want[a]; !ok {
			d.fail("group %s (members %v) exists, no done request made it", a, m)
		}
	}
	return len(d.accepted), done, final
}

func (d *delegatedWorld) domainOf(a mailops.Address) delegate.DomainConfig {
	c, _ := d.cfg.Domain(a.Domain())
	return c
}

func sameMembers(a, b []mailops.Address) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// probe declares the addresses the requests left and sends a message from
// outside to every address a request was about: those that exist must reach
// exactly their members, the others must bounce.
func (d *delegatedWorld) probe(final map[mailops.Address][]mailops.Address) {
	e := d.w.Expect()
	for a, m := range final {
		e.Address(a, people(m)...)
	}
	var addrs []mailops.Address
	for a := range d.churn {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	for _, a := range addrs {
		d.w.SendFromInternet(d.outside, "probe "+string(a), a)
	}
}
