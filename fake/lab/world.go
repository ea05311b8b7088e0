package lab

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// world is the scenario's mail world with what the lab needs around it.
type world struct {
	*mailflow.World
	sc   *Scenario
	spec *mailflow.SpecWorld // Consolidation and University
	cut  *mailflow.Cutover   // Cutover
	// migs are the runbooks started so far.
	migs []*mailflow.Migration
	// roles maps a host role (legacy, exo, submission, internet, relay)
	// to the world's host name.
	roles map[string]string
	// domains are the migrated domains (their MX is watched).
	domains []string
	// addresses are the people and addresses of the scenario (IMAP users);
	// migrated the addresses that move.
	addresses []string
	migrated  []string
	start     time.Time
	// legacyStopped is when the legacy server stopped (zero: running).
	legacyStopped time.Time
}

// legacyServed reports whether the legacy server was still running at t
// (or is now, when t is in the future).
func (w *world) legacyServed(t time.Time) bool {
	if w.legacyStopped.IsZero() {
		return true
	}
	return w.legacyStopped.After(t)
}

// noteLegacy records when the legacy server stopped (the cutover runbook
// stops it at the end of its plan).
func (w *world) noteLegacy() {
	if !w.legacyStopped.IsZero() {
		return
	}
	running := true
	if w.cut != nil {
		running = w.cut.Legacy.Running()
	} else {
		for _, l := range w.spec.Legacy {
			running = running && l.Running()
		}
	}
	if !running {
		w.legacyStopped = w.Scheduler().Now()
	}
}

// labTenant is the tenant's behaviour in the lab: the defaults of
// reference/exo-facts.md (propagation delays, throttling) without per-call
// latency, so the admin API answers at once.
func labTenant() fake.TenantConfig {
	c := fake.DefaultTenantConfig()
	c.Latency = fake.Dist{}
	return c
}

// labEvents is how many recent events the lab's ledger keeps (GET
// /api/ledger shows them): with hops and deferrals kept, a message of the
// example scenarios makes three or four events (a submission, its hops, one
// delivery per target) and twelve on average in the forwarding-loop
// exercise, so 4,096 events are the last thousand messages, or the last few
// hundred in the loop, several times the 100 messages /api/ledger serves by
// default, in about a megabyte.
const labEvents = 4096

// labRetention is the lab's ledger: a message settles an hour after it was
// submitted once all its copies have ended, or at the latest when every
// sender has delivered, bounced or given up (the world's default), and only
// the counts and violations of settled pairs remain, plus the last
// labEvents events; hops
// and deferrals are kept (Config.KeepEvents) so that the last messages show
// them. The lab keeps its own running view (watch.go), so a lab runs for
// days in flat memory.
func labRetention() mailflow.Retention {
	return mailflow.Retention{Keep: mailflow.RetainLast, Last: labEvents, SettleDoneAfter: labSettle, TraceFor: labTrace}
}

// labSettle is how long the lab's ledger keeps a message after it was
// submitted once every copy of it has ended (delivered, bounced, dropped or
// looped; a copy still queued keeps it until the senders' 50-hour horizon):
// GET /api/ledger lists the last hour's messages and those still in flight.
// labTrace is how long message trace answers for a copy (Exchange Online's
// covers 90 days; a lab's exercises trace mail sent minutes before).
const (
	labSettle = time.Hour
	labTrace  = 4 * time.Hour
)

