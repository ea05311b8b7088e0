package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func init() { register("plan", newPlanCmd) }

// planOutput is plan's --json document.
type planOutput struct {
	Spec       string            `json:"spec"`
	SpecSHA256 string            `json:"specSHA256"`
	Tenant     bool              `json:"tenant"` // the preflight read a tenant
	Out        string            `json:"out,omitempty"`
	Findings   []runbook.Finding `json:"findings"`
	Plans      []SavedPlan       `json:"plans"`
	Reads      []Read            `json:"reads"`
}

// loadSpec reads and parses a spec file, returning its bytes too.
func loadSpec(path string) (*spec.File, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	sf, err := spec.Parse(bytesReader(data), path)
	if err != nil {
		return nil, nil, err
	}
	sf.Dir = filepath.Dir(path) // relative zone files resolve beside the spec
	return sf, data, nil
}

// makePlanFile builds the spec's plans, reading the tenant through d when
// it is not nil, and returns them as a saved plan with the reads.
func makePlanFile(ctx context.Context, specPath string, d mailops.Driver) (*PlanFile, []builtPlan, error) {
	sf, data, err := loadSpec(specPath)
	if err != nil {
		return nil, nil, err
	}
	var rec *recordingDriver
	var pd mailops.Driver
	if d != nil {
		rec = newRecordingDriver(d)
		pd = rec
	}
	built, err := buildPlans(ctx, sf, pd, nil)
	if err != nil {
		return nil, nil, err
	}
	pf := &PlanFile{APIVersion: PlanAPIVersion, SpecFile: specPath, SpecSHA256: specHash(data), Spec: string(data), Reads: []Read{}}
	for _, b := range built {
		sp, err := savePlan(b)
		if err != nil {
			return nil, nil, err
		}
		pf.Plans = append(pf.Plans, sp)
	}
	if rec != nil {
		pf.Reads = rec.Reads()
	}
	return pf, built, nil
}

func newPlanCmd(a *app) *cobra.Command {
	var out, target string
	var ps bool
	c := &cobra.Command{
		Use:   "plan SPEC [--out plan.json] [--powershell] [--graph URL]",
		Short: "Build the migration's plan(s) from a spec; with --graph, preflight against the tenant and save the plan",
		Long: "plan builds the runbook plan(s) of a spec. Without --graph it renders only (no preflight: the plan assumes\n" +
			"the domain is proven by its TXT record and its checks cannot run). With --graph it reads the tenant for the\n" +
			"preflight, and --out (also spelt -out) saves a versioned JSON plan for apply: the spec and its SHA-256, every\n" +
			"operation, wait and DNS change as data, checks by name, and the hash of every object the preflight read.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out != "" && target == "" {
				return errors.New("plan: --out needs --graph: a saved plan records what it read from the tenant, so that apply can refuse it once stale")
			}
			var d mailops.Driver
			if target != "" {
				cl, err := connect(target, mailops.Options{})
				if err != nil {
					return err
				}
				d = cl
			}
			pf, built, err := makePlanFile(cmd.Context(), args[0], d)
			if err != nil {
				return err
			}
			if out != "" {
				if err := writePlanFile(out, pf); err != nil {
					return err
				}
				a.note("saved plan %s (%d plans, %d objects read)", out, len(pf.Plans), len(pf.Reads))
			}
			o := planOutput{Spec: args[0], SpecSHA256: pf.SpecSHA256, Tenant: d != nil, Out: out, Findings: []runbook.Finding{}, Plans: pf.Plans, Reads: pf.Reads}
			for _, p := range pf.Plans {
				o.Findings = append(o.Findings, p.Basis.Findings...)
			}
			return a.emit(o, func(w io.Writer) {
				for _, f := range o.Findings {
					fmt.Fprintf(w, "preflight %s: %s (%s)\n", f.Severity, f.Message, f.ID)
				}
				for _, b := range built {
					if ps {
						fmt.Fprint(w, b.Plan.PowerShell())
						continue
					}
					writePlanText(w, b.Plan)
				}
			})
		},
	}
	c.Flags().StringVar(&out, "out", "", "save the plan as JSON for apply (needs --graph)")
	c.Flags().BoolVar(&ps, "powershell", false, "print the plan as the Exchange Online PowerShell an administrator reviews")
	c.Flags().StringVar(&target, "graph", "", "the tenant's Graph/Exchange endpoint (a URL, or \"microsoft\"): read it for the preflight")
	return c
}

// writePlanText prints a plan's steps and actions.
func writePlanText(w io.Writer, p *mailops.Plan) {
	fmt.Fprintf(w, "plan %s (%s)\n", p.Name, p.Fingerprint())
	for _, s := range p.Steps {
		fmt.Fprintf(w, "  step %s: %s\n", s.ID, s.Title)
		for _, act := range s.Actions {
			fmt.Fprintf(w, "    %-5s %s\n", act.Kind(), act.Describe())
		}
	}
}
