package dnscheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

// Severity of a finding.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Finding is one result of a check. IDs are stable (see docs/dnscheck.md).
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Seen are the records found; Add are the records to publish.
	Seen []string `json:"seen,omitempty"`
	Add  []string `json:"add,omitempty"`
}

// Report is the result of Check.
type Report struct {
	// Domain is the checked domain in lower-case A-label form.
	Domain string `json:"domain"`
	// Stage is the migration stage the expectations were for.
	Stage Stage `json:"stage"`
	// Findings are in check order: ownership, MX, SPF, DKIM, DMARC,
	// autodiscover. Never nil in JSON.
	Findings []Finding `json:"findings"`
	// Queries is how many DNS queries the check made.
	Queries int `json:"queries"`
}

// Safe reports whether there is no error finding: the next step may go on.
func (r Report) Safe() bool { return len(r.Errors()) == 0 }

// Errors returns the error findings.
func (r Report) Errors() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// Has reports whether a finding with the id is present.
func (r Report) Has(id string) bool {
	for _, f := range r.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

// JSON returns the report as one JSON object.
func (r Report) JSON() ([]byte, error) {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return json.Marshal(r)
}

// Table renders the report for people.
func (r Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, stage %s: %d findings, %d errors\n", r.Domain, r.Stage, len(r.Findings), len(r.Errors()))
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tID\tMESSAGE")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Severity, f.ID, f.Message)
		for _, s := range f.Seen {
			fmt.Fprintf(tw, "\t\t  seen: %s\n", s)
		}
		for _, a := range f.Add {
			fmt.Fprintf(tw, "\t\t  add:  %s\n", a)
		}
	}
	tw.Flush()
	return b.String()
}
