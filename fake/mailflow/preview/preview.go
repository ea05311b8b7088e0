// Package preview is the delegate service's mail-flow preview: it builds a
// simulated world (fake/mailflow) from the service's replica of the tenant,
// sends traffic to every address a request touches, runs the request's plan
// through a mailops.Client against the world's tenant in virtual time, and
// reports what the oracle finds: "no mail lost", or the bounces and losses
// by address and reason.
//
// It lives under fake/ because the library (mailops/delegate) never imports
// the simulator; the delegate service takes it through its Previewer
// interface.
package preview

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// Simulator is a delegate.Previewer on the mail-flow simulator.
type Simulator struct {
	// Tenant is the simulated tenant's behaviour (latency, propagation);
	// the zero value means fake.DefaultTenantConfig.
	Tenant *fake.TenantConfig
	// PerHour is the simulated messages per hour to each address; default
	// 12.
	PerHour float64
}

var _ delegate.Previewer = Simulator{}

// The world's timeline: the replica is built and propagates, traffic
// starts, the plan runs an hour later, traffic to existing addresses goes on
// for four hours after it, and traffic to created addresses runs for two
// hours from when mail flow resolves them.
const (
	settle     = 3 * time.Hour
	applyAfter = time.Hour
	after      = 4 * time.Hour
	newTraffic = 2 * time.Hour
	maxWait    = 6 * time.Hour
	sender     = mailops.Address("someone@sender.preview.example")
)

