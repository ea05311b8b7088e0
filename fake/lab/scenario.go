package lab

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/mailops-dev/mailops/mailops/runbook"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// Scenario is a lab scenario: a migration spec plus a script. A scenario
// file is either a spec file itself (apiVersion mailops.dev/v1) or a lab
// file naming its spec:
//
//	title: Find the lost mail (1)
//	spec: consolidation.spec.yaml   # relative to this file
//	migrateAt: 30m                  # the lab starts the runbook then
//	unsafe: empty-group             # the hidden known-bad step
//	events:
//	  - {after: 2h, op: smtp-fault, host: legacy, stage: rcpt, count: 3}
//	hints: [Read the ledger for message ...]
//	traffic:                        # extra traffic profiles
//	  - {name: peak, after: 1h, for: 2h, perHour: 300, from: [someone@outside.example]}
//	checkpoints:                    # assertions, part of the grade
//	  - {at: 6h, name: nothing lost so far, noLoss: true}
//	  - {at: 30h, name: MX moved, mx: {domain: depta.example.ac.jp, points: exo}, hint: ...}
type Scenario struct {
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Spec is the migration spec's path, relative to the scenario file.
	Spec string `yaml:"spec" json:"spec"`
	// MigrateAt, when set, starts the runbook that long after traffic
	// starts; otherwise the trainee starts it (action "migrate").
	MigrateAt *spec.Duration `yaml:"migrateAt,omitempty" json:"migrateAt,omitempty"`
	// Unsafe makes the runbook replay a known-bad variant (hidden from the
	// page: the exercise is to find it from the ledger).
	Unsafe runbook.Unsafe `yaml:"unsafe,omitempty" json:"-"`
	// EXOIgnoresPreference: senders hosted in Exchange Online deliver
	// inside it when any MX points at it (mailflow.Config).
	EXOIgnoresPreference bool `yaml:"exoIgnoresPreference,omitempty" json:"-"`
	// Events are scripted actions at virtual offsets from the start.
	Events []ScriptEvent `yaml:"events,omitempty" json:"events,omitempty"`
	// Hints are shown on the page.
	Hints []string `yaml:"hints,omitempty" json:"hints,omitempty"`
	// Traffic are extra traffic profiles on top of the spec's traffic.
	Traffic []TrafficProfile `yaml:"traffic,omitempty" json:"traffic,omitempty"`
	// Checkpoints are assertions at virtual times; each is part of the
	// grade.
	Checkpoints []Checkpoint `yaml:"checkpoints,omitempty" json:"checkpoints,omitempty"`

	file *spec.File
	path string
}

// ScriptEvent is an action the scenario takes at a virtual offset.
type ScriptEvent struct {
	After  spec.Duration `yaml:"after" json:"after"`
	Action `yaml:",inline"`
}

// LoadScenario reads a scenario file (a lab file or a bare spec file).
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lab: scenario: %w", err)
	}
	var probe struct {
		APIVersion string `yaml:"apiVersion"`
	}
	if err := yaml.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("lab: scenario %s: %w", path, err)
	}
	sc := &Scenario{path: path}
	specPath := path
	if probe.APIVersion == "" {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(sc); err != nil {
			return nil, fmt.Errorf("lab: scenario %s: %w", path, err)
		}
		if sc.Spec == "" {
			return nil, fmt.Errorf("lab: scenario %s: neither a spec file (apiVersion) nor a lab file (spec:)", path)
		}
		specPath = filepath.Join(filepath.Dir(path), sc.Spec)
	}
	f, err := os.Open(specPath)
	if err != nil {
		return nil, fmt.Errorf("lab: scenario %s: %w", path, err)
	}
	defer f.Close()
	sf, err := spec.Parse(f, specPath)
	if err != nil {
		return nil, fmt.Errorf("lab: scenario %s: %w", path, err)
	}
	switch sf.Kind {
	case spec.Consolidation, spec.University, spec.Cutover:
	default:
		return nil, fmt.Errorf("lab: scenario %s: a %s spec cannot be run as a lab (Consolidation, University and Cutover can)", path, sf.Kind)
	}
	sc.file = sf
	if sc.Title == "" {
		sc.Title = string(sf.Kind) + ": " + filepath.Base(specPath)
	}
	for i, e := range sc.Events {
		if err := e.Action.validate(); err != nil {
			return nil, fmt.Errorf("lab: scenario %s: event %d: %w", path, i, err)
		}
	}
	if err := sc.validateScript(); err != nil {
		return nil, fmt.Errorf("lab: scenario %s: %w", path, err)
	}
	return sc, nil
}

// File is the scenario's migration spec.
func (sc *Scenario) File() *spec.File { return sc.file }
