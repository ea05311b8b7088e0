package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// The HTML report prints names, addresses, routes and causes as text:
// markup in any of them is escaped, never interpreted.
func TestReportEscapesMarkup(t *testing.T) {
	const script = `<script>alert(1)</script>`
	const img = `"><img src=x>`
	evil := script + img
	addr := mailops.Address(`"` + evil + `"@depta.example.ac.jp`)
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	p := page{
		Title: "cutover of " + evil, Seed: 1, Unsafe: evil, Width: 100, Height: 100, PlotH: 80, Start: start, Bucket: time.Minute, MaxCount: 1,
		Routes:  []routeRow{{Route: "internet→" + evil, Count: 1}},
		Bars:    []bar{{X: 1, Y: 1, W: 1, H: 1, Color: "#fff", Title: evil}},
		Markers: []marker{{X: 1, Y: 1, Label: evil, Title: evil}},
		Legend:  []legendItem{{Color: "#fff", Label: evil, Count: 1}},
		Steps:   []stepRow{{At: start, ID: evil, Title: "Display name " + evil, Gate: evil}},
		Report: mailflow.Report{Sent: 1, Lost: 1, Violations: []mailflow.Violation{{Msg: 1, To: addr, Class: mailflow.Class(evil),
			Cause: "display name " + evil, Trail: []string{"smtp:" + evil}}}},
	}
	var b bytes.Buffer
	require.NoError(t, reportTmpl.Execute(&b, p))
	out := b.String()
	for _, raw := range []string{script, "<img", img} {
		assert.NotContains(t, out, raw, "markup is never printed raw")
	}
	assert.Contains(t, out, "&lt;script&gt;alert(1)&lt;/script&gt;", "shown as text")
	assert.Contains(t, out, "&lt;img src=x&gt;")
	assert.Zero(t, strings.Count(out, "<script"), "no script element at all")
	assert.Zero(t, strings.Count(out, "<img"), "no image element at all")
}
