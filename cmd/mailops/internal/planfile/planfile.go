// Package planfile is the saved-plan format of mailops plan --out and
// apply: the spec it was made from, each plan's steps as data, what the
// preflight learned (Basis) and what the plan read (the fingerprint). It is
// apart from the command so that its decoder is fuzzed without the
// command's dependencies (msgraph-sdk-go).
package planfile

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
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// APIVersion is the version of the saved-plan format.
const APIVersion = "mailops.dev/plan/v1"

// File is a saved plan (plan -out): the spec it was made from (text and
// SHA-256), what the preflight learned, every plan's steps as data, and the
// fingerprint: every object the planning read, hashed. Checks are saved by
// name only and rebuilt from the spec when applying; no code is serialised.
type File struct {
	APIVersion string `json:"apiVersion"`
	// SpecFile is where the spec was read from; apply refuses the plan if
	// that file has changed since.
	SpecFile   string `json:"specFile"`
	SpecSHA256 string `json:"specSHA256"`
	Spec       string `json:"spec"`
	Plans      []Plan `json:"plans"`
	// Reads are what the plan read from the tenant (the fingerprint).
	Reads []Read `json:"reads"`
}

// Plan is one saved plan: its name, the library's fingerprint of its
// content (which names the journal's entries), the basis and the steps.
type Plan struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	Basis       Basis  `json:"basis"`
	Steps       []Step `json:"steps"`
}

// Step is one step of a saved plan.
type Step struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Reason   string   `json:"reason,omitempty"`
	Gate     string   `json:"gate,omitempty"`
	Actions  []Action `json:"actions"`
	Rollback []Action `json:"rollback,omitempty"`
}

// Action is exactly one of an operation, a wait, a named check or a
// DNS change.
type Action struct {
	Op    *mailops.EncodedOperation `json:"op,omitempty"`
	Wait  *Wait                     `json:"wait,omitempty"`
	Check *Check                    `json:"check,omitempty"`
	DNS   *mailops.DNSChange        `json:"dns,omitempty"`
}

// Wait is a wait: its reason and duration ("1h0m0s").
type Wait struct {
	Reason string `json:"reason"`
	For    string `json:"for"`
}

// Check names a check; apply takes its code from the plan rebuilt from
// the spec.
type Check struct {
	Name    string `json:"name"`
	Poll    string `json:"poll,omitempty"`
	Timeout string `json:"timeout,omitempty"`
}

// SpecHash is the SHA-256 of a spec file's bytes.
func SpecHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SaveActions turns a plan step's actions into data.
func SaveActions(as []mailops.Action) ([]Action, error) {
	out := make([]Action, 0, len(as))
	for _, a := range as {
		var s Action
		switch {
		case a.Op != nil:
			e, err := mailops.EncodeOperation(a.Op)
			if err != nil {
				return nil, err
			}
			s.Op = &e
		case a.Wait != nil:
			s.Wait = &Wait{Reason: a.Wait.Reason, For: a.Wait.For.String()}
		case a.Check != nil:
			s.Check = &Check{Name: a.Check.Name, Poll: a.Check.Poll.String(), Timeout: a.Check.Timeout.String()}
		case a.DNS != nil:
			c := *a.DNS
			s.DNS = &c
		}
		out = append(out, s)
	}
	return out, nil
}

// CheckSource gives the code of a named check: the plan rebuilt from the
// spec, at the same step and position.
type CheckSource func(step string, action int, name string) (*mailops.Check, error)

func loadActions(step string, sas []Action, checks CheckSource) ([]mailops.Action, error) {
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

// Load turns saved data back into a plan, taking check code from checks.
// Rollback actions (operations and DNS changes only) need no checks.
func Load(sp Plan, checks CheckSource) (*mailops.Plan, error) {
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

// Write writes the saved plan as indented JSON.
func Write(path string, pf *File) error {
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

// Decode decodes a saved plan read from path strictly (unknown
// fields are errors) and checks its version and its spec's hash.
func Decode(path string, data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var pf File
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("apply: %s: %w", path, err)
	}
	if pf.APIVersion != APIVersion {
		return nil, fmt.Errorf("apply: %s: apiVersion %q, this mailops reads %q", path, pf.APIVersion, APIVersion)
	}
	if SpecHash([]byte(pf.Spec)) != pf.SpecSHA256 {
		return nil, errors.New("apply: the spec inside the plan does not match its specSHA256: the plan file was edited")
	}
	return &pf, nil
}

// Read is one object a plan read while it was built, with the hash of the
// JSON of what it saw ("absent" when the read said the object does not
// exist). apply reads each again and refuses the plan when any differs
// (Terraform's saved-plan rule).
type Read struct {
	Kind   string `json:"kind"` // domain, recipient, group, outboundConnector, inboundConnector, remoteDomain, or a list: domains, recipients, groups
	ID     string `json:"id,omitempty"`
	SHA256 string `json:"sha256"`
}

// Basis is what a plan was built from besides the spec: what the preflight
// learned about the tenant. A saved plan keeps it, so that apply rebuilds
// exactly the same plan (for its named checks) without planning again.
type Basis struct {
	// Consolidation: the preflight's results.
	ParentVerified bool                                  `json:"parentVerified,omitempty"`
	HeldUnmanaged  bool                                  `json:"heldUnmanaged,omitempty"`
	LoopFixes      map[string][]mailops.EncodedOperation `json:"loopFixes,omitempty"`
	Findings       []runbook.Finding                     `json:"findings,omitempty"`
	// Cutover: the Default remote domain as read (its rollback restores it).
	DefaultRemoteDomain *mailops.RemoteDomain `json:"defaultRemoteDomain,omitempty"`
}

// Preflight turns a saved basis back into the preflight it came from.
func (b Basis) Preflight() (*runbook.Preflight, error) {
	pf := &runbook.Preflight{ParentVerified: b.ParentVerified, HeldUnmanaged: b.HeldUnmanaged}
	for _, f := range b.Findings {
		if f.Severity != "error" {
			pf.Findings = append(pf.Findings, f)
		}
	}
	for a, es := range b.LoopFixes {
		for _, e := range es {
			op, err := e.Decode()
			if err != nil {
				return nil, err
			}
			if pf.LoopFixes == nil {
				pf.LoopFixes = map[mailops.Address][]mailops.Operation{}
			}
			pf.LoopFixes[mailops.Address(a)] = append(pf.LoopFixes[mailops.Address(a)], op)
		}
	}
	return pf, nil
}
