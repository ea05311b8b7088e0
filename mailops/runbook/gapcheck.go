package runbook

import (
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// GapCheck asks the relay step to list, through message trace
// (Get-MessageTraceV2), the mail to the domain that failed in the window
// before InternalRelay reached mail flow: the university's procedure says to
// look for mail that bounced in that gap. The check never blocks the plan;
// it hands what it found to Report.
type GapCheck struct {
	// Clock gives the end of the window (the check runs after the domain
	// type has reached mail flow); default mailops.WallClock{}.
	Clock mailops.Clock
	// Window is how far back to look; default 24 hours, at most the 10
	// days one query accepts.
	Window time.Duration
	// Report receives the failed rows (possibly none) once the check ran.
	Report func(domain string, failed []mailops.TraceEntry)
}

func (g *GapCheck) query(dom string) (mailops.TraceQuery, error) {
	clk := g.Clock
	if clk == nil {
		clk = mailops.WallClock{}
	}
	win := g.Window
	if win <= 0 {
		win = 24 * time.Hour
	}
	if win > mailops.MaxTraceWindow {
		return mailops.TraceQuery{}, &mailops.ValidationError{Field: "GapCheck.Window", Value: win.String(), Reason: "at most 10 days per message trace query"}
	}
	end := clk.Now()
	return mailops.TraceQuery{Recipients: []string{"*@" + dom}, Status: []mailops.TraceStatus{mailops.TraceFailed}, Start: end.Add(-win), End: end}, nil
}

// gapCheck is the check action. Its name is the cmdlet an operator runs.
func (b *builder) gapCheck(dom string, g *GapCheck) []mailops.Action {
	name := fmt.Sprintf("list mail to %s that bounced before it relayed: Get-MessageTraceV2 -RecipientAddress '*@%s' -Status Failed -StartDate (Get-Date).AddHours(-24) -EndDate (Get-Date)", dom, dom)
	return b.check(name, b.t.DNSTimeout, func(ctx context.Context, d mailops.Driver) error {
		q, err := g.query(dom)
		if err != nil {
			return err
		}
		rows, err := d.MessageTrace(ctx, q)
		if err != nil {
			return fmt.Errorf("message trace for %s: %w", dom, err)
		}
		if g.Report != nil {
			g.Report(dom, rows)
		}
		return nil
	})
}
