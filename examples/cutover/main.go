// Command cutover consolidates a synthetic department into a simulated
// Exchange Online tenant under live traffic, in virtual time, and prints the
// timeline and the ledger of every message.
//
//	go run ./examples/cutover [-seed N] [-addresses N] [-json] [-unsafe NAME] [-powershell] [-report FILE]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/report"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// summary is the -json output: the ledger counts.
type summary struct {
	Sent         int `json:"sent"`
	Delivered    int `json:"delivered"`
	Bounced      int `json:"bounced"`
	GapBounced   int `json:"gapBounced"` // of Bounced: in the documented verification gap
	Lost         int `json:"lost"`
	Duplicated   int `json:"duplicated"`
	Misdelivered int `json:"misdelivered"`
	Looped       int `json:"looped"`
}

var unsafeVariants = []runbook.Unsafe{runbook.UnsafeEmptyGroup, runbook.UnsafeEarlyAuthoritative, runbook.UnsafeLowPriorityMX, runbook.UnsafeSenderAuth, runbook.UnsafeForwardLoop}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cutover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", 1, "seed: the same seed reproduces the run bit for bit")
	addresses := fs.Int("addresses", 60, "departmental addresses to move (at least 1)")
	asJSON := fs.Bool("json", false, "print one JSON object with the ledger counts")
	unsafe := fs.String("unsafe", "", "replay a known-bad variant: "+joinVariants())
	ps := fs.Bool("powershell", false, "print the plan as Exchange Online PowerShell instead of running it")
	report := fs.String("report", "", "write an HTML report with an SVG timeline to this file")
	which := fs.String("runbook", "consolidation", "which migration: consolidation or cutover (-unsafe low-priority-mx implies cutover)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *addresses < 1 || *addresses > 5000 {
		fmt.Fprintln(stderr, "cutover: -addresses must be between 1 and 5000")
		return 2
	}
	u := runbook.Unsafe(*unsafe)
	if u != "" && !validVariant(u) {
		fmt.Fprintf(stderr, "cutover: unknown -unsafe %q; known: %s\n", *unsafe, joinVariants())
		return 2
	}
	kind := *which
	if u == runbook.UnsafeLowPriorityMX {
		kind = "cutover" // the hazard of the weeks before a cutover's MX switch
	}
	if kind != "consolidation" && kind != "cutover" {
		fmt.Fprintf(stderr, "cutover: unknown -runbook %q; known: consolidation, cutover\n", kind)
		return 2
	}
	res, err := simulate(*seed, *addresses, kind, u, *ps)
	if err != nil {
		fmt.Fprintln(stderr, "cutover:", err)
		return 1
	}
	if *ps {
		fmt.Fprint(stdout, res.plan.PowerShell())
		return 0
	}
	if *report != "" {
		if err := os.WriteFile(*report, []byte(res.html()), 0o644); err != nil {
			fmt.Fprintln(stderr, "cutover:", err)
			return 1
		}
	}
	r := res.report
	if *asJSON {
		b, _ := json.Marshal(summary{r.Sent, r.Delivered, r.Bounced, r.GapBounced, r.Lost, r.Duplicated, r.Misdelivered, r.Looped})
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	res.printTimeline(stdout)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, r.String())
	if r.NoLoss() {
		fmt.Fprintln(stdout, "no mail lost.")
	}
	return 0
}

func validVariant(u runbook.Unsafe) bool {
	for _, v := range unsafeVariants {
		if v == u {
			return true
		}
	}
	return false
}

