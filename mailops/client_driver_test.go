package mailops_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// stepClock is a virtual clock for sequential tests: Sleep returns at once
// after moving the time forward. Concurrent tests use fake/sim instead.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newStepClock() *stepClock { return &stepClock{now: epoch} }

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return nil
}

func (c *stepClock) NewSignal() mailops.Signal { return mailops.WallClock{}.NewSignal() }
func (c *stepClock) Go(fn func())              { go fn() }

// fault is a scripted outcome of one driver call: Err is returned; with
// Apply the call takes effect first (a lost reply).
type fault struct {
	Err   error
	Apply bool
	// Before runs before the call (for example to cancel a context or to
	// let "someone else" change the tenant).
	Before func()
}

// scriptCall is one driver call as the script driver saw it.
type scriptCall struct {
	Op    string
	Start time.Time
	End   time.Time
	Err   error
	// StartSeq and EndSeq order the starts and ends of calls that happen at
	// the same virtual instant.
	StartSeq, EndSeq int
}

// scriptDriver is a small in-memory Driver with a per-operation script of
// faults and a call log. It has no lag unless Stale is set.
type scriptDriver struct {
	clk     mailops.Clock
	Latency time.Duration // each call sleeps this long on clk

	mu       sync.Mutex
	seq      int
	faults   map[string][]fault
	calls    []scriptCall
	inFlight int
	maxIn    int
	// Random, if set, is asked for a fault when none is scripted.
	Random func(op string) *fault
	// Stale makes the next n GetGroup calls report ErrNotFound (read lag).
	Stale      int
	domains    map[string]mailops.Domain
	recipients map[mailops.Address]mailops.Recipient
	groups     map[mailops.Address]mailops.Group
	outbound   map[string]mailops.OutboundConnector
	inbound    map[string]mailops.InboundConnector
	remote     map[string]mailops.RemoteDomain
	spam       map[string]mailops.OutboundSpamPolicy
	dkim       map[string]mailops.DkimSigningConfig
	trace      []mailops.TraceEntry
}

func newScriptDriver(clk mailops.Clock) *scriptDriver {
	return &scriptDriver{
		clk:        clk,
		faults:     map[string][]fault{},
		domains:    map[string]mailops.Domain{},
		recipients: map[mailops.Address]mailops.Recipient{},
		groups:     map[mailops.Address]mailops.Group{},
		outbound:   map[string]mailops.OutboundConnector{},
		inbound:    map[string]mailops.InboundConnector{},
		remote:     map[string]mailops.RemoteDomain{"Default": {Name: "Default", DomainName: "*", AutoForwardEnabled: mailops.BoolPtr(true)}},
		spam:       map[string]mailops.OutboundSpamPolicy{"Default": {Name: "Default", AutoForwardingMode: mailops.AutoForwardAutomatic}},
		dkim:       map[string]mailops.DkimSigningConfig{},
	}
}

// script queues faults for op's next calls.
func (d *scriptDriver) script(op string, fs ...fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults[op] = append(d.faults[op], fs...)
}

func (d *scriptDriver) addVerified(names ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range names {
		d.domains[n] = mailops.Domain{Name: n, Type: mailops.Authoritative, Verified: true}
	}
}

// putMailbox adds mailboxes (security principals) without a call.
func (d *scriptDriver) putMailbox(addrs ...mailops.Address) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range addrs {
		d.recipients[a] = mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}
	}
}

// countAfter counts the calls of op made after the first call of first.
func (d *scriptDriver) countAfter(first, op string) int {
	n, seen := 0, false
	for _, c := range d.Calls() {
		switch {
		case c.Op == first:
			seen = true
		case seen && c.Op == op:
			n++
		}
	}
	return n
}

func (d *scriptDriver) Calls() []scriptCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.calls)
}

func (d *scriptDriver) ops() []string {
	var out []string
	for _, c := range d.Calls() {
		out = append(out, c.Op)
	}
	return out
}

func (d *scriptDriver) count(op string) int {
	n := 0
	for _, c := range d.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

func (d *scriptDriver) MaxInFlight() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.maxIn
}

