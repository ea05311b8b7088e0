// Package report renders a simulated run for people: an HTML report (the
// ledger's counts, the first violations with their trails, an SVG timeline
// of messages per route with the plan's steps marked, the routes in detail)
// and a plain-text timeline. The mailops command and the examples share it.
// Everything printed goes through html/template, so display names and
// addresses that contain markup are shown as text.
package report

import (
	"bytes"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

// Step is one plan step as it ran.
type Step struct {
	At    time.Time
	ID    string
	Title string
	Gate  string
}

// Run is what a report shows.
type Run struct {
	Title string
	Seed  uint64
	// Variant names a known-bad variant, if any.
	Variant string
	// Reproduce is the command line that reproduces the run.
	Reproduce string
	Events    []mailflow.Event
	Report    mailflow.Report
	// Start and End bound the run; Finished is when the plan finished
	// (zero: unknown).
	Start, End, Finished time.Time
	Steps                []Step
	// Notes are extra findings shown under the counts (for example the
	// differential check's mismatches).
	Notes []string
}

// routeClass groups detailed routes into the few classes that tell a
// migration's story, each with its colour.
func routeClass(e mailflow.Event) (string, string) {
	r := e.Route
	switch {
	case e.Kind != mailflow.EvDeliver:
		return "bounced, looped or dropped", "#e15759"
	case strings.Contains(r, "group"):
		return "Exchange Online group", "#59a14f"
	case strings.Contains(r, "connector"):
		return "Exchange Online, connector to legacy", "#f28e2b"
	case strings.Contains(r, "EXO→legacy"):
		return "Exchange Online, MX to legacy", "#edc948"
	case strings.HasSuffix(r, "→legacy") || strings.Contains(r, "→legacy→"):
		return "legacy server", "#b07aa1"
	case strings.HasSuffix(r, "→internet"):
		return "to the internet", "#9c755f"
	}
	return "Exchange Online mailbox", "#4e79a7"
}

type bar struct {
	X, Y, W, H float64
	Color      string
	Title      string
}

type marker struct {
	X, Y  float64
	Label string
	Title string
}

type legendItem struct {
	Color, Label string
	Count        int
}

type routeRow struct {
	Route string
	Count int
}

type page struct {
	Routes   []routeRow
	Title    string
	Seed     uint64
	Variant  string
	Repro    string
	Notes    []string
	Report   mailflow.Report
	Width    float64
	Height   float64
	PlotH    float64
	Bars     []bar
	Markers  []marker
	Legend   []legendItem
	Axis     []marker
	Steps    []Step
	Start    time.Time
	Bucket   time.Duration
	MaxCount int
}

// HTML renders the report: the ledger summary, the first violations, and an
// SVG timeline of messages per route per time bucket with the steps marked.
func HTML(r Run) string {
	span := r.End.Sub(r.Start)
	if r.Finished.After(r.Start) {
		span = r.Finished.Sub(r.Start) + 6*time.Hour
	}
	bucket := (span / 120).Round(time.Minute)
	if bucket < time.Minute {
		bucket = time.Minute
	}
	events := r.Events
	last := r.Start
	for _, e := range events {
		if e.At.After(last) && e.At.Before(r.Start.Add(span)) {
			last = e.At
		}
	}
	if last.After(r.Start) {
		span = last.Sub(r.Start) + bucket
	}
	counts := map[int]map[string]int{}
	totals := map[string]int{}
	color := map[string]string{}
	detail := map[string]int{}
	for _, e := range events {
		if e.At.Before(r.Start) || e.At.After(r.Start.Add(span)) {
			continue
		}
		lbl, c := routeClass(e)
		color[lbl] = c
		i := int(e.At.Sub(r.Start) / bucket)
		if counts[i] == nil {
			counts[i] = map[string]int{}
		}
		counts[i][lbl]++
		totals[lbl]++
		detail[RouteLabel(e)]++
	}
	var routes []string
	for k := range totals {
		routes = append(routes, k)
	}
	sort.Slice(routes, func(i, j int) bool { return totals[routes[i]] > totals[routes[j]] })
	maxCount := 1
	for _, m := range counts {
		n := 0
		for _, c := range m {
			n += c
		}
		maxCount = max(maxCount, n)
	}
	p := page{Title: r.Title, Seed: r.Seed, Variant: r.Variant, Repro: r.Reproduce, Notes: r.Notes, Report: r.Report, Width: 1100, Height: 420, PlotH: 340,
		Start: r.Start, Bucket: bucket, MaxCount: maxCount, Steps: r.Steps}
	n := int(span/bucket) + 1
	bw := p.Width / float64(n)
	for i := 0; i < n; i++ {
		y := p.PlotH
		for _, rt := range routes {
			c := counts[i][rt]
			if c == 0 {
				continue
			}
			h := float64(c) / float64(maxCount) * (p.PlotH - 20)
			y -= h
			p.Bars = append(p.Bars, bar{X: float64(i) * bw, Y: y, W: bw * 0.9, H: h, Color: color[rt],
				Title: fmt.Sprintf("+%s: %d %s", FmtDur(time.Duration(i)*bucket), c, rt)})
		}
	}
	prevX := -1000.0
	stagger := 0.0
	for _, s := range r.Steps {
		x := float64(s.At.Sub(r.Start)) / float64(span) * p.Width
		if x-prevX < 14 {
			stagger += 80
		} else {
			stagger = 0
		}
		prevX = x
		p.Markers = append(p.Markers, marker{X: x, Y: 12 + stagger, Label: s.ID, Title: s.Title})
	}
	for k, n := range detail {
		p.Routes = append(p.Routes, routeRow{k, n})
	}
	sort.Slice(p.Routes, func(i, j int) bool {
		if p.Routes[i].Count != p.Routes[j].Count {
			return p.Routes[i].Count > p.Routes[j].Count
		}
		return p.Routes[i].Route < p.Routes[j].Route
	})
	for i := 0; i <= 10; i++ {
		p.Axis = append(p.Axis, marker{X: float64(i) / 10 * p.Width, Label: "+" + FmtDur(span*time.Duration(i)/10)})
	}
	for _, rt := range routes {
		p.Legend = append(p.Legend, legendItem{Color: color[rt], Label: rt, Count: totals[rt]})
	}
	var b bytes.Buffer
	if err := reportTmpl.Execute(&b, p); err != nil {
		return "<pre>" + template.HTMLEscapeString(err.Error()) + "</pre>"
	}
	return b.String()
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur": func(d time.Duration) string { return FmtDur(d) },
	"sub": func(a, b time.Time) time.Duration { return a.Sub(b) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mailops: {{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th{background:#f4f4f4} .ok{color:#2a7a2a;font-weight:bold} .bad{color:#b22;font-weight:bold}
.legend span{display:inline-block;margin:0 1em .3em 0;font-size:.85em} .sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
svg text{font-size:11px} .steps td{text-align:left} pre{background:#f8f8f8;padding:.6em;overflow-x:auto}
</style></head><body>
<h1>{{.Title}}</h1>
<p>Simulated in virtual time with seed {{.Seed}}{{if .Variant}}, known-bad variant <b>{{.Variant}}</b>{{end}}.
{{if .Repro}}Reproduce with <code>{{.Repro}}</code>.{{end}}</p>
<table><tr><th>sent</th><th>delivered</th><th>bounced</th><th>lost</th><th>duplicated</th><th>misdelivered</th><th>looped</th></tr>
<tr><td>{{.Report.Sent}}</td><td>{{.Report.Delivered}}</td><td>{{.Report.Bounced}}</td><td>{{.Report.Lost}}</td><td>{{.Report.Duplicated}}</td><td>{{.Report.Misdelivered}}</td><td>{{.Report.Looped}}</td></tr></table>
{{if .Report.NoLoss}}<p class="ok">No mail lost.</p>{{else}}<p class="bad">Mail was lost: see the violations below.</p>{{end}}
{{range .Notes}}<p class="bad">{{.}}</p>
{{end}}
<h2>Messages by route over time</h2>
<p>Each bar is {{dur .Bucket}} of virtual time; the tallest holds {{.MaxCount}} messages. Dashed lines mark the steps.</p>
<svg width="{{.Width}}" height="{{.Height}}" viewBox="-10 -10 {{.Width}} {{.Height}}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="timeline">
<rect x="0" y="0" width="{{.Width}}" height="{{.PlotH}}" fill="#fcfcfc" stroke="#ddd"/>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Color}}"><title>{{.Title}}</title></rect>
{{end}}{{range $i, $m := .Markers}}<line x1="{{$m.X}}" x2="{{$m.X}}" y1="0" y2="{{$.PlotH}}" stroke="#555" stroke-dasharray="4 3"/>
<text x="{{$m.X}}" y="{{$m.Y}}" transform="rotate(90 {{$m.X}} {{$m.Y}})" dx="2" fill="#333"><title>{{$m.Title}}</title>{{$m.Label}}</text>
{{end}}{{range .Axis}}<text x="{{.X}}" y="{{$.PlotH}}" dy="16" text-anchor="middle" fill="#666">{{.Label}}</text>
{{end}}</svg>
<div class="legend">{{range .Legend}}<span><i class="sw" style="background:{{.Color}}"></i>{{.Label}} ({{.Count}})</span>{{end}}</div>
<h2>Steps</h2>
<table class="steps"><tr><th>at</th><th>step</th><th>what</th><th>gate</th></tr>
{{range .Steps}}<tr><td>+{{dur (sub .At $.Start)}}</td><td>{{.ID}}</td><td>{{.Title}}</td><td>{{.Gate}}</td></tr>
{{end}}</table>
<h2>Routes in detail</h2>
<table class="steps"><tr><th>messages</th><th>route (origin, then each kind of hop)</th></tr>
{{range .Routes}}<tr><td>{{.Count}}</td><td>{{.Route}}</td></tr>
{{end}}</table>
{{if .Report.Violations}}<h2>First violations</h2>
{{range $i, $v := .Report.Violations}}{{if lt $i 10}}<p><b>message {{$v.Msg}} to {{$v.To}}</b>: {{$v.Class}}: {{$v.Cause}}</p><pre>{{range $v.Trail}}{{.}}
{{end}}</pre>{{end}}{{end}}{{end}}
</body></html>
`))
