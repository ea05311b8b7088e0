package mailops_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// loggedCall is one backend call as the invariants need it.
type loggedCall struct {
	Op         string
	Start, End time.Time
	RetryAfter time.Duration // > 0 when the call was throttled
	// After reports whether this call started after other ended (needed
	// when both happen at the same virtual instant).
	After func(other loggedCall) bool
	seq   [2]int
}

// rapidBackend is what the state machine runs the Client against.
type rapidBackend struct {
	driver mailops.Driver
	// calls returns every call the client's admin made.
	calls func() []loggedCall
	// groups returns the tenant's groups as an admin sees them once settled.
	groups func() []mailops.Group
	// inject queues a targeted fault for op's next call.
	inject func(op string, f fault)
}

// outcome is the class of result the model predicts for an operation.
type outcome int

const (
	wantOK outcome = iota
	wantExists
	wantNotFound
	wantInvalid
	wantPolicy
)

func (o outcome) check(err error) error {
	var want error
	switch o {
	case wantOK:
		if err != nil {
			return fmt.Errorf("want success, got %w", err)
		}
		return nil
	case wantExists:
		want = mailops.ErrExists
	case wantNotFound:
		want = mailops.ErrNotFound
	case wantInvalid:
		want = mailops.ErrInvalid
	case wantPolicy:
		want = mailops.ErrPolicy
	}
	if !errors.Is(err, want) {
		return fmt.Errorf("want %v, got %v", want, err)
	}
	return nil
}

// rapidOp is one queued client call with its predicted outcome.
type rapidOp struct {
	desc string
	want outcome
	// okIfEqual: success is acceptable too. A create of an object that
	// already exists exactly as asked, or a delete (revoke) of one that is
	// absent, succeeds instead of failing when an earlier attempt's reply
	// was lost: the Client cannot tell the cases apart, and the desired
	// state holds either way.
	okIfEqual bool
	run       func(ctx context.Context, c *mailops.Client) error
}

// clientMachine is the rapid state machine: actions queue operations on
// worker processes (each worker owns its groups, so the model of each group
// is sequential), inject faults, and run the queued work concurrently in
// virtual time; the invariants are checked after every run.
type clientMachine struct {
	s        *sim.Scheduler
	c        *mailops.Client
	b        rapidBackend
	sessions int
	workers  int
	queues   [][]rapidOp
	model    map[mailops.Address]mailops.Group
	owner    map[mailops.Address]int
	failures []string
	seed     uint64
}

var memberPool = []mailops.Address{alice, bob, carol, admin}

func groupAddr(worker, i int) mailops.Address {
	return mailops.Address(fmt.Sprintf("w%d-g%d@%s", worker, i, tenantDomain))
}

func newClientMachine(t *rapid.T, newBackend func(s *sim.Scheduler) rapidBackend) *clientMachine {
	seed := rapid.Uint64().Draw(t, "seed")
	s := sim.New(seed)
	b := newBackend(s)
	m := &clientMachine{
		s:        s,
		seed:     seed,
		b:        b,
		sessions: rapid.IntRange(1, 4).Draw(t, "maxSessions"),
		workers:  rapid.IntRange(1, 5).Draw(t, "workers"),
		model:    map[mailops.Address]mailops.Group{},
	}
	m.c = mailops.NewClient(b.driver, mailops.Options{
		Clock:       s,
		Rand:        rand.New(rand.NewPCG(seed, 1)),
		MaxSessions: m.sessions,
		Retry:       mailops.RetryOptions{MaxAttempts: 12, Base: time.Second, Max: 20 * time.Second},
	})
	m.queues = make([][]rapidOp, m.workers)
	return m
}

func (m *clientMachine) drawTarget(t *rapid.T) (int, mailops.Address) {
	w := rapid.IntRange(0, m.workers-1).Draw(t, "worker")
	return w, groupAddr(w, rapid.IntRange(0, 3).Draw(t, "group"))
}

func drawMembers(t *rapid.T, label string) []mailops.Address {
	return rapid.SliceOfDistinct(rapid.SampledFrom(memberPool), func(a mailops.Address) mailops.Address { return a }).Draw(t, label)
}

func (m *clientMachine) queue(w int, op rapidOp) { m.queues[w] = append(m.queues[w], op) }

func (m *clientMachine) CreateGroup(t *rapid.T) {
	w, a := m.drawTarget(t)
	g := mailops.Group{
		PrimaryAddress:              a,
		Name:                        string(a),
		Members:                     drawMembers(t, "members"),
		Owners:                      []mailops.Address{admin},
		SendAs:                      drawMembers(t, "sendAs"),
		RequireSenderAuthentication: rapid.Bool().Draw(t, "requireAuth"),
	}
	want := wantOK
	switch rapid.IntRange(0, 5).Draw(t, "variant") {
	case 0: // one invalid member: nothing may be sent
		g.Members = append(slices.Clone(g.Members), "Not-Canonical@"+tenantDomain)
		want = wantInvalid
	case 1: // an external member
		g.Members = append(slices.Clone(g.Members), ext)
		want = wantPolicy
	}
	okIfEqual := false
	if have, ok := m.model[a]; ok && want == wantOK {
		want = wantExists
		okIfEqual = groupsEqual(have, g)
	}
	if want == wantOK {
		m.model[a] = g
	}
	m.queue(w, rapidOp{desc: "create " + string(a), want: want, okIfEqual: okIfEqual,
		run: func(ctx context.Context, c *mailops.Client) error { return c.CreateGroup(ctx, g) }})
}

