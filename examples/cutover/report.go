package main

import (
	"fmt"

	"github.com/mailops-dev/mailops/fake/report"
)

// run turns the result into the shared report's input.
func (r *result) reportRun() report.Run {
	repro := fmt.Sprintf("go run ./examples/cutover -seed %d", r.seed)
	if r.kind == "cutover" {
		repro += " -runbook cutover"
	}
	if r.unsafe != "" {
		repro += " -unsafe " + string(r.unsafe)
	}
	out := report.Run{Title: r.title, Seed: r.seed, Variant: string(r.unsafe), Reproduce: repro,
		Events: r.world.Ledger().Events(), Report: r.report, Start: r.start, End: r.end, Steps: r.steps}
	if r.mig != nil {
		out.Finished = r.mig.Finished
	}
	return out
}

// html renders the HTML report (fake/report).
func (r *result) html() string { return report.HTML(r.reportRun()) }
