package mailops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Plan is an ordered list of steps; each step is an ordered list of actions
// (operations, waits, checks and DNS changes) with its reason and rollback.
type Plan struct {
	Name  string
	Steps []Step
}

// Step is one stage of a migration.
type Step struct {
	ID     string // stable and unique in the plan; the journal keys on it
	Title  string
	Reason string // why the step exists and why here
	// Gate says, in words, what must hold before the step may run; the
	// Check actions enforce it.
	Gate    string
	Actions []Action
	// Rollback undoes the step, in order: operations and DNS changes.
	Rollback []Action
}

// Action is exactly one of an operation, a wait, a check or a DNS change.
type Action struct {
	Op    Operation
	Wait  *Wait
	Check *Check
	DNS   *DNSChange
}

// Kind names the action's kind: "op", "wait", "check" or "dns".
func (a Action) Kind() string {
	switch {
	case a.Op != nil:
		return "op"
	case a.Wait != nil:
		return "wait"
	case a.Check != nil:
		return "check"
	case a.DNS != nil:
		return "dns"
	}
	return "empty"
}

// Describe says what the action does.
func (a Action) Describe() string {
	switch {
	case a.Op != nil:
		return a.Op.Describe()
	case a.Wait != nil:
		return fmt.Sprintf("wait %s: %s", a.Wait.For, a.Wait.Reason)
	case a.Check != nil:
		return "check: " + a.Check.Name
	case a.DNS != nil:
		return a.DNS.Describe()
	}
	return "empty action"
}

// Wait pauses the plan, for example until a change has propagated to mail
// flow. Exchange Online documents no way to observe propagation, so the wait
// is its documented (or configured) upper bound.
type Wait struct {
	Reason string
	For    time.Duration
}

// Check is a gate: the plan does not go on until Run passes. Run is retried
// every Poll until it passes or Timeout has passed (zero Poll: run once).
type Check struct {
	Name    string
	Run     func(ctx context.Context) error
	Poll    time.Duration
	Timeout time.Duration
}

// DNSChange is a change to a domain's DNS records, published through the
// runner's DNSPublisher (or by hand when there is none).
type DNSChange struct {
	Domain string
	Remove []DNSRecord // matched by label, type and value
	Add    []DNSRecord
	// AddVerification adds the domain's ownership TXT record, whose value
	// the tenant chooses when the domain is added: the runner reads it from
	// the tenant at run time.
	AddVerification bool
}

// Describe says what the change does.
func (c DNSChange) Describe() string {
	s := fmt.Sprintf("DNS for %s: remove %d records, add %d", c.Domain, len(c.Remove), len(c.Add))
	if c.AddVerification {
		s += " and the ownership TXT record"
	}
	return s
}

// Validate checks every step: unique non-empty IDs, one kind per action,
// valid operations, positive waits, runnable checks.
func (p *Plan) Validate() error {
	seen := map[string]bool{}
	for i, s := range p.Steps {
		f := fmt.Sprintf("Plan.Steps[%d]", i)
		if s.ID == "" {
			return invalid(f+".ID", "", "required")
		}
		if seen[s.ID] {
			return invalid(f+".ID", s.ID, "used by an earlier step")
		}
		seen[s.ID] = true
		for j, a := range s.Actions {
			af := fmt.Sprintf("%s.Actions[%d]", f, j)
			n := 0
			for _, set := range []bool{a.Op != nil, a.Wait != nil, a.Check != nil, a.DNS != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				return invalid(af, a.Kind(), "an action holds exactly one of Op, Wait, Check, DNS")
			}
			switch {
			case a.Op != nil:
				if err := a.Op.Validate(); err != nil {
					return fmt.Errorf("%s: %w", af, err)
				}
			case a.Wait != nil && a.Wait.For < 0:
				return invalid(af+".Wait.For", a.Wait.For.String(), "negative")
			case a.Check != nil && a.Check.Run == nil:
				return invalid(af+".Check.Run", a.Check.Name, "a check needs a Run function")
			case a.DNS != nil:
				if _, err := ParseDomainName(a.DNS.Domain); err != nil {
					return fmt.Errorf("%s: %w", af, err)
				}
			}
		}
		for j, a := range s.Rollback {
			rf := fmt.Sprintf("%s.Rollback[%d]", f, j)
			switch {
			case a.Op != nil && a.DNS == nil && a.Wait == nil && a.Check == nil:
				if err := a.Op.Validate(); err != nil {
					return fmt.Errorf("%s: %w", rf, err)
				}
			case a.DNS != nil && a.Op == nil && a.Wait == nil && a.Check == nil:
			default:
				return invalid(rf, a.Kind(), "a rollback action is one operation or one DNS change")
			}
		}
	}
	return nil
}

// Fingerprint identifies the plan's content; a journal written for one plan
// is refused for another.
func (p *Plan) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", p.Name)
	for _, s := range p.Steps {
		fmt.Fprintf(h, "step %s\n", s.ID)
		for _, a := range s.Actions {
			fmt.Fprintf(h, "%s %s\n", a.Kind(), a.Describe())
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Operations returns every operation of the plan, in order.
func (p *Plan) Operations() []Operation {
	var out []Operation
	for _, s := range p.Steps {
		for _, a := range s.Actions {
			if a.Op != nil {
				out = append(out, a.Op)
			}
		}
	}
	return out
}
