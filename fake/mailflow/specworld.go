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
	"github.com/mailops-dev/mailops/mailops/spec"
)

// SpecWorld is a world built from a user's migration spec (package
// mailops/spec): the tenant as the spec describes it (domains, mailboxes,
// contacts, forwarding), partners, one legacy server per department holding
// the department's addresses as the legacy server delivers them (the spec's
// expectations, from the importer's resolution), traffic, and the oracle's
// expectations: every address reaches the same mailboxes before and after
// the migration.
type SpecWorld struct {
	*World
	File *spec.File
	// Start is when traffic starts.
	Start time.Time
	// Legacy holds each department's legacy server by domain.
	Legacy map[string]*Legacy
	// Runbooks are the department runbook specs the world runs.
	Runbooks []runbook.ConsolidationSpec
	// legacySide maps each migrated address to its legacy deliveries.
	legacySide map[mailops.Address][]string
	probes     map[mailops.Address]*Message
	// partnerOnEXO and partnerInternet send as the spec's partners.
	partnerOnEXO, partnerInternet []mailops.Address
	// external are the migrated addresses that take mail from outside
	// the tenant.
	external map[mailops.Address]bool
	// list is the list domain of a ListDomain spec.
	list *listWorld
}

// NewSpecWorld builds the world for a Consolidation, University or
// ListDomain spec and runs its set-up in virtual time; it returns at the
// start of traffic.
func NewSpecWorld(cfg Config, f *spec.File) (*SpecWorld, error) {
	w := &SpecWorld{World: NewWorld(cfg), File: f, Legacy: map[string]*Legacy{},
		legacySide: map[mailops.Address][]string{}, probes: map[mailops.Address]*Message{}, external: map[mailops.Address]bool{}}
	switch f.Kind {
	case spec.Consolidation, spec.University:
		rbs, err := f.ConsolidationRunbooks()
		if err != nil {
			return nil, err
		}
		w.Runbooks = rbs
	case spec.ListDomain:
		s, err := f.ListDomainRunbook()
		if err != nil {
			return nil, err
		}
		w.list = &listWorld{spec: s}
	default:
		return nil, fmt.Errorf("mailflow: a spec world holds Consolidation, University and ListDomain specs (a %s spec: NewCutoverFromSpec for Cutover)", f.Kind)
	}
	if err := w.setUpTenant(); err != nil {
		return nil, err
	}
	if w.list != nil {
		if err := w.setUpListServer(); err != nil {
			return nil, err
		}
	} else {
		w.setUpLegacy()
	}
	if err := w.publishZones(); err != nil {
		return nil, err
	}
	if err := w.s.RunFor(time.Hour); err != nil {
		return nil, err
	}
	w.Start = w.s.Now()
	w.startTraffic()
	return w, nil
}

// externals are the addresses outside the tenant the spec names: contacts
// and targets in no tenant domain.
func (w *SpecWorld) externals() []mailops.Address {
	var out []mailops.Address
	for _, r := range w.File.Recipients() {
		if r.Kind == mailops.MailContact {
			out = append(out, r.Address)
		}
	}
	return out
}

// publishZones publishes the spec's legacy zones (SPF, CNAMEs, addresses;
// each department's MX is its legacy server's, set by AddLegacy).
func (w *SpecWorld) publishZones() error {
	for _, z := range w.File.DNS {
		recs, err := z.Load(w.File.Dir)
		if err != nil {
			return err
		}
		var add []mailops.DNSRecord
		for _, r := range recs {
			if r.Type != "MX" {
				add = append(add, r)
			}
			if err := w.checkLegacySPF(z.Origin, r); err != nil {
				return err
			}
		}
		if len(add) == 0 {
			continue
		}
		var perr error
		w.s.GoNamed("publish zone "+z.Origin, func() {
			perr = w.dns.Publish(context.Background(), mailops.DNSChange{Domain: z.Origin, Add: add})
		})
		if err := w.s.Run(); err != nil {
			return err
		}
		if perr != nil {
			return fmt.Errorf("mailflow: publishing zone %s: %w", z.Origin, perr)
		}
	}
	return nil
}

