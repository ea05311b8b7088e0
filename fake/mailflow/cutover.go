package mailflow

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// CutoverScenario is DESIGN.md's second migration as a world: an on-premises
// server replaced by Exchange Online for one domain.
type CutoverScenario struct {
	Domain      string // e.g. maker.example.co.jp
	LegacyHost  string
	Users       int
	Departments int
	PerHour     float64
	// ParallelRun and Decommission shorten the source migration's two
	// weeks and one month for simulation.
	ParallelRun, Decommission time.Duration
	// Spec, when set, is the user's own cutover (from a spec file): its
	// users, department addresses, admin and device relay replace the
	// generated ones (Users and Departments are then ignored).
	Spec *runbook.CutoverSpec
}

// DefaultCutoverScenario returns a small manufacturer.
func DefaultCutoverScenario(users int) CutoverScenario {
	return CutoverScenario{Domain: "maker.example.co.jp", LegacyHost: "mail.maker.example.co.jp", Users: max(3, users),
		Departments: max(1, users/5), PerHour: 60, ParallelRun: 24 * time.Hour, Decommission: 48 * time.Hour}
}

// Cutover is a built cutover scenario.
type Cutover struct {
	*World
	Scenario CutoverScenario
	Legacy   *Legacy
	Users    []mailops.Address
	Spec     runbook.CutoverSpec
	// The differential check of a world built from a spec
	// (NewCutoverFromSpec).
	legacySide map[mailops.Address][]string
	probes     map[mailops.Address]*Message
	chains     map[string][]string
	external   map[mailops.Address]bool
}

// NewCutover builds the world: every user and department address on the
// legacy server, a partner on Exchange Online and internet senders writing to
// them. People read their legacy mailbox until the server stops, and their
// Exchange Online mailbox once their client is configured (the runbook's
// autodiscover step, or the MX switch when there is none).
func NewCutover(cfg Config, sc CutoverScenario) (*Cutover, error) {
	w := NewWorld(cfg)
	r := rand.New(rand.NewPCG(cfg.Seed, 78))
	c := &Cutover{World: w, Scenario: sc}
	d := sc.Domain
	c.Legacy = w.AddLegacy(sc.LegacyHost, 24*time.Hour, d)
	w.AddInternetDomain("gmail.example")
	partner := []mailops.Address{"sato@partner.example"}
	internet := []mailops.Address{"alice@gmail.example"}
	var err error
	w.s.GoNamed("setup", func() {
		err = provisionTenant(context.Background(), w, w.partner, "partner.example", partner)
	})
	if rerr := w.s.Run(); rerr != nil || err != nil {
		return nil, fmt.Errorf("mailflow: cutover set-up: %v %w", rerr, err)
	}
	if err := w.PointMXAtEXO("partner.example", time.Hour); err != nil {
		return nil, err
	}
	if err := w.s.RunFor(2 * time.Hour); err != nil {
		return nil, err
	}
	for _, p := range append(partner, internet...) {
		w.expect.Address(p, string(p))
	}
	w.expect.Reads(string(partner[0]), EXOMailbox("partner", partner[0]), time.Time{}, time.Time{})
	w.expect.Reads(string(internet[0]), InternetMailbox(internet[0]), time.Time{}, time.Time{})

	if sc.Spec != nil {
		return c.fromSpec(*sc.Spec, partner, internet)
	}
	spec := runbook.CutoverSpec{Domain: d, LegacyMX: sc.LegacyHost, LegacyMXTTL: 24 * time.Hour, Admin: mailops.Address("it@" + d),
		ParallelRun: sc.ParallelRun, Decommission: sc.Decommission, RelayAccount: mailops.Address("relay@" + d),
		DeviceNetworks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, InitialDomain: "maker.onmicrosoft.com"}
	users := []mailops.Address{spec.Admin}
	for i := 0; i < sc.Users; i++ {
		users = append(users, mailops.Address(fmt.Sprintf("user%02d@%s", i, d)))
	}
	c.Users = users
	for i, u := range users {
		c.Legacy.AddMailbox(u)
		w.expect.Address(u, string(u))
		w.expect.Reads(string(u), LegacyMailbox(u), time.Time{}, time.Time{})
		spec.Users = append(spec.Users, runbook.UserSpec{Address: u, DisplayName: fmt.Sprintf("社員 %02d", i)})
	}
	var to []mailops.Address
	for i := 0; i < sc.Departments; i++ {
		a := mailops.Address(fmt.Sprintf("dept%02d@%s", i, d))
		n := 1 + r.IntN(min(3, len(users)))
		seen := map[mailops.Address]bool{}
		var members []mailops.Address
		var people []string
		for len(members) < n {
			u := users[r.IntN(len(users))]
			if !seen[u] {
				seen[u] = true
				members = append(members, u)
				people = append(people, string(u))
			}
		}
		c.Legacy.SetAlias(a, members...)
		w.expect.Address(a, people...)
		spec.Departments = append(spec.Departments, runbook.DepartmentSpec{Address: a, DisplayName: fmt.Sprintf("部署 %02d", i), Members: members, External: true})
		to = append(to, a)
	}
	c.Spec = spec
	start := w.s.Now()
	until := start.Add(sc.ParallelRun + sc.Decommission + 24*time.Hour)
	w.StartTraffic("cutover", Traffic{PerHour: sc.PerHour, From: start, Until: until, Internet: internet, Partner: partner, To: append(append([]mailops.Address(nil), to...), users...)})
	return c, nil
}

