package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/report"
)

// Everything the report prints is escaped: a display name, address or
// cause that contains markup is shown as text.
func TestHTMLEscapesWhatItPrints(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	bad := `<script>alert(1)</script>`
	r := report.Run{Title: "dept " + bad, Seed: 7, Reproduce: "mailops simulate x.yaml --seed 7", Start: start, End: start.Add(time.Hour),
		Steps:  []report.Step{{At: start.Add(time.Minute), ID: "groups", Title: `"><img src=x onerror=alert(1)>`}},
		Notes:  []string{"lab@depta: " + bad},
		Events: []mailflow.Event{{At: start.Add(2 * time.Minute), Kind: mailflow.EvDeliver, Route: "internet→EXO " + bad}},
		Report: mailflow.Report{Sent: 1, Violations: []mailflow.Violation{{Msg: 1, To: `"<script>alert(2)</script>"@y.example`, Class: mailflow.Lost, Cause: bad, Trail: []string{bad}}}},
	}
	html := report.HTML(r)
	assert.NotContains(t, html, "<script>alert")
	assert.NotContains(t, html, `<img src=x`)
	assert.NotContains(t, html, "<script>alert(2)", "an address holding markup")
	assert.Contains(t, html, "&lt;script&gt;alert(2)&lt;/script&gt;")
	assert.Contains(t, html, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, html, "mailops simulate x.yaml --seed 7")
	var b bytes.Buffer
	report.Timeline(&b, r)
	assert.True(t, strings.HasPrefix(b.String(), "+00:00"))
	assert.Contains(t, b.String(), "groups")
}