// Preview runs in.Plan against in.Replica with traffic and returns the
// oracle's prediction. The seed comes from the request id, so a preview is
// reproducible.
func (s Simulator) Preview(ctx context.Context, in delegate.PreviewInput) (delegate.Preview, error) {
	h := fnv.New64a()
	h.Write([]byte(in.Request.ID))
	seed := h.Sum64()
	tc := fake.DefaultTenantConfig()
	if s.Tenant != nil {
		tc = *s.Tenant
	}
	per := s.PerHour
	if per <= 0 {
		per = 12
	}
	w := mailflow.NewWorld(mailflow.Config{Seed: seed, Tenant: tc, Partner: fake.InstantTenantConfig()})
	defer w.Scheduler().Close()
	world := in
	world.Replica = relevant(in)
	if err := build(w, world); err != nil {
		return delegate.Preview{}, fmt.Errorf("preview: build the world from the replica: %w", err)
	}
	addr := in.Request.Address()
	existing := exists(in.Replica, addr)
	oldReach := reach(in.Replica, in.Config, addr, nil)
	newReach := reach(in.Replica, in.Config, addr, &in.Request)
	e := w.Expect()
	e.Address(sender, string(sender))
	e.Reads(string(sender), mailflow.InternetMailbox(sender), time.Time{}, time.Time{})
	person := "reader of " + string(addr)
	e.Address(addr, person)
	for _, mb := range union(oldReach, newReach) {
		e.Reads(person, mb, time.Time{}, time.Time{})
	}
	start := w.Scheduler().Now()
	if existing {
		w.StartTraffic("to "+string(addr), mailflow.Traffic{PerHour: per, From: start, Until: start.Add(applyAfter + after),
			Internet: []mailops.Address{sender}, To: []mailops.Address{addr}})
	}
	var planErr error
	w.Scheduler().GoNamed("plan", func() {
		c := mailops.NewClient(w.Tenant().Driver("delegate-preview"), mailops.Options{Clock: w.Scheduler()})
		if err := w.Scheduler().Sleep(ctx, applyAfter); err != nil {
			planErr = err
			return
		}
		if planErr = run(ctx, c, in); planErr != nil {
			if !existing && in.Request.Kind == delegate.CreateAddress {
				// The people told of the new address write to it anyway.
				now := w.Scheduler().Now()
				w.StartTraffic("to new "+string(addr), mailflow.Traffic{PerHour: per, From: now, Until: now.Add(newTraffic),
					Internet: []mailops.Address{sender}, To: []mailops.Address{addr}})
			}
			return
		}
		// Wait until mail flow shows the change, as the service's
		// "done" does; a created address gets its traffic from then.
		for range int(maxWait / time.Minute) {
			if reached(w.Tenant().MailView(), in.Request) {
				if !existing && in.Request.Kind != delegate.DeleteAddress {
					now := w.Scheduler().Now()
					w.StartTraffic("to new "+string(addr), mailflow.Traffic{PerHour: per, From: now, Until: now.Add(newTraffic),
						Internet: []mailops.Address{sender}, To: []mailops.Address{addr}})
				}
				return
			}
			if err := w.Scheduler().Sleep(ctx, time.Minute); err != nil {
				planErr = err
				return
			}
		}
		planErr = fmt.Errorf("mail flow did not show the change within %s", maxWait)
	})
	if err := w.Scheduler().Run(); err != nil {
		return delegate.Preview{}, fmt.Errorf("preview: run: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return delegate.Preview{}, err
	}
	rep := mailflow.Check(w.Ledger(), e, seed)
	out := delegate.Preview{Sent: rep.Sent, Delivered: rep.Delivered + rep.Duplicated, Seed: seed,
		Addresses: []mailops.Address{addr}}
	type key struct{ a, class, reason string }
	counts := map[key]int{}
	var order []key
	for _, v := range rep.Violations {
		if v.Class == mailflow.Duplicated { // one reader of several mailboxes: delivered
			continue
		}
		k := key{string(v.To), string(v.Class), v.Cause}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	for _, k := range order {
		out.Losses = append(out.Losses, delegate.Loss{Address: mailops.Address(k.a), Class: k.class, Reason: k.reason, Messages: counts[k]})
	}
	if planErr != nil {
		out.PlanError = planErr.Error()
	}
	out.NoLoss = planErr == nil && len(out.Losses) == 0
	return out, nil
}

// run applies the plan's operations through the client, as the service's
// applier does: check, apply unless done.
func run(ctx context.Context, c *mailops.Client, in delegate.PreviewInput) error {
	if len(in.Config.External(in.Request.Targets)) > 0 {
		ctx = mailops.WithExternalMembers(ctx)
	}
	for _, op := range in.Plan.Operations() {
		st, err := op.Check(ctx, c)
		if err != nil && !errors.Is(err, mailops.ErrNotFound) {
			return fmt.Errorf("check %s: %w", op.Describe(), err)
		}
		if st == mailops.Done {
			continue
		}
		if err := op.Apply(ctx, c); err != nil {
			return fmt.Errorf("%s: %w", op.Describe(), err)
		}
	}
	return nil
}

// reached reports whether mail flow shows the request's change.
func reached(v fake.MailView, r delegate.Request) bool {
	addr := r.Address()
	switch r.Kind {
	case delegate.SetDisplayName:
		x, ok := v.Recipient(addr)
		return ok && x.SimpleDisplayName == r.DisplayName
	case delegate.DeleteAddress:
		_, ok := v.Group(addr)
		return !ok
	}
	g, ok := v.Group(addr)
	if !ok {
		return false
	}
	a, b := slices.Clone(g.Members), slices.Clone(r.Targets)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func exists(rep delegate.Replica, a mailops.Address) bool {
	if _, ok := rep.Group(a); ok {
		return true
	}
	_, ok := rep.Recipient(a)
	return ok
}

// reach lists the mailboxes mail to a lands in: before the request (r nil)
// or after it, expanding groups through the replica.
func reach(rep delegate.Replica, cfg delegate.Config, a mailops.Address, r *delegate.Request) []mailflow.Mailbox {
	var out []mailflow.Mailbox
	seen := map[mailops.Address]bool{}
	var walk func(a mailops.Address, top bool)
	walk = func(a mailops.Address, top bool) {
		if seen[a] {
			return
		}
		seen[a] = true
		if x, ok := rep.Recipient(a); ok {
			if ext := x.External(); ext != "" {
				out = append(out, mailflow.InternetMailbox(ext))
			} else {
				out = append(out, mailflow.EXOMailbox("ours", x.Address))
			}
			return
		}
		members, isGroup := []mailops.Address(nil), false
		if g, ok := rep.Group(a); ok {
			members, isGroup = g.Members, true
		}
		if top && r != nil && r.Kind != delegate.SetDisplayName {
			members, isGroup = r.Targets, r.Kind != delegate.DeleteAddress
		}
		if isGroup {
			for _, m := range members {
				walk(m, false)
			}
			return
		}
		if !slices.Contains(cfg.Internal, a.Domain()) && !top {
			out = append(out, mailflow.InternetMailbox(a))
		}
	}
	walk(a, true)
	return out
}

func union(a, b []mailflow.Mailbox) []mailflow.Mailbox {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// build makes the world's tenant hold the replica: its domains verified
// and receiving through Exchange Online, its recipients, its groups (first
// without members, then with them, so that groups may contain groups), and
// internet domains for every external address.
func build(w *mailflow.World, in delegate.PreviewInput) error {
	doms := slices.Clone(in.Config.Internal)
	for _, d := range in.Config.Domains {
		if !slices.Contains(doms, d.Name) {
			doms = append(doms, d.Name)
		}
	}
	// Parents first: a subdomain of a verified domain is verified at once.
	slices.SortFunc(doms, func(x, y string) int { return strings.Count(x, ".") - strings.Count(y, ".") })
	internet := map[string]bool{sender.Domain(): true}
	note := func(a mailops.Address) {
		if a != "" && !slices.Contains(doms, a.Domain()) {
			internet[a.Domain()] = true
		}
	}
	for _, r := range in.Replica.Recipients {
		note(r.External())
	}
	for _, g := range in.Replica.Groups {
		for _, m := range g.Members {
			note(m)
		}
	}
	for _, t := range in.Request.Targets {
		note(t)
	}
	names := make([]string, 0, len(internet))
	for d := range internet {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		w.AddInternetDomain(d)
	}
	var err error
	w.Scheduler().GoNamed("replica", func() { err = provision(context.Background(), w, doms, in.Replica) })
	if rerr := w.Scheduler().Run(); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	for _, d := range doms {
		if err := w.PointMXAtEXO(d, time.Hour); err != nil {
			return err
		}
	}
	return w.Scheduler().RunFor(settle) // everything propagates to mail flow
}

func provision(ctx context.Context, w *mailflow.World, doms []string, rep delegate.Replica) error {
	c := mailops.NewClient(w.Tenant().Driver("replica"), mailops.Options{Clock: w.Scheduler(), Retry: mailops.RetryOptions{MaxAttempts: 60}})
	for _, d := range doms {
		dom, err := c.AddDomain(ctx, d)
		if err != nil {
			return err
		}
		if !dom.Verified {
			if err := w.DNS().Publish(ctx, mailops.DNSChange{Domain: d, Add: dom.VerificationRecords[:1]}); err != nil {
				return err
			}
			if _, err := c.VerifyDomain(ctx, d); err != nil {
				return err
			}
		}
		if err := c.EnableEmail(ctx, d); err != nil {
			return err
		}
		if err := c.AwaitAccepted(ctx, d); err != nil {
			return err
		}
	}
	for _, r := range rep.Recipients {
		if err := c.CreateRecipient(ctx, r); err != nil {
			return fmt.Errorf("recipient %s: %w", r.Address, err)
		}
	}
	// Every group needs an owner; ownership does not route mail, so the
	// world's groups are owned by one mailbox of its own.
	owner := mailops.Address("delegate-preview-owner@" + doms[0])
	if err := c.CreateRecipient(ctx, mailops.Recipient{Address: owner, Kind: mailops.Mailbox, DisplayName: "preview owner"}); err != nil {
		return err
	}
	ctx = mailops.WithExternalMembers(ctx) // the replica is what the tenant holds
	for _, g := range rep.Groups {
		bare := g
		bare.Members, bare.Owners, bare.SendAs = nil, []mailops.Address{owner}, nil
		if err := c.CreateGroup(ctx, bare); err != nil {
			return fmt.Errorf("group %s: %w", g.PrimaryAddress, err)
		}
	}
	for _, g := range rep.Groups {
		if len(g.Members) == 0 {
			continue
		}
		if err := c.SetGroupMembers(ctx, g.PrimaryAddress, g.Members); err != nil {
			return fmt.Errorf("members of %s: %w", g.PrimaryAddress, err)
		}
	}
	return nil
}

// relevant is the part of the replica the request's mail can reach: the
// request's address, its targets and member, every group and recipient
// reachable from them through group membership, and the domains' admin
// groups without their members (the owners a created group gets). The world
// holds only these, so
// a preview costs the same in a tenant of ten recipients or of ten
// thousand.
func relevant(in delegate.PreviewInput) delegate.Replica {
	want := map[mailops.Address]bool{}
	var add func(a mailops.Address)
	add = func(a mailops.Address) {
		if a == "" || want[a] {
			return
		}
		want[a] = true
		if g, ok := in.Replica.Group(a); ok {
			for _, m := range g.Members {
				add(m)
			}
		}
	}
	add(in.Request.Address())
	add(in.Request.Member)
	for _, t := range in.Request.Targets {
		add(t)
	}
	owners := map[mailops.Address]bool{}
	for _, d := range in.Config.Domains {
		owners[d.AdminGroup] = true
	}
	out := delegate.Replica{At: in.Replica.At}
	for _, g := range in.Replica.Groups {
		switch {
		case want[g.PrimaryAddress]:
			out.Groups = append(out.Groups, g)
		case owners[g.PrimaryAddress]: // an owner only: its members carry none of this mail
			g.Members = nil
			out.Groups = append(out.Groups, g)
		}
	}
	for _, r := range in.Replica.Recipients {
		if want[r.Address] {
			out.Recipients = append(out.Recipients, r)
		}
	}
	return out
}