func (m *clientMachine) SetMembers(t *rapid.T) {
	w, a := m.drawTarget(t)
	members := drawMembers(t, "members")
	want := wantOK
	if rapid.IntRange(0, 4).Draw(t, "external") == 0 {
		members = append(members, ext)
		want = wantPolicy
	}
	g, ok := m.model[a]
	if !ok && want == wantOK {
		want = wantNotFound
	}
	if want == wantOK {
		g.Members = members
		m.model[a] = g
	}
	m.queue(w, rapidOp{desc: "set members " + string(a), want: want, run: func(ctx context.Context, c *mailops.Client) error {
		return c.SetGroupMembers(ctx, a, members)
	}})
}

func (m *clientMachine) SendAs(t *rapid.T) {
	w, a := m.drawTarget(t)
	trustee := rapid.SampledFrom(memberPool).Draw(t, "trustee")
	grant := rapid.Bool().Draw(t, "grant")
	g, ok := m.model[a]
	want := wantOK
	if !ok {
		want = wantNotFound
	} else {
		g.SendAs = slices.DeleteFunc(slices.Clone(g.SendAs), func(x mailops.Address) bool { return x == trustee })
		if grant {
			g.SendAs = append(g.SendAs, trustee)
		}
		m.model[a] = g
	}
	m.queue(w, rapidOp{desc: fmt.Sprintf("sendAs %s %s %t", a, trustee, grant), want: want, okIfEqual: !grant, run: func(ctx context.Context, c *mailops.Client) error {
		if grant {
			return c.GrantSendAs(ctx, a, trustee)
		}
		return c.RevokeSendAs(ctx, a, trustee)
	}})
}

func (m *clientMachine) SenderAuth(t *rapid.T) {
	w, a := m.drawTarget(t)
	req := rapid.Bool().Draw(t, "require")
	g, ok := m.model[a]
	want := wantOK
	if !ok {
		want = wantNotFound
	} else {
		g.RequireSenderAuthentication = req
		m.model[a] = g
	}
	m.queue(w, rapidOp{desc: fmt.Sprintf("senderAuth %s %t", a, req), want: want, run: func(ctx context.Context, c *mailops.Client) error {
		return c.SetGroupSenderAuthentication(ctx, a, req)
	}})
}

func (m *clientMachine) Delete(t *rapid.T) {
	w, a := m.drawTarget(t)
	want := wantOK
	if _, ok := m.model[a]; !ok {
		want = wantNotFound
	}
	delete(m.model, a)
	m.queue(w, rapidOp{desc: "delete " + string(a), want: want, okIfEqual: true, run: func(ctx context.Context, c *mailops.Client) error { return c.DeleteGroup(ctx, a) }})
}

func (m *clientMachine) Fault(t *rapid.T) {
	op := rapid.SampledFrom([]string{"CreateGroup", "SetGroupMembers", "GrantSendAs", "RevokeSendAs",
		"SetGroupSenderAuthentication", "DeleteGroup", "GetGroup", "ListDomains"}).Draw(t, "faultOp")
	var f fault
	switch rapid.IntRange(0, 3).Draw(t, "faultKind") {
	case 0:
		f = fault{Err: throttled(time.Duration(rapid.IntRange(0, 300).Draw(t, "retryAfterSec")) * time.Second)}
	case 1:
		f = fault{Err: mailops.ErrUnavailable, Apply: true} // lost reply
	case 2:
		f = fault{Err: mailops.ErrUnavailable}
	case 3:
		f = fault{Err: mailops.ErrTooManySessions}
	}
	m.b.inject(op, f)
}

// Run starts every worker's queue as a process and runs the scheduler until
// all are done, then checks the outcomes and the invariants.
func (m *clientMachine) Run(t *rapid.T) {
	for w, q := range m.queues {
		if len(q) == 0 {
			continue
		}
		m.s.Go(func() {
			for _, op := range q {
				err := op.run(context.Background(), m.c)
				if err == nil && op.okIfEqual {
					continue
				}
				if err := op.want.check(err); err != nil {
					m.failures = append(m.failures, fmt.Sprintf("worker %d: %s: %v", w, op.desc, err))
				}
			}
		})
		m.queues[w] = nil
	}
	if err := m.s.Run(); err != nil {
		t.Fatalf("scheduler: %v", err)
	}
	if len(m.failures) > 0 {
		t.Fatalf("unexpected outcomes (seed %d):\n%s", m.seed, strings.Join(m.failures, "\n"))
	}
	m.checkSessions(t)
	m.checkRetryAfter(t)
	m.checkModel(t)
}