// fromSpec fills the world from the user's own cutover spec: each user a
// legacy mailbox the person reads, each department address an alias to its
// members, traffic to all of them.
func (c *Cutover) fromSpec(spec runbook.CutoverSpec, partner, internet []mailops.Address) (*Cutover, error) {
	w, sc := c.World, c.Scenario
	if spec.ParallelRun == 0 {
		spec.ParallelRun = sc.ParallelRun
	}
	if spec.Decommission == 0 {
		spec.Decommission = sc.Decommission
	}
	c.Scenario.ParallelRun, c.Scenario.Decommission = spec.ParallelRun, spec.Decommission
	for _, u := range spec.Users {
		c.Users = append(c.Users, u.Address)
		c.Legacy.AddMailbox(u.Address)
		w.expect.Address(u.Address, string(u.Address))
		w.expect.Reads(string(u.Address), LegacyMailbox(u.Address), time.Time{}, time.Time{})
	}
	var to []mailops.Address
	for _, dp := range spec.Departments {
		c.Legacy.SetAlias(dp.Address, dp.Members...)
		var people []string
		for _, m := range dp.Members {
			people = append(people, string(m))
		}
		w.expect.Address(dp.Address, people...)
		if dp.External {
			to = append(to, dp.Address)
		}
	}
	c.Spec = spec
	start := w.s.Now()
	until := start.Add(spec.ParallelRun + spec.Decommission + 24*time.Hour)
	// Internal-only department addresses get no outside traffic (the
	// people have no Exchange Online mailbox to send from before the
	// cutover); the probes after it reach them from inside.
	w.StartTraffic("cutover", Traffic{PerHour: sc.PerHour, From: start, Until: until, Internet: internet, Partner: partner,
		To: append(append([]mailops.Address(nil), to...), c.Users...)})
	return c, nil
}

func provisionTenant(ctx context.Context, w *World, t interface {
	Driver(string) mailops.Driver
}, domain string, people []mailops.Address) error {
	cl := mailops.NewClient(t.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
	dom, err := cl.AddDomain(ctx, domain)
	if err != nil {
		return err
	}
	if err := w.dns.Publish(ctx, mailops.DNSChange{Domain: domain, Add: dom.VerificationRecords[:1]}); err != nil {
		return err
	}
	if _, err := cl.VerifyDomain(ctx, domain); err != nil {
		return err
	}
	if err := cl.EnableEmail(ctx, domain); err != nil {
		return err
	}
	if err := cl.AwaitAccepted(ctx, domain); err != nil {
		return err
	}
	for _, p := range people {
		if err := cl.CreateRecipient(ctx, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: p.Local()}); err != nil {
			return err
		}
	}
	return nil
}