// run performs one call: latency, the scripted fault, then apply (under the
// lock) unless the fault says otherwise.
func (d *scriptDriver) run(ctx context.Context, op string, apply func() error) error {
	start := d.clk.Now()
	d.mu.Lock()
	d.seq++
	startSeq := d.seq
	d.inFlight++
	d.maxIn = max(d.maxIn, d.inFlight)
	var f *fault
	if q := d.faults[op]; len(q) > 0 {
		f = &q[0]
		d.faults[op] = q[1:]
	} else if d.Random != nil {
		f = d.Random(op)
	}
	d.mu.Unlock()
	if f != nil && f.Before != nil {
		f.Before()
	}
	var err error
	if d.Latency > 0 {
		err = d.clk.Sleep(ctx, d.Latency)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inFlight--
	if err == nil {
		switch {
		case f == nil:
			err = apply()
		case f.Apply:
			if aerr := apply(); aerr != nil {
				err = aerr
			} else {
				err = f.Err
			}
		default:
			err = f.Err
		}
	}
	d.seq++
	d.calls = append(d.calls, scriptCall{Op: op, Start: start, End: d.clk.Now(), Err: err, StartSeq: startSeq, EndSeq: d.seq})
	return err
}

func notFound(kind, id string) error { return fmt.Errorf("%s %s: %w", kind, id, mailops.ErrNotFound) }
func exists(kind, id string) error   { return fmt.Errorf("%s %s: %w", kind, id, mailops.ErrExists) }

func sortedValues[K comparable, V any](m map[K]V, key func(V) string) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b V) int {
		switch ka, kb := key(a), key(b); {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	return out
}

func (d *scriptDriver) AddDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	err := d.run(ctx, "AddDomain", func() error {
		if _, ok := d.domains[name]; ok {
			return exists("domain", name)
		}
		out = mailops.Domain{Name: name, Type: mailops.Authoritative}
		d.domains[name] = out
		return nil
	})
	return out, err
}

func (d *scriptDriver) VerifyDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	err := d.run(ctx, "VerifyDomain", func() error {
		dom, ok := d.domains[name]
		if !ok {
			return notFound("domain", name)
		}
		dom.Verified = true
		d.domains[name], out = dom, dom
		return nil
	})
	return out, err
}

func (d *scriptDriver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	err := d.run(ctx, "GetDomain", func() error {
		dom, ok := d.domains[name]
		if !ok {
			return notFound("domain", name)
		}
		out = dom
		return nil
	})
	return out, err
}

func (d *scriptDriver) ListDomains(ctx context.Context) ([]mailops.Domain, error) {
	var out []mailops.Domain
	err := d.run(ctx, "ListDomains", func() error {
		out = sortedValues(d.domains, func(x mailops.Domain) string { return x.Name })
		return nil
	})
	return out, err
}

func (d *scriptDriver) SetDomainType(ctx context.Context, name string, t mailops.DomainType) error {
	return d.run(ctx, "SetDomainType", func() error {
		dom, ok := d.domains[name]
		if !ok {
			return notFound("domain", name)
		}
		if !dom.Verified {
			return fmt.Errorf("domain %s: %w", name, mailops.ErrNotVerified)
		}
		dom.Type = t
		d.domains[name] = dom
		return nil
	})
}

func (d *scriptDriver) RemoveDomain(ctx context.Context, name string) error {
	return d.run(ctx, "RemoveDomain", func() error {
		if _, ok := d.domains[name]; !ok {
			return notFound("domain", name)
		}
		delete(d.domains, name)
		return nil
	})
}

func (d *scriptDriver) CreateRecipient(ctx context.Context, r mailops.Recipient) error {
	return d.run(ctx, "CreateRecipient", func() error {
		if _, ok := d.recipients[r.Address]; ok {
			return exists("recipient", string(r.Address))
		}
		d.recipients[r.Address] = r
		return nil
	})
}

func (d *scriptDriver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	var out mailops.Recipient
	err := d.run(ctx, "GetRecipient", func() error {
		r, ok := d.recipients[a]
		if !ok {
			return notFound("recipient", string(a))
		}
		out = r
		return nil
	})
	return out, err
}

func (d *scriptDriver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	var out []mailops.Recipient
	err := d.run(ctx, "ListRecipients", func() error {
		out = sortedValues(d.recipients, func(x mailops.Recipient) string { return string(x.Address) })
		return nil
	})
	return out, err
}