// buildWorld builds the scenario's world from seed, its ledger under
// retention r, and schedules its script; the world is at the start of
// traffic when it returns.
func buildWorld(sc *Scenario, seed uint64, r mailflow.Retention) (*world, error) {
	cfg := mailflow.Config{Seed: seed, Tenant: labTenant(), Partner: fake.InstantTenantConfig(),
		EXOIgnoresPreference: sc.EXOIgnoresPreference, KeepEvents: true, Retention: r}
	f := sc.file
	w := &world{sc: sc, roles: map[string]string{}}
	switch f.Kind {
	case spec.Cutover:
		c := f.Cutover
		perHour := f.Traffic.PerHour
		if perHour == 0 {
			perHour = 60
		}
		cs := mailflow.CutoverScenario{Domain: c.Domain, LegacyHost: c.LegacyMX, Users: max(3, len(c.Users)),
			Departments: max(1, len(c.Departments)), PerHour: perHour,
			ParallelRun: c.ParallelRun.D(), Decommission: c.Decommission.D()}
		if cs.ParallelRun == 0 {
			cs.ParallelRun = 24 * time.Hour
		}
		if cs.Decommission == 0 {
			cs.Decommission = 48 * time.Hour
		}
		cut, err := mailflow.NewCutover(cfg, cs)
		if err != nil {
			return nil, fmt.Errorf("lab: building the cutover world: %w", err)
		}
		w.World, w.cut = cut.World, cut
		w.roles["legacy"] = c.LegacyMX
		w.roles["relay"] = "relay." + c.Domain
		w.roles["internet"] = "mx.gmail.example"
		w.domains = []string{c.Domain}
		for _, u := range cut.Users {
			w.addresses = append(w.addresses, string(u))
			w.migrated = append(w.migrated, string(u))
		}
		w.addresses = append(w.addresses, "sato@partner.example", "alice@gmail.example")
	default:
		sw, err := mailflow.NewSpecWorld(cfg, f)
		if err != nil {
			return nil, fmt.Errorf("lab: building the world: %w", err)
		}
		w.World, w.spec = sw.World, sw
		for i, d := range f.Departments {
			role := "legacy"
			if i > 0 {
				role = "legacy-" + d.Domain
			}
			w.roles[role] = d.LegacyMX
			w.domains = append(w.domains, d.Domain)
			for _, a := range d.Addresses {
				w.addresses = append(w.addresses, strings.ToLower(a.Address))
				w.migrated = append(w.migrated, strings.ToLower(a.Address))
			}
		}
		w.roles["internet"] = "mx.outside.example"
		for _, r := range f.Recipients() {
			w.addresses = append(w.addresses, string(r.Address))
		}
		w.addresses = append(w.addresses, "someone@outside.example")
	}
	w.roles["exo"] = w.edgeHost()
	w.roles["submission"] = "smtp.office365.com"
	slices.Sort(w.addresses)
	w.addresses = slices.Compact(w.addresses)
	w.start = w.Scheduler().Now()
	if sc.MigrateAt != nil {
		w.Scheduler().At(w.start.Add(sc.MigrateAt.D()), "lab: scripted migration", w.migrate)
	}
	if err := w.startProfiles(); err != nil {
		return nil, err
	}
	return w, nil
}

// edgeHost is the Exchange Online MX host of the tenant's first domain (any
// Exchange Online host name reaches the same edge).
func (w *world) edgeHost() string {
	for _, d := range w.sc.file.Tenant.Domains {
		if h, err := w.ServiceMX(d); err == nil {
			return h
		}
	}
	if h, err := w.ServiceMX("partner.example"); err == nil {
		return h
	}
	return "smtp.office365.com"
}

// migrate starts the scenario's runbook now (once).
func (w *world) migrate() {
	if len(w.migs) > 0 {
		return
	}
	now := w.Scheduler().Now()
	logger := slog.New(slog.DiscardHandler)
	if w.cut != nil {
		w.migs = append(w.migs, w.cut.StartRunbook(now, w.sc.Unsafe, logger))
		return
	}
	for i := range w.spec.Runbooks {
		w.spec.Runbooks[i].Unsafe = w.sc.Unsafe
	}
	w.migs = w.spec.StartMigrations(now, logger)
}

// host resolves a role ("legacy") or a host name to the world's host name.
func (w *world) host(roleOrName string) string {
	if h, ok := w.roles[roleOrName]; ok {
		return h
	}
	return strings.ToLower(roleOrName)
}

// stopLegacy stops the legacy servers (an outage, or the decommission).
func (w *world) stopLegacy() {
	if w.cut != nil {
		w.cut.Legacy.Stop()
		return
	}
	for _, d := range slices.Sorted(mapsKeys(w.spec.Legacy)) {
		w.spec.Legacy[d].Stop()
	}
}

// tenantAddress reports whether a belongs to a domain of our tenant or a
// migrated domain (mail from it is submitted inside the tenant).
func (w *world) tenantAddress(a mailops.Address) bool {
	d := a.Domain()
	return slices.Contains(w.sc.file.Tenant.Domains, d)
}

func mapsKeys[V any](m map[string]V) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