// checkLegacySPF refuses a zone whose SPF record the department's
// legacySPF does not name: the MX switch replaces legacySPF, and a zone left
// with two SPF records fails the DNS gate forever (RFC 7208 permerror).
func (w *SpecWorld) checkLegacySPF(origin string, r mailops.DNSRecord) error {
	if r.Type != "TXT" || r.Label != "@" || !strings.HasPrefix(r.Value, "v=spf1") {
		return nil
	}
	for i, d := range w.File.Departments {
		if d.Domain == origin && d.LegacySPF != r.Value {
			return &mailops.ValidationError{Field: fmt.Sprintf("departments[%d].legacySPF", i), Value: d.LegacySPF,
				Reason: fmt.Sprintf("the zone publishes %q: give it here so that the MX switch replaces it (two SPF records are a permanent error)", r.Value)}
		}
	}
	return nil
}

// partnerSenders sets up the spec's partners: one on Exchange Online gets
// its domains in the partner tenant with a mailbox that sends; others are
// internet domains. It returns the senders of each kind.
func (w *SpecWorld) partnerSenders(ctx context.Context) (onEXO, internet []mailops.Address, err error) {
	cl := mailops.NewClient(w.partner.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}})
	for _, p := range w.File.Tenant.Partners {
		for _, d := range p.Domains {
			sender := mailops.Address("sender@" + d)
			if !p.OnExchangeOnline {
				w.AddInternetDomain(d)
				internet = append(internet, sender)
				continue
			}
			if err := w.acceptDomain(ctx, cl, d); err != nil {
				return nil, nil, err
			}
			if err := cl.CreateRecipient(ctx, mailops.Recipient{Address: sender, Kind: mailops.Mailbox, DisplayName: p.Name}); err != nil {
				return nil, nil, err
			}
			onEXO = append(onEXO, sender)
		}
	}
	return onEXO, internet, nil
}

// setUpTenant adds the tenant's domains, people, contacts and forwarding.
func (w *SpecWorld) setUpTenant() error {
	for _, a := range w.externals() {
		w.AddInternetDomain(a.Domain())
	}
	w.AddInternetDomain("outside.example")
	var err error
	w.s.GoNamed("setup", func() {
		if err = w.setUpTenantProcess(context.Background()); err != nil {
			return
		}
		w.partnerOnEXO, w.partnerInternet, err = w.partnerSenders(context.Background())
	})
	if rerr := w.s.Run(); rerr != nil {
		return rerr
	}
	if err != nil {
		return fmt.Errorf("mailflow: spec world set-up: %w", err)
	}
	for _, d := range w.File.Tenant.Domains {
		if err := w.PointMXAtEXO(d, time.Hour); err != nil {
			return err
		}
	}
	for _, s := range w.partnerOnEXO {
		if err := w.PointMXAtEXO(s.Domain(), time.Hour); err != nil {
			return err
		}
		w.expect.Address(s, string(s))
		w.expect.Reads(string(s), EXOMailbox("partner", s), time.Time{}, time.Time{})
	}
	for _, s := range w.partnerInternet {
		w.expect.Address(s, string(s))
		w.expect.Reads(string(s), InternetMailbox(s), time.Time{}, time.Time{})
	}
	// Let the tenant's objects reach mail flow before anything moves.
	if err := w.s.RunFor(2 * time.Hour); err != nil {
		return err
	}
	for _, r := range w.File.Recipients() {
		mb := EXOMailbox("ours", r.Address)
		if r.Kind == mailops.MailContact {
			mb = InternetMailbox(r.Address)
		}
		w.expect.Address(r.Address, string(r.Address))
		w.expect.Reads(string(r.Address), mb, time.Time{}, time.Time{})
	}
	return nil
}

func (w *SpecWorld) setUpTenantProcess(ctx context.Context) error {
	cl := mailops.NewClient(w.tenant.Driver("setup"), mailops.Options{Clock: w.s, Retry: mailops.RetryOptions{MaxAttempts: 50}, AllowExternalMembers: true})
	for _, d := range w.File.Tenant.Domains {
		if err := w.acceptDomain(ctx, cl, d); err != nil {
			return err
		}
	}
	recipients := w.File.Recipients()
	for _, r := range recipients {
		r.ForwardingAddress, r.ForwardingSmtpAddress, r.DeliverToMailboxAndForward = "", "", false
		if err := cl.CreateRecipient(ctx, r); err != nil {
			return err
		}
	}
	forwards := false
	for _, r := range recipients {
		if f := r.Forwarding(); !f.IsZero() {
			forwards = true
			if err := cl.SetForwarding(ctx, r.Address, f); err != nil {
				return err
			}
		}
	}
	if forwards {
		// People forward to departmental addresses that are outside the
		// tenant until the department moves in: external forwarding is
		// the outbound spam policy's to allow (Automatic means Off).
		return cl.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn})
	}
	return nil
}