func joinVariants() string {
	var s []string
	for _, v := range unsafeVariants {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}

// result is one simulated run.
type result struct {
	seed   uint64
	kind   string // "consolidation" or "cutover"
	world  *mailflow.World
	title  string
	plan   *mailops.Plan
	mig    *mailflow.Migration
	report mailflow.Report
	start  time.Time
	end    time.Time
	unsafe runbook.Unsafe
	steps  []report.Step
}

func simulate(seed uint64, n int, kind string, u runbook.Unsafe, planOnly bool) (*result, error) {
	cfg := mailflow.Config{Seed: seed, Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig(), EXOIgnoresPreference: true}
	res := &result{seed: seed, kind: kind, unsafe: u}
	var start func(time.Time) *mailflow.Migration
	var horizon time.Duration
	switch kind {
	case "cutover":
		sc := mailflow.DefaultCutoverScenario(n)
		c, err := mailflow.NewCutover(cfg, sc)
		if err != nil {
			return nil, err
		}
		res.world, res.title = c.World, fmt.Sprintf("cutover of %s (%d users, %d department addresses)", sc.Domain, len(c.Users), len(c.Spec.Departments))
		if planOnly {
			spec := c.Spec
			spec.Unsafe = u
			p, err := runbook.CutoverPlan(spec, c.Tenant().Driver("admin"))
			res.plan = p
			return res, err
		}
		start = func(at time.Time) *mailflow.Migration { return c.StartRunbook(at, u, nil) }
		horizon = 40 * 24 * time.Hour
	default:
		sc := mailflow.DefaultConsolidationScenario(n)
		sc.Duration = 8 * time.Hour
		c, err := mailflow.NewConsolidation(cfg, sc)
		if err != nil {
			return nil, err
		}
		c.AddDevices(4)
		res.world, res.title = c.World, fmt.Sprintf("consolidation of %s (%d addresses) into the tenant", sc.Dept, len(c.Spec.Addresses))
		if planOnly {
			spec := c.Spec
			spec.Unsafe = u
			p, err := runbook.ConsolidationPlan(spec, &runbook.Preflight{}, c.Tenant().Driver("admin"))
			res.plan = p
			return res, err
		}
		start = func(at time.Time) *mailflow.Migration { return c.StartRunbook(at, u, nil) }
		horizon = sc.Duration + 72*time.Hour
	}
	s := res.world.Scheduler()
	res.start = s.Now()
	res.mig = start(res.start.Add(90 * time.Minute))
	if err := s.RunFor(horizon); err != nil {
		return nil, err
	}
	if !res.mig.Done {
		return nil, errors.New("the runbook did not finish")
	}
	if res.mig.Err != nil {
		return nil, fmt.Errorf("runbook: %w", res.mig.Err)
	}
	res.plan = res.mig.Plan
	res.end = s.Now()
	res.report = res.world.Check()
	for _, p := range res.mig.Progress {
		if p.Event == "resumed" || (len(res.steps) > 0 && res.steps[len(res.steps)-1].ID == p.Step) {
			continue
		}
		var gate string
		for _, st := range res.plan.Steps {
			if st.ID == p.Step {
				gate = st.Gate
			}
		}
		res.steps = append(res.steps, report.Step{At: p.At, ID: p.Step, Title: p.Title, Gate: gate})
	}
	return res, nil
}

// printTimeline prints each step with its gate and the messages by route
// while it ran.
func (r *result) printTimeline(w io.Writer) {
	fmt.Fprintf(w, "%s under live traffic, seed=%d", r.title, r.seed)
	if r.unsafe != "" {
		fmt.Fprintf(w, ", known-bad variant %q", r.unsafe)
	}
	fmt.Fprintln(w)
	if r.mig.Preflight != nil && len(r.mig.Preflight.Findings) > 0 {
		fmt.Fprintln(w, "preflight:")
		infos := map[string]int{}
		for _, f := range r.mig.Preflight.Findings {
			if f.Severity == "info" && f.ID == "group.external-senders" {
				infos[f.ID]++
				continue
			}
			fmt.Fprintf(w, "  [%s] %s: %s\n", f.Severity, f.ID, f.Message)
		}
		if n := infos["group.external-senders"]; n > 0 {
			fmt.Fprintf(w, "  [info] group.external-senders: %d addresses receive external mail: their groups accept unauthenticated senders\n", n)
		}
	}
	report.Timeline(w, r.reportRun())
}