func (d *scriptDriver) updateRecipient(ctx context.Context, op string, a mailops.Address, fn func(*mailops.Recipient)) error {
	return d.run(ctx, op, func() error {
		r, ok := d.recipients[a]
		if !ok {
			return notFound("recipient", string(a))
		}
		fn(&r)
		d.recipients[a] = r
		return nil
	})
}

func (d *scriptDriver) SetSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	return d.updateRecipient(ctx, "SetSimpleDisplayName", a, func(r *mailops.Recipient) { r.SimpleDisplayName = name })
}

func (d *scriptDriver) SetForwarding(ctx context.Context, a mailops.Address, f mailops.Forwarding) error {
	return d.updateRecipient(ctx, "SetForwarding", a, func(r *mailops.Recipient) {
		r.ForwardingAddress, r.ForwardingSmtpAddress, r.DeliverToMailboxAndForward = f.Address, f.SmtpAddress, f.KeepCopy
	})
}

func (d *scriptDriver) DeleteRecipient(ctx context.Context, a mailops.Address) error {
	return d.run(ctx, "DeleteRecipient", func() error {
		if _, ok := d.recipients[a]; !ok {
			return notFound("recipient", string(a))
		}
		delete(d.recipients, a)
		return nil
	})
}

func (d *scriptDriver) CreateGroup(ctx context.Context, g mailops.Group) error {
	return d.run(ctx, "CreateGroup", func() error {
		if _, ok := d.groups[g.PrimaryAddress]; ok {
			return exists("group", string(g.PrimaryAddress))
		}
		d.groups[g.PrimaryAddress] = g
		return nil
	})
}

// putGroup stores g directly, as another admin would.
func (d *scriptDriver) putGroup(g mailops.Group) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.groups[g.PrimaryAddress] = g
}

func (d *scriptDriver) GetGroup(ctx context.Context, a mailops.Address) (mailops.Group, error) {
	var out mailops.Group
	err := d.run(ctx, "GetGroup", func() error {
		g, ok := d.groups[a]
		if !ok || d.Stale > 0 {
			d.Stale = max(d.Stale-1, 0)
			return notFound("group", string(a))
		}
		out = g
		return nil
	})
	return out, err
}

func (d *scriptDriver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	var out []mailops.Group
	err := d.run(ctx, "ListGroups", func() error {
		out = sortedValues(d.groups, func(x mailops.Group) string { return string(x.PrimaryAddress) })
		return nil
	})
	return out, err
}

func (d *scriptDriver) updateGroup(ctx context.Context, op string, a mailops.Address, fn func(*mailops.Group)) error {
	return d.run(ctx, op, func() error {
		g, ok := d.groups[a]
		if !ok {
			return notFound("group", string(a))
		}
		fn(&g)
		d.groups[a] = g
		return nil
	})
}

func (d *scriptDriver) SetGroupMembers(ctx context.Context, a mailops.Address, m []mailops.Address) error {
	return d.updateGroup(ctx, "SetGroupMembers", a, func(g *mailops.Group) { g.Members = m })
}

func (d *scriptDriver) SetGroupSenderAuthentication(ctx context.Context, a mailops.Address, req bool) error {
	return d.updateGroup(ctx, "SetGroupSenderAuthentication", a, func(g *mailops.Group) { g.RequireSenderAuthentication = req })
}

func (d *scriptDriver) GrantSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return d.updateGroup(ctx, "GrantSendAs", group, func(g *mailops.Group) {
		if !slices.Contains(g.SendAs, trustee) {
			g.SendAs = append(slices.Clone(g.SendAs), trustee)
		}
	})
}

func (d *scriptDriver) RevokeSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return d.updateGroup(ctx, "RevokeSendAs", group, func(g *mailops.Group) {
		g.SendAs = slices.DeleteFunc(slices.Clone(g.SendAs), func(x mailops.Address) bool { return x == trustee })
	})
}

func (d *scriptDriver) DeleteGroup(ctx context.Context, a mailops.Address) error {
	return d.run(ctx, "DeleteGroup", func() error {
		if _, ok := d.groups[a]; !ok {
			return notFound("group", string(a))
		}
		delete(d.groups, a)
		return nil
	})
}

func (d *scriptDriver) CreateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	return d.run(ctx, "CreateOutboundConnector", func() error {
		if _, ok := d.outbound[c.Name]; ok {
			return exists("outbound connector", c.Name)
		}
		d.outbound[c.Name] = c
		return nil
	})
}