// acceptDomain adds, proves, verifies and accepts a domain of the tenant.
func (w *SpecWorld) acceptDomain(ctx context.Context, cl *mailops.Client, d string) error {
	dom, err := cl.AddDomain(ctx, d)
	if err != nil {
		return err
	}
	if !dom.Verified {
		if err := w.dns.Publish(ctx, mailops.DNSChange{Domain: d, Add: dom.VerificationRecords[:1]}); err != nil {
			return err
		}
		if _, err := cl.VerifyDomain(ctx, d); err != nil {
			return err
		}
	}
	if err := cl.EnableEmail(ctx, d); err != nil {
		return err
	}
	return cl.AwaitAccepted(ctx, d)
}

// setUpLegacy gives each department a legacy server whose addresses deliver
// where the importer says the real server does.
func (w *SpecWorld) setUpLegacy() {
	byDomain := map[string][]spec.Expectation{}
	for _, e := range w.File.Expect {
		d := mailops.Address(e.Address).Domain()
		byDomain[d] = append(byDomain[d], e)
	}
	for _, d := range w.File.Departments {
		l := w.AddLegacy(d.LegacyMX, max(d.LegacyMXTTL.D(), time.Minute), d.Domain)
		w.Legacy[d.Domain] = l
		exp := byDomain[d.Domain]
		for _, a := range d.Addresses {
			deliveries := a.Targets
			for _, e := range exp {
				if e.Address == a.Address {
					deliveries = e.Deliveries
				}
			}
			addr := mailops.Address(a.Address)
			var targets []mailops.Address
			for _, t := range deliveries {
				targets = append(targets, mailops.Address(t))
			}
			l.SetAlias(addr, targets...)
			w.expect.Address(addr, deliveries...)
			w.legacySide[addr] = slices.Clone(deliveries)
			w.external[addr] = a.External
		}
	}
}

func (w *SpecWorld) startTraffic() {
	perHour, dur := w.File.Traffic.PerHour, w.File.Traffic.Duration.D()
	if perHour == 0 {
		perHour = 100
	}
	if dur == 0 {
		dur = 12 * time.Hour
	}
	var people, to, internalOnly []mailops.Address
	for _, m := range w.File.Tenant.Mailboxes {
		people = append(people, mailops.Address(m.Address))
	}
	for a := range w.legacySide {
		if w.external[a] {
			to = append(to, a)
		} else {
			// Only internal senders write to an internal-only address (its
			// group accepts only authenticated senders once restricted).
			internalOnly = append(internalOnly, a)
		}
	}
	slices.Sort(to)
	slices.Sort(internalOnly)
	to = append(to, people...)
	w.StartTraffic("spec", Traffic{PerHour: perHour, From: w.Start, Until: w.Start.Add(dur),
		Internet: append([]mailops.Address{"someone@outside.example"}, w.partnerInternet...), Partner: w.partnerOnEXO,
		Internal: people, To: to, InternalOnly: internalOnly, Outside: append(w.externals(), w.partnerInternet...)})
	w.expect.Address("someone@outside.example", "someone@outside.example")
	w.expect.Reads("someone@outside.example", InternetMailbox("someone@outside.example"), time.Time{}, time.Time{})
}

// StartMigrations runs every department's consolidation runbook from
// virtual time at, each through its own Client (so departments run
// concurrently, each under the Client's session bound).
func (w *SpecWorld) StartMigrations(at time.Time, logger *slog.Logger) []*Migration {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if w.list != nil {
		return []*Migration{w.startListMigration(at, logger)}
	}
	var out []*Migration
	allowExternal := len(w.externals()) > 0
	for _, rb := range w.Runbooks {
		m := &Migration{NoCrashIn: gapSteps}
		out = append(out, m)
		spec := rb
		spec.Gates = w.Gates(w.File.Tenant.Domains[0], nil, "autodiscover.missing")
		spec.GapCheck = &runbook.GapCheck{Clock: w.s, Report: func(_ string, rows []mailops.TraceEntry) {
			m.GapChecked, m.GapBounces = true, append(m.GapBounces, rows...)
		}}
		// Mail contacts listed in the spec are the user's explicit
		// allowance of external members.
		w.runConsolidation(at, "runbook "+spec.Domain, m, spec, w.tenant.Driver("admin-"+spec.Domain),
			mailops.Options{Clock: w.s, Logger: logger, WaitConsistent: true, AllowExternalMembers: allowExternal})
	}
	return out
}

