package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/mailops-dev/mailops/mailops"
)

// htmlPlan is the page render --format html writes: every step with its
// reason, gate, actions (with their PowerShell) and rollback.
var htmlPlan = template.Must(template.New("plan").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mailops plan</title>
<style>body{font-family:sans-serif;max-width:60em;margin:auto}code,pre{background:#f4f4f4}
.kind{display:inline-block;width:3.5em;font-weight:bold}.step{border-top:1px solid #ccc;margin-top:1em}</style>
</head><body>
{{range .}}<h1>Plan {{.Name}}</h1><p>fingerprint <code>{{.Fingerprint}}</code></p>
{{range .Steps}}<div class="step"><h2 id="{{.ID}}">{{.Title}}</h2>
<p><b>Why:</b> {{.Reason}}</p>{{if .Gate}}<p><b>Gate:</b> {{.Gate}}</p>{{end}}
<ol>{{range .Actions}}<li><span class="kind">{{.Kind}}</span> {{.Description}}{{if .PowerShell}}<pre>{{range .PowerShell}}{{.}}
{{end}}</pre>{{end}}</li>{{end}}</ol>
{{if .Rollback}}<p><b>Rollback:</b></p><ol>{{range .Rollback}}<li>{{.Description}}</li>{{end}}</ol>{{end}}
</div>{{end}}{{end}}
</body></html>
`))

type htmlAction struct {
	Kind, Description string
	PowerShell        []string
}

type htmlStep struct {
	ID, Title, Reason, Gate string
	Actions, Rollback       []htmlAction
}

type htmlPlanView struct {
	Name, Fingerprint string
	Steps             []htmlStep
}

func htmlActions(as []mailops.Action) []htmlAction {
	out := make([]htmlAction, 0, len(as))
	for _, a := range as {
		h := htmlAction{Kind: a.Kind(), Description: a.Describe()}
		if a.Op != nil {
			h.PowerShell = a.Op.PowerShell()
		}
		out = append(out, h)
	}
	return out
}

// renderPlans writes plans as powershell, html or json.
func renderPlans(w io.Writer, built []builtPlan, format string) error {
	switch format {
	case "powershell":
		for _, b := range built {
			if _, err := io.WriteString(w, b.Plan.PowerShell()); err != nil {
				return err
			}
		}
		return nil
	case "html":
		var views []htmlPlanView
		for _, b := range built {
			v := htmlPlanView{Name: b.Plan.Name, Fingerprint: b.Plan.Fingerprint()}
			for _, s := range b.Plan.Steps {
				v.Steps = append(v.Steps, htmlStep{ID: s.ID, Title: s.Title, Reason: s.Reason, Gate: s.Gate,
					Actions: htmlActions(s.Actions), Rollback: htmlActions(s.Rollback)})
			}
			views = append(views, v)
		}
		return htmlPlan.Execute(w, views)
	case "json":
		var plans []SavedPlan
		for _, b := range built {
			sp, err := savePlan(b)
			if err != nil {
				return err
			}
			plans = append(plans, sp)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Plans []SavedPlan `json:"plans"`
		}{plans})
	}
	return fmt.Errorf("render: --format must be powershell, html or json, not %q", format)
}