func (d *scriptDriver) GetOutboundConnector(ctx context.Context, name string) (mailops.OutboundConnector, error) {
	var out mailops.OutboundConnector
	err := d.run(ctx, "GetOutboundConnector", func() error {
		c, ok := d.outbound[name]
		if !ok {
			return notFound("outbound connector", name)
		}
		out = c
		return nil
	})
	return out, err
}

func (d *scriptDriver) ListOutboundConnectors(ctx context.Context) ([]mailops.OutboundConnector, error) {
	var out []mailops.OutboundConnector
	err := d.run(ctx, "ListOutboundConnectors", func() error {
		out = sortedValues(d.outbound, func(x mailops.OutboundConnector) string { return x.Name })
		return nil
	})
	return out, err
}

func (d *scriptDriver) UpdateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	return d.run(ctx, "UpdateOutboundConnector", func() error {
		if _, ok := d.outbound[c.Name]; !ok {
			return notFound("outbound connector", c.Name)
		}
		d.outbound[c.Name] = c
		return nil
	})
}

func (d *scriptDriver) DeleteOutboundConnector(ctx context.Context, name string) error {
	return d.run(ctx, "DeleteOutboundConnector", func() error {
		if _, ok := d.outbound[name]; !ok {
			return notFound("outbound connector", name)
		}
		delete(d.outbound, name)
		return nil
	})
}

func (d *scriptDriver) CreateInboundConnector(ctx context.Context, c mailops.InboundConnector) error {
	return d.run(ctx, "CreateInboundConnector", func() error {
		if _, ok := d.inbound[c.Name]; ok {
			return exists("inbound connector", c.Name)
		}
		d.inbound[c.Name] = c
		return nil
	})
}

func (d *scriptDriver) GetInboundConnector(ctx context.Context, name string) (mailops.InboundConnector, error) {
	var out mailops.InboundConnector
	err := d.run(ctx, "GetInboundConnector", func() error {
		c, ok := d.inbound[name]
		if !ok {
			return notFound("inbound connector", name)
		}
		out = c
		return nil
	})
	return out, err
}

func (d *scriptDriver) ListInboundConnectors(ctx context.Context) ([]mailops.InboundConnector, error) {
	var out []mailops.InboundConnector
	err := d.run(ctx, "ListInboundConnectors", func() error {
		out = sortedValues(d.inbound, func(x mailops.InboundConnector) string { return x.Name })
		return nil
	})
	return out, err
}

func (d *scriptDriver) DeleteInboundConnector(ctx context.Context, name string) error {
	return d.run(ctx, "DeleteInboundConnector", func() error {
		if _, ok := d.inbound[name]; !ok {
			return notFound("inbound connector", name)
		}
		delete(d.inbound, name)
		return nil
	})
}

func (d *scriptDriver) CreateRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	return d.run(ctx, "CreateRemoteDomain", func() error {
		if _, ok := d.remote[r.Name]; ok {
			return exists("remote domain", r.Name)
		}
		d.remote[r.Name] = r
		return nil
	})
}

func (d *scriptDriver) GetRemoteDomain(ctx context.Context, name string) (mailops.RemoteDomain, error) {
	var out mailops.RemoteDomain
	err := d.run(ctx, "GetRemoteDomain", func() error {
		r, ok := d.remote[name]
		if !ok {
			return notFound("remote domain", name)
		}
		out = r
		return nil
	})
	return out, err
}

func (d *scriptDriver) ListRemoteDomains(ctx context.Context) ([]mailops.RemoteDomain, error) {
	var out []mailops.RemoteDomain
	err := d.run(ctx, "ListRemoteDomains", func() error {
		out = sortedValues(d.remote, func(x mailops.RemoteDomain) string { return x.Name })
		return nil
	})
	return out, err
}

func (d *scriptDriver) SetRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	return d.run(ctx, "SetRemoteDomain", func() error {
		if _, ok := d.remote[r.Name]; !ok {
			return notFound("remote domain", r.Name)
		}
		d.remote[r.Name] = r
		return nil
	})
}