// Probe sends one message to every migrated address at virtual time at:
// from the internet to addresses that receive external mail, from a tenant
// mailbox to internal-only ones (their groups accept only authenticated
// senders once the runbook has restricted them). The differential check
// reads where each one lands.
func (w *SpecWorld) Probe(at time.Time) {
	external := w.external
	var insider mailops.Address
	if len(w.File.Tenant.Mailboxes) > 0 {
		insider = mailops.Address(w.File.Tenant.Mailboxes[0].Address)
	}
	w.s.At(at, "probe", func() {
		addrs := make([]mailops.Address, 0, len(w.legacySide))
		for a := range w.legacySide {
			addrs = append(addrs, a)
		}
		slices.Sort(addrs)
		for _, a := range addrs {
			if external[a] || insider == "" {
				w.probes[a] = w.probe(w.SendFromInternet("someone@outside.example", "Probe", a))
			} else {
				w.probes[a] = w.probe(w.SendFromTenant(w.tenant, insider, "Probe", a))
			}
		}
	})
}

// Mismatch is an address Exchange Online delivers differently from the
// legacy server.
type Mismatch struct {
	Address string   `json:"address"`
	Legacy  []string `json:"legacy"`
	EXO     []string `json:"exo"`
	// Chain is the legacy alias chain, from the spec's expectations.
	Chain []string `json:"chain,omitempty"`
}

func (m Mismatch) String() string {
	s := fmt.Sprintf("%s: the legacy server delivers to [%s], Exchange Online to [%s]", m.Address, strings.Join(m.Legacy, " "), strings.Join(m.EXO, " "))
	if len(m.Chain) > 0 {
		s += " (legacy: " + strings.Join(m.Chain, "; ") + ")"
	}
	return s
}

// Differential compares, address by address, where the probes landed with
// where the legacy server delivers. Call it after the probes had time to
// arrive.
func (w *SpecWorld) Differential() []Mismatch {
	chains := map[string][]string{}
	for _, e := range w.File.Expect {
		for _, s := range e.Chain {
			chains[e.Address] = append(chains[e.Address], fmt.Sprintf("%s -> %s (%s)", s.From, s.To, s.Pos))
		}
	}
	return w.World.differential(w.legacySide, w.probes, chains)
}

// differential compares, address by address, where each probe landed with
// where the legacy server delivers.
func (w *World) differential(legacySide map[mailops.Address][]string, probes map[mailops.Address]*Message, chains map[string][]string) []Mismatch {
	addrs := make([]mailops.Address, 0, len(legacySide))
	for a := range legacySide {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	var out []Mismatch
	for _, a := range addrs {
		want := slices.Sorted(slices.Values(legacySide[a]))
		var got []string
		if m := probes[a]; m != nil {
			if st := w.ledger.pairOf(m.ID, a); st != nil {
				for _, d := range w.ledger.outcomes(st).deliveries {
					got = append(got, mailboxOwner(d.Mailbox))
				}
			}
		}
		got = slices.Compact(slices.Sorted(slices.Values(got)))
		if !slices.Equal(want, got) {
			out = append(out, Mismatch{Address: string(a), Legacy: want, EXO: got, Chain: chains[string(a)]})
		}
	}
	return out
}

// mailboxOwner is the address a mailbox belongs to ("legacy:" mailboxes keep
// their prefix: after the migration nobody should receive there).
func mailboxOwner(mb Mailbox) string {
	s := string(mb)
	switch {
	case strings.HasPrefix(s, "exo:"):
		if i := strings.Index(s[4:], ":"); i >= 0 {
			return s[4+i+1:]
		}
	case strings.HasPrefix(s, "internet:"):
		return strings.TrimPrefix(s, "internet:")
	}
	return s
}
