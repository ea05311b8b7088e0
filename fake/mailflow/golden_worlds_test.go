package mailflow_test

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/sim"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/seeded-worlds.txt from this run")

// TestSeededWorldsUnchanged runs 56 seeded worlds (consolidations through the
// runbook, the nine hand-written variants with SMTP faults, lost replies,
// forwarding and tenant faults, list domains, cutovers) and compares what
// they did (the oracle's report and every violation, a digest of the ledger's
// events and of the loop's trace, the step count) with the record in
// testdata/golden. Work on the simulator's speed must leave it unchanged; a
// deliberate change of the model rewrites it with -update, and the diff of
// the record is part of the review.
func TestSeededWorldsUnchanged(t *testing.T) {
	var b bytes.Buffer
	seededConsolidations(t, &b)
	seededListsAndCutovers(t, &b)
	path := filepath.Join("testdata", "golden", "seeded-worlds.txt")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to record)", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		got := filepath.Join(t.TempDir(), "seeded-worlds.txt")
		_ = os.WriteFile(got, b.Bytes(), 0o644)
		t.Fatalf("the seeded worlds differ from %s: diff %s %s (rerun with -update if the change is deliberate)", path, path, got)
	}
}

// goldenWorld runs a world and writes what it did to out.
func goldenWorld(out io.Writer, name string, w *mailflow.World, run func() (mailflow.Report, string)) {
	th := sha256.New()
	w.Scheduler().SetTrace(func(e sim.TraceEntry) { fmt.Fprintln(th, e.String()) })
	rep, outcome := run()
	fmt.Fprintf(out, "== %s steps=%d trace=%x\n%s%s", name, w.Scheduler().Steps(), th.Sum(nil)[:8], outcome, rep.String())
	vh := sha256.New()
	for _, v := range rep.Violations {
		fmt.Fprintf(vh, "%+v\n", v)
	}
	fmt.Fprintf(out, "violations=%d hash=%x\n", len(rep.Violations), vh.Sum(nil)[:8])
	eh := sha256.New()
	for _, e := range w.Ledger().Events() {
		fmt.Fprintf(eh, "%v %v %d %s %s %s %s %v %s %q %s %s\n", e.At, e.Kind, e.Msg, e.Orig, e.Rcpt, e.Host, e.Mailbox, e.Reply, e.Route, e.Trail, e.Detail, e.FromDisplay)
	}
	fmt.Fprintf(out, "events=%d hash=%x\n", len(w.Ledger().Events()), eh.Sum(nil)[:8])
}

// seededConsolidations runs the consolidation scenario and the hand-written
// sequence's variants.
func seededConsolidations(t *testing.T, f io.Writer) {
	for seed := uint64(1); seed <= 6; seed++ {
		for _, keep := range []bool{true, false} {
			sc := mailflow.DefaultConsolidationScenario(40)
			sc.PerHour, sc.Duration = 300, 8*time.Hour
			c, err := mailflow.NewConsolidation(mailflow.Config{Seed: seed, Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig(), KeepEvents: keep}, sc)
			if err != nil {
				t.Fatal(err)
			}
			goldenWorld(f, fmt.Sprintf("consolidation seed=%d keep=%v", seed, keep), c.World, func() (mailflow.Report, string) {
				m := c.StartRunbook(c.Scheduler().Now().Add(30*time.Minute), "", nil)
				if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
					t.Fatal(err)
				}
				return c.Check(), fmt.Sprintf("runbook done=%v err=%v\n", m.Done, m.Err)
			})
		}
	}
	variants := []variant{correct, emptyGroups, earlyAuthoritative, forwardLoop, senderAuthLeftOn, noConnector, restrictAtCreation, connectorByMX, mxBeforeConnector}
	for i, v := range variants {
		for j := 0; j < 4; j++ {
			seed := uint64(100 + 10*i + j)
			p := hwParams{seed: seed, people: 12, addrs: 30, perHour: 200, hours: 6, mxTTL: time.Hour,
				domainMax: 5 * time.Minute, recipMax: time.Hour, groupMax: time.Hour, connMax: time.Hour, loops: j % 3, legacyForwards: j, smtpFaults: 2 * j, lostReplies: j, exoIgnoresPref: j == 2, tenantFaults: 0.02 * float64(j%2)}
			if j == 3 {
				p.retention = mailflow.Retention{Keep: mailflow.RetainViolations}
			}
			h, err := newHW(p)
			if err != nil {
				fmt.Fprintf(f, "== hw %d newHW err %v\n", seed, err)
				continue
			}
			goldenWorld(f, fmt.Sprintf("hw seed=%d variant=%q", seed, v), h.w, func() (mailflow.Report, string) {
				m := h.migrate(v)
				rep := h.run(t)
				return rep, fmt.Sprintf("migration done=%v err=%v switched=%v\n", m.done, m.err, m.switched)
			})
		}
	}
}

// seededListsAndCutovers runs list-domain moves and cutovers.
func seededListsAndCutovers(t *testing.T, f io.Writer) {
	for seed := uint64(1); seed <= 4; seed++ {
		ld, err := mailflow.NewListDomain(mailflow.Config{Seed: seed, Tenant: fake.DefaultTenantConfig(), KeepEvents: true}, mailflow.DefaultListDomainScenario(2))
		if err != nil {
			t.Fatal(err)
		}
		goldenWorld(f, fmt.Sprintf("listdomain seed=%d", seed), ld.World, func() (mailflow.Report, string) {
			if err := ld.Scheduler().RunFor(ld.Scenario.Duration + 72*time.Hour); err != nil {
				t.Fatal(err)
			}
			return ld.Check(), ""
		})
		cs := mailflow.DefaultCutoverScenario(6)
		c, err := mailflow.NewCutover(mailflow.Config{Seed: seed, Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig(), KeepEvents: true}, cs)
		if err != nil {
			t.Fatal(err)
		}
		goldenWorld(f, fmt.Sprintf("cutover seed=%d", seed), c.World, func() (mailflow.Report, string) {
			m := c.StartRunbook(c.Scheduler().Now().Add(time.Hour), "", nil)
			if err := c.Scheduler().RunFor(7 * 24 * time.Hour); err != nil {
				t.Fatal(err)
			}
			return c.Check(), fmt.Sprintf("runbook done=%v err=%v\n", m.Done, m.Err)
		})
	}
}