func (d *scriptDriver) DeleteRemoteDomain(ctx context.Context, name string) error {
	return d.run(ctx, "DeleteRemoteDomain", func() error {
		if _, ok := d.remote[name]; !ok {
			return notFound("remote domain", name)
		}
		if name == mailops.DefaultRemoteDomain {
			return fmt.Errorf("remote domain Default: %w", mailops.ErrForbidden)
		}
		delete(d.remote, name)
		return nil
	})
}

var _ mailops.Driver = (*scriptDriver)(nil)

// retryAfterOf returns the Retry-After of a throttled error, else 0.
func retryAfterOf(err error) time.Duration {
	var te *mailops.ThrottledError
	if errors.As(err, &te) {
		return te.RetryAfter
	}
	return 0
}

func (d *scriptDriver) TakeOverDomain(ctx context.Context, name string) (mailops.Domain, error) {
	var out mailops.Domain
	err := d.run(ctx, "TakeOverDomain", func() error {
		dom := d.domains[name]
		dom.Name, dom.Verified = name, true
		d.domains[name], out = dom, dom
		return nil
	})
	return out, err
}

func (d *scriptDriver) EnableEmail(ctx context.Context, name string) error {
	return d.run(ctx, "EnableEmail", func() error {
		dom, ok := d.domains[name]
		if !ok {
			return notFound("domain", name)
		}
		if !dom.Verified {
			return fmt.Errorf("domain %s: %w", name, mailops.ErrNotVerified)
		}
		if !slices.Contains(dom.SupportedServices, "Email") {
			dom.SupportedServices = append(slices.Clone(dom.SupportedServices), "Email")
		}
		if dom.Type == "" {
			dom.Type = mailops.Authoritative
		}
		d.domains[name] = dom
		return nil
	})
}

func (d *scriptDriver) SetGroupSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	return d.updateGroup(ctx, "SetGroupSimpleDisplayName", a, func(g *mailops.Group) { g.SimpleDisplayName = name })
}

func (d *scriptDriver) GetOutboundSpamPolicy(ctx context.Context, name string) (mailops.OutboundSpamPolicy, error) {
	var out mailops.OutboundSpamPolicy
	err := d.run(ctx, "GetOutboundSpamPolicy", func() error {
		p, ok := d.spam[name]
		if !ok {
			return notFound("policy", name)
		}
		out = p
		return nil
	})
	return out, err
}

func (d *scriptDriver) SetOutboundSpamPolicy(ctx context.Context, p mailops.OutboundSpamPolicy) error {
	return d.run(ctx, "SetOutboundSpamPolicy", func() error {
		if _, ok := d.spam[p.Name]; !ok {
			return notFound("policy", p.Name)
		}
		d.spam[p.Name] = p
		return nil
	})
}

func (d *scriptDriver) GetDkimSigningConfig(ctx context.Context, domain string) (mailops.DkimSigningConfig, error) {
	var out mailops.DkimSigningConfig
	err := d.run(ctx, "GetDkimSigningConfig", func() error {
		c, ok := d.dkim[domain]
		if !ok {
			return notFound("dkim", domain)
		}
		out = c
		return nil
	})
	return out, err
}

func (d *scriptDriver) CreateDkimSigningConfig(ctx context.Context, domain string, enabled bool) error {
	return d.run(ctx, "CreateDkimSigningConfig", func() error {
		if _, ok := d.dkim[domain]; ok {
			return exists("dkim", domain)
		}
		d.dkim[domain] = mailops.DkimSigningConfig{Domain: domain, Enabled: enabled,
			Selector1CNAME: "selector1-" + domain + "._domainkey.example.onmicrosoft.com",
			Selector2CNAME: "selector2-" + domain + "._domainkey.example.onmicrosoft.com"}
		return nil
	})
}

func (d *scriptDriver) SetDkimSigning(ctx context.Context, domain string, enabled bool) error {
	return d.run(ctx, "SetDkimSigning", func() error {
		c, ok := d.dkim[domain]
		if !ok {
			return notFound("dkim", domain)
		}
		c.Enabled = enabled
		d.dkim[domain] = c
		return nil
	})
}

func (d *scriptDriver) MessageTrace(ctx context.Context, q mailops.TraceQuery) ([]mailops.TraceEntry, error) {
	var out []mailops.TraceEntry
	err := d.run(ctx, "MessageTrace", func() error {
		for _, e := range d.trace {
			if !e.Received.Before(q.Start) && e.Received.Before(q.End) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}