// checkSessions: never more than MaxSessions calls in flight.
func (m *clientMachine) checkSessions(t *rapid.T) {
	type ev struct {
		at    time.Time
		delta int
	}
	var evs []ev
	for _, c := range m.b.calls() {
		evs = append(evs, ev{c.Start, +1}, ev{c.End, -1})
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].at.Equal(evs[j].at) {
			return evs[i].at.Before(evs[j].at)
		}
		return evs[i].delta < evs[j].delta // ends before starts at the same instant
	})
	n := 0
	for _, e := range evs {
		n += e.delta
		if n > m.sessions {
			t.Fatalf("%d calls in flight at %s, MaxSessions %d", n, e.at, m.sessions)
		}
	}
}

// checkRetryAfter: no call starts inside the Retry-After of a throttled call
// (the Client pauses all its calls, which implies that no retry of the
// throttled call starts early).
func (m *clientMachine) checkRetryAfter(t *rapid.T) {
	calls := m.b.calls()
	for _, th := range calls {
		if th.RetryAfter <= 0 {
			continue
		}
		until := th.End.Add(th.RetryAfter)
		for _, c := range calls {
			if c.After(th) && c.Start.Before(until) {
				t.Fatalf("%s started at %s, inside the Retry-After of %s (ended %s, retry after %s)",
					c.Op, c.Start, th.Op, th.End, th.RetryAfter)
			}
		}
	}
}

// checkModel: the settled admin view equals the model.
func (m *clientMachine) checkModel(t *rapid.T) {
	have := map[mailops.Address]mailops.Group{}
	for _, g := range m.b.groups() {
		have[g.PrimaryAddress] = g
	}
	if len(have) != len(m.model) {
		t.Fatalf("tenant has %d groups, model %d: %v vs %v", len(have), len(m.model), have, m.model)
	}
	for a, want := range m.model {
		g, ok := have[a]
		if !ok {
			t.Fatalf("group %s missing", a)
		}
		if !groupsEqual(g, want) {
			t.Fatalf("group %s: tenant %+v, model %+v", a, g, want)
		}
	}
}

func groupsEqual(a, b mailops.Group) bool {
	return a.PrimaryAddress == b.PrimaryAddress && a.Name == b.Name && sameSet(a.Members, b.Members) &&
		sameSet(a.Owners, b.Owners) && sameSet(a.SendAs, b.SendAs) &&
		a.RequireSenderAuthentication == b.RequireSenderAuthentication
}

func sameSet(a, b []mailops.Address) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func (m *clientMachine) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"CreateGroup": m.CreateGroup,
		"SetMembers":  m.SetMembers,
		"SendAs":      m.SendAs,
		"SenderAuth":  m.SenderAuth,
		"Delete":      m.Delete,
		"Fault":       m.Fault,
		"Run":         m.Run,
		"": func(t *rapid.T) {
			if len(m.failures) > 0 {
				t.Fatalf("failures: %v", m.failures)
			}
		},
	}
}

// scriptBackend runs the machine over the script driver with random faults
// on top of the targeted ones.
func scriptBackend(t *rapid.T) func(s *sim.Scheduler) rapidBackend {
	rate := rapid.Float64Range(0, 0.3).Draw(t, "faultRate")
	latency := time.Duration(rapid.IntRange(0, 5).Draw(t, "latencySec")) * time.Second
	faultSeed := rapid.Uint64().Draw(t, "faultSeed")
	return func(s *sim.Scheduler) rapidBackend {
		d := newScriptDriver(s)
		d.Latency = latency
		d.addVerified(tenantDomain)
		rng := rand.New(rand.NewPCG(faultSeed, 2))
		d.Random = func(op string) *fault {
			if rng.Float64() >= rate {
				return nil
			}
			switch rng.IntN(4) {
			case 0:
				return &fault{Err: throttled(time.Duration(rng.IntN(120)) * time.Second)}
			case 1:
				return &fault{Err: mailops.ErrUnavailable, Apply: true}
			case 2:
				return &fault{Err: mailops.ErrUnavailable}
			}
			return &fault{Err: mailops.ErrTooManySessions}
		}
		return rapidBackend{
			driver: d,
			calls: func() []loggedCall {
				var out []loggedCall
				for _, c := range d.Calls() {
					lc := loggedCall{Op: c.Op, Start: c.Start, End: c.End, RetryAfter: retryAfterOf(c.Err), seq: [2]int{c.StartSeq, c.EndSeq}}
					lc.After = func(o loggedCall) bool { return lc.seq[0] > o.seq[1] }
					out = append(out, lc)
				}
				return out
			},
			groups: func() []mailops.Group {
				d.mu.Lock()
				defer d.mu.Unlock()
				return sortedValues(d.groups, func(g mailops.Group) string { return string(g.PrimaryAddress) })
			},
			inject: func(op string, f fault) { d.script(op, f) },
		}
	}
}

func TestClientStateMachineScriptDriver(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newClientMachine(t, scriptBackend(t))
		t.Repeat(m.actions())
		m.Run(t) // settle whatever is still queued
	})
}