// StartRunbook runs the cutover runbook (or a known-bad variant) from at. As
// steps complete, people start reading Exchange Online (autodiscover, or the
// MX switch without it), users of the tenant and devices start sending, and
// when the plan ends the legacy server stops.
func (c *Cutover) StartRunbook(at time.Time, unsafe runbook.Unsafe, logger *slog.Logger) *Migration {
	return c.StartRunbookCrashing(at, unsafe, 0, logger)
}

// StartRunbookCrashing is StartRunbook with a runner crash after crashAfter
// progress events (0: none) and a resume from the journal.
func (c *Cutover) StartRunbookCrashing(at time.Time, unsafe runbook.Unsafe, crashAfter int, logger *slog.Logger) *Migration {
	m := &Migration{CrashAfter: crashAfter, NoCrashIn: gapSteps}
	spec := c.Spec
	spec.Unsafe = unsafe
	var ignore []string
	if unsafe == runbook.UnsafeLowPriorityMX {
		ignore = append(ignore, "autodiscover.missing") // the variant replaced the autodiscover CNAME
	}
	spec.Gates = c.Gates(spec.InitialDomain, nil, ignore...)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reading := false
	// People start reading Exchange Online during the run, which changes
	// the verdict on copies delivered there before: the ledger holds the
	// messages that end meanwhile from settling early until then.
	releaseReads := c.ledger.hold()
	startReading := func(now time.Time) {
		if reading {
			return
		}
		reading = true
		for _, u := range c.Users {
			c.expect.Reads(string(u), EXOMailbox("ours", u), now, time.Time{})
		}
		releaseReads()
		c.StartTraffic("cutover-internal", Traffic{PerHour: c.Scenario.PerHour / 2, From: now, Until: now.Add(c.Scenario.ParallelRun + c.Scenario.Decommission),
			Internal: c.Users, To: c.Users, Outside: []mailops.Address{"alice@gmail.example"}})
	}
	c.s.At(at, "runbook", func() {
		c.s.GoNamed("runbook", func() {
			ctx := context.Background()
			m.Started = c.s.Now()
			defer func() {
				m.Done, m.Finished = true, c.s.Now()
				c.Legacy.Stop()
			}()
			cl := mailops.NewClient(c.tenant.Driver("admin@maker.onmicrosoft.com"), mailops.Options{Clock: c.s, Logger: logger, WaitConsistent: true})
			plan, err := runbook.CutoverPlan(spec, cl)
			if err != nil {
				m.Err = err
				return
			}
			m.Plan = plan
			m.Err = runWithCrash(ctx, c.World, m, plan, spec.Domain, cl, logger, func(p mailops.Progress) {
				if p.Event != "done" {
					return
				}
				switch {
				case p.Step == "autodiscover", p.Step == "mx-switch" && p.Kind == "dns":
					startReading(p.At)
				case p.Step == "device-relay":
					c.AddRelay("relay."+c.Scenario.Domain, spec.RelayAccount, spec.DeviceNetworks...)
					c.StartTraffic("devices", Traffic{PerHour: 6, From: p.At, Until: p.At.Add(c.Scenario.Decommission),
						Devices: []Device{{Relay: "relay." + c.Scenario.Domain, Client: deviceAddr(spec.DeviceNetworks), From: mailops.Address("nas@" + c.Scenario.Domain)}},
						To:      c.Users})
				}
			})
		})
	})
	return m
}

// deviceAddr is a device's address inside the first allowed network (the
// network's second address: its first host).
func deviceAddr(nets []netip.Prefix) netip.Addr {
	if len(nets) == 0 {
		return netip.MustParseAddr("10.1.2.3")
	}
	return nets[0].Masked().Addr().Next()
}
