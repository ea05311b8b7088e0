package main

import (
	"fmt"
	"os"

	"github.com/mailops-dev/mailops/cmd/mailops/internal/planfile"
	"github.com/mailops-dev/mailops/mailops"
)

// The saved-plan format lives in internal/planfile; these are its names in
// the command.
type (
	// PlanFile is a saved plan (plan -out).
	PlanFile = planfile.File
	// SavedPlan is one plan of a saved plan.
	SavedPlan = planfile.Plan
	// SavedStep is one step of a saved plan.
	SavedStep = planfile.Step
	// SavedAction is one action of a saved step.
	SavedAction = planfile.Action
	// Read is one object a plan read while it was built.
	Read = planfile.Read
	// Basis is what a plan was built from besides the spec.
	Basis = planfile.Basis
)

// PlanAPIVersion is the version of the saved-plan format.
const PlanAPIVersion = planfile.APIVersion

func specHash(b []byte) string { return planfile.SpecHash(b) }

// savePlan turns a plan into data.
func savePlan(b builtPlan) (SavedPlan, error) {
	sp := SavedPlan{Name: b.Plan.Name, Fingerprint: b.Plan.Fingerprint(), Basis: b.Basis}
	for _, s := range b.Plan.Steps {
		acts, err := planfile.SaveActions(s.Actions)
		if err != nil {
			return SavedPlan{}, fmt.Errorf("step %s: %w", s.ID, err)
		}
		rb, err := planfile.SaveActions(s.Rollback)
		if err != nil {
			return SavedPlan{}, fmt.Errorf("step %s rollback: %w", s.ID, err)
		}
		sp.Steps = append(sp.Steps, SavedStep{ID: s.ID, Title: s.Title, Reason: s.Reason, Gate: s.Gate, Actions: acts, Rollback: rb})
	}
	return sp, nil
}

// loadPlan turns saved data back into a plan, taking check code from checks.
func loadPlan(sp SavedPlan, checks planfile.CheckSource) (*mailops.Plan, error) {
	return planfile.Load(sp, checks)
}

// writePlanFile writes the saved plan as indented JSON.
func writePlanFile(path string, pf *PlanFile) error { return planfile.Write(path, pf) }

// decodePlanFile decodes a saved plan read from path.
func decodePlanFile(path string, data []byte) (*PlanFile, error) { return planfile.Decode(path, data) }

// readPlanFile reads a saved plan strictly and checks its version and its
// spec's hash.
func readPlanFile(path string) (*PlanFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return decodePlanFile(path, data)
}
