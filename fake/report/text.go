package report

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

// Timeline prints each step with its gate and the messages by route while
// it ran, between "before" and "after" marks.
func Timeline(w io.Writer, r Run) {
	marks := append([]Step{{At: r.Start, ID: "before", Title: "before the migration"}}, r.Steps...)
	marks = append(marks, Step{At: r.Finished, ID: "after", Title: "after the migration"})
	for i, m := range marks {
		until := r.End
		if i+1 < len(marks) {
			until = marks[i+1].At
		}
		fmt.Fprintf(w, "+%-8s %-14s %s\n", FmtDur(m.At.Sub(r.Start)), m.ID, m.Title)
		if m.Gate != "" {
			fmt.Fprintf(w, "          gate: %s\n", m.Gate)
		}
		counts := map[string]int{}
		for _, e := range r.Events {
			if !e.At.Before(m.At) && e.At.Before(until) {
				counts[RouteLabel(e)]++
			}
		}
		var routes []string
		for k := range counts {
			routes = append(routes, k)
		}
		sort.Strings(routes)
		for _, k := range routes {
			fmt.Fprintf(w, "          %6d  %s\n", counts[k], k)
		}
	}
}

// RouteLabel names what happened to a copy: its route when delivered, else
// the kind of failure.
func RouteLabel(e mailflow.Event) string {
	switch e.Kind {
	case mailflow.EvDeliver:
		return e.Route
	case mailflow.EvBounce:
		return "bounced " + e.Reply.Enhanced
	case mailflow.EvLoop:
		return "looped " + e.Reply.Enhanced
	case mailflow.EvDrop:
		return "dropped"
	}
	return string(e.Kind)
}

// FmtDur prints a duration as hh:mm.
func FmtDur(d time.Duration) string {
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	return fmt.Sprintf("%02d:%02d", h, m)
}
