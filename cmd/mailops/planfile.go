package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// PlanAPIVersion is the version of the saved-plan format.
const PlanAPIVersion = "mailops.dev/plan/v1"

// PlanFile is a saved plan (plan -out): the spec it was made from (text and
// SHA-256), what the preflight learned, every plan's steps as data, and the
// fingerprint: every object the planning read, hashed. Checks are saved by
// name only and rebuilt from the spec when applying; no code is serialised.
type PlanFile struct {
	APIVersion string `json:"apiVersion"`
	// SpecFile is where the spec was read from; apply refuses the plan if
	// that file has changed since.
	SpecFile   string      `json:"specFile"`
	SpecSHA256 string      `json:"specSHA256"`
	Spec       string      `json:"spec"`
	Plans      []SavedPlan `json:"plans"`
	// Reads are what the plan read from the tenant (the fingerprint).
	Reads []Read `json:"reads"`
}

// SavedPlan is one plan: its name, the library's fingerprint of its
// content (which names the journal's entries), the basis and the steps.
type SavedPlan struct {
	Name        string      `json:"name"`
	Fingerprint string      `json:"fingerprint"`
	Basis       Basis       `json:"basis"`
	Steps       []SavedStep `json:"steps"`
}

// SavedStep is one step of a saved plan.
type SavedStep struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Reason   string        `json:"reason,omitempty"`
	Gate     string        `json:"gate,omitempty"`
	Actions  []SavedAction `json:"actions"`
	Rollback []SavedAction `json:"rollback,omitempty"`
}

// SavedAction is exactly one of an operation, a wait, a named check or a
// DNS change.
type SavedAction struct {
	Op    *mailops.EncodedOperation `json:"op,omitempty"`
	Wait  *SavedWait                `json:"wait,omitempty"`
	Check *SavedCheck               `json:"check,omitempty"`
	DNS   *mailops.DNSChange        `json:"dns,omitempty"`
}

// SavedWait is a wait: its reason and duration ("1h0m0s").
type SavedWait struct {
	Reason string `json:"reason"`
	For    string `json:"for"`
}

// SavedCheck names a check; apply takes its code from the plan rebuilt from
// the spec.
type SavedCheck struct {
	Name    string `json:"name"`
	Poll    string `json:"poll,omitempty"`
	Timeout string `json:"timeout,omitempty"`
}

// specHash is the SHA-256 of a spec file's bytes.
func specHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func saveActions(as []mailops.Action) ([]SavedAction, error) {
	out := make([]SavedAction, 0, len(as))
	for _, a := range as {
		var s SavedAction
		switch {
		case a.Op != nil:
			e, err := mailops.EncodeOperation(a.Op)
			if err != nil {
				return nil, err
			}
			s.Op = &e
		case a.Wait != nil:
			s.Wait = &SavedWait{Reason: a.Wait.Reason, For: a.Wait.For.String()}
		case a.Check != nil:
			s.Check = &SavedCheck{Name: a.Check.Name, Poll: a.Check.Poll.String(), Timeout: a.Check.Timeout.String()}
		case a.DNS != nil:
			c := *a.DNS
			s.DNS = &c
		}
		out = append(out, s)
	}
	return out, nil
}

// savePlan turns a plan into data.
func savePlan(b builtPlan) (SavedPlan, error) {
	sp := SavedPlan{Name: b.Plan.Name, Fingerprint: b.Plan.Fingerprint(), Basis: b.Basis}
	for _, s := range b.Plan.Steps {
		acts, err := saveActions(s.Actions)
		if err != nil {
			return SavedPlan{}, fmt.Errorf("step %s: %w", s.ID, err)
		}
		rb, err := saveActions(s.Rollback)
		if err != nil {
			return SavedPlan{}, fmt.Errorf("step %s rollback: %w", s.ID, err)
		}
		sp.Steps = append(sp.Steps, SavedStep{ID: s.ID, Title: s.Title, Reason: s.Reason, Gate: s.Gate, Actions: acts, Rollback: rb})
	}
	return sp, nil
}

// checkSource gives the code of a named check: the plan rebuilt from the
// spec, at the same step and position.
type checkSource func(step string, action int, name string) (*mailops.Check, error)

func loadActions(step string, sas []SavedAction, checks checkSource) ([]mailops.Action, error) {
	out := make([]mailops.Action, 0, len(sas))
	for i, s := range sas {
		var a mailops.Action
		n := 0
		if s.Op != nil {
			op, err := s.Op.Decode()
			if err != nil {
				return nil, err
			}
			a.Op, n = op, n+1
		}
		if s.Wait != nil {
			d, err := time.ParseDuration(s.Wait.For)
			if err != nil {
				return nil, fmt.Errorf("wait: %w", err)
			}
			a.Wait, n = &mailops.Wait{Reason: s.Wait.Reason, For: d}, n+1
		}
		if s.Check != nil {
			if checks == nil {
				return nil, fmt.Errorf("check %q: no source for checks", s.Check.Name)
			}
			c, err := checks(step, i, s.Check.Name)
			if err != nil {
				return nil, err
			}
			a.Check, n = c, n+1
		}
		if s.DNS != nil {
			c := *s.DNS
			a.DNS, n = &c, n+1
		}
		if n != 1 {
			return nil, fmt.Errorf("action %d holds %d of op, wait, check, dns", i, n)
		}
		out = append(out, a)
	}
	return out, nil
}

// loadPlan turns saved data back into a plan, taking check code from checks.
// Rollback actions (operations and DNS changes only) need no checks.
func loadPlan(sp SavedPlan, checks checkSource) (*mailops.Plan, error) {
	p := &mailops.Plan{Name: sp.Name}
	for _, s := range sp.Steps {
		acts, err := loadActions(s.ID, s.Actions, checks)
		if err != nil {
			return nil, fmt.Errorf("plan %s step %s: %w", sp.Name, s.ID, err)
		}
		rb, err := loadActions(s.ID, s.Rollback, nil)
		if err != nil {
			return nil, fmt.Errorf("plan %s step %s rollback: %w", sp.Name, s.ID, err)
		}
		p.Steps = append(p.Steps, mailops.Step{ID: s.ID, Title: s.Title, Reason: s.Reason, Gate: s.Gate, Actions: acts, Rollback: rb})
	}
	if fp := p.Fingerprint(); fp != sp.Fingerprint {
		return nil, fmt.Errorf("plan %s: content fingerprint %s does not match the saved %s: the plan file was edited", sp.Name, fp, sp.Fingerprint)
	}
	return p, nil
}

// writePlanFile writes the saved plan as indented JSON.
func writePlanFile(path string, pf *PlanFile) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(pf); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	return nil
}

// readPlanFile reads a saved plan strictly and checks its version and its
// spec's hash.
func readPlanFile(path string) (*PlanFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return decodePlanFile(path, data)
}

// decodePlanFile decodes a saved plan read from path strictly (unknown
// fields are errors) and checks its version and its spec's hash.
func decodePlanFile(path string, data []byte) (*PlanFile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var pf PlanFile
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("apply: %s: %w", path, err)
	}
	if pf.APIVersion != PlanAPIVersion {
		return nil, fmt.Errorf("apply: %s: apiVersion %q, this mailops reads %q", path, pf.APIVersion, PlanAPIVersion)
	}
	if specHash([]byte(pf.Spec)) != pf.SpecSHA256 {
		return nil, errors.New("apply: the spec inside the plan does not match its specSHA256: the plan file was edited")
	}
	return &pf, nil
}
