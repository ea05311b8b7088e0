package runbook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// ConsolidationSpec describes one departmental domain folded into the tenant
// (DESIGN.md section 8): every address becomes a distribution group whose
// members are the people's main addresses.
type ConsolidationSpec struct {
	// Domain is the departmental domain, e.g. depta.example.ac.jp.
	Domain string
	// LegacyMX is the departmental mail host that keeps receiving until
	// the end, e.g. mx.depta.example.ac.jp. LegacyMXPreference and
	// LegacyMXTTL describe its current MX record.
	LegacyMX           string
	LegacyMXPreference int
	LegacyMXTTL        time.Duration
	// LegacySPF is the domain's current SPF record, replaced at the switch
	// ("" if none).
	LegacySPF string
	// AdminGroup is the department's admin group: it owns every address.
	AdminGroup mailops.Group
	// Addresses are the departmental addresses to move.
	Addresses []AddressSpec
	// ConnectorName names the outbound connector to the legacy host.
	ConnectorName string
	// InitialDomain is the tenant's contoso.onmicrosoft.com domain, for DKIM.
	InitialDomain string
	// NewMXTTL is the TTL of the Exchange Online MX record (default 1h).
	NewMXTTL time.Duration
	Timing   Timing
	Gates    Gates
	// Unsafe replays a known-bad variant; see the Unsafe constants.
	Unsafe Unsafe
}

// AddressSpec is one departmental address.
type AddressSpec struct {
	Address     mailops.Address
	DisplayName string
	// Targets are the people's main addresses the group delivers to.
	Targets []mailops.Address
	// SendAs are the tenant members who may send as the address.
	SendAs []mailops.Address
	// External is true when the address receives mail from outside the
	// tenant: its group must accept unauthenticated senders.
	External bool
}

// Unsafe names known-bad variants, for showing in the simulator what the
// runbook's ordering and checks prevent. The zero value is the safe runbook.
type Unsafe string

// Known-bad variants.
const (
	// UnsafeEmptyGroup creates each group empty and sets its members later.
	UnsafeEmptyGroup Unsafe = "empty-group"
	// UnsafeEarlyAuthoritative makes the domain Authoritative before the
	// groups have propagated.
	UnsafeEarlyAuthoritative Unsafe = "early-authoritative"
	// UnsafeSenderAuth leaves RequireSenderAuthentication on (EXO's
	// default) for addresses that receive external mail.
	UnsafeSenderAuth Unsafe = "sender-auth"
	// UnsafeForwardLoop skips removing forwarding that points back at the
	// address.
	UnsafeForwardLoop Unsafe = "forward-loop"
	// UnsafeLowPriorityMX adds Exchange Online as a low-priority MX while
	// the legacy server is still primary (cutover runbook).
	UnsafeLowPriorityMX Unsafe = "low-priority-mx"
)

func (s *ConsolidationSpec) withDefaults() ConsolidationSpec {
	c := *s
	c.Timing = s.Timing.orDefault()
	if c.ConnectorName == "" {
		c.ConnectorName = "To " + s.Domain + " legacy"
	}
	if c.NewMXTTL == 0 {
		c.NewMXTTL = time.Hour
	}
	if c.LegacyMXTTL == 0 {
		c.LegacyMXTTL = time.Hour
	}
	if c.LegacyMXPreference == 0 {
		c.LegacyMXPreference = 10
	}
	return c
}

// Validate checks the spec: names, addresses, the admin group, and that
// every address has at least one target and belongs to the domain.
func (s *ConsolidationSpec) Validate() error {
	if _, err := mailops.ParseDomainName(s.Domain); err != nil {
		return fmt.Errorf("ConsolidationSpec.Domain: %w", err)
	}
	if _, err := mailops.ParseDomainName(s.LegacyMX); err != nil {
		return fmt.Errorf("ConsolidationSpec.LegacyMX: %w", err)
	}
	if s.InitialDomain != "" {
		if _, err := mailops.ParseDomainName(s.InitialDomain); err != nil {
			return fmt.Errorf("ConsolidationSpec.InitialDomain: %w", err)
		}
	}
	if err := s.AdminGroup.Validate(); err != nil {
		return fmt.Errorf("ConsolidationSpec.AdminGroup: %w", err)
	}
	if len(s.Addresses) == 0 {
		return &mailops.ValidationError{Field: "ConsolidationSpec.Addresses", Reason: "no addresses to move"}
	}
	seen := map[mailops.Address]bool{}
	for i, a := range s.Addresses {
		f := fmt.Sprintf("ConsolidationSpec.Addresses[%d]", i)
		if err := a.Address.Validate(); err != nil {
			return fmt.Errorf("%s.Address: %w", f, err)
		}
		if a.Address.Domain() != s.Domain {
			return &mailops.ValidationError{Field: f + ".Address", Value: string(a.Address), Reason: "not in domain " + s.Domain}
		}
		if seen[a.Address] {
			return &mailops.ValidationError{Field: f + ".Address", Value: string(a.Address), Reason: "listed twice"}
		}
		seen[a.Address] = true
		if len(a.Targets) == 0 {
			return &mailops.ValidationError{Field: f + ".Targets", Value: string(a.Address), Reason: "an address needs at least one target: an empty group drops its mail"}
		}
		if err := addressGroup(*s, a, false).Validate(); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	switch s.Unsafe {
	case "", UnsafeEmptyGroup, UnsafeEarlyAuthoritative, UnsafeSenderAuth, UnsafeForwardLoop:
	default:
		return &mailops.ValidationError{Field: "ConsolidationSpec.Unsafe", Value: string(s.Unsafe), Reason: "unknown variant for the consolidation runbook"}
	}
	return nil
}

// addressGroup is the distribution group for one address.
func addressGroup(s ConsolidationSpec, a AddressSpec, empty bool) mailops.Group {
	name := a.DisplayName
	if name == "" {
		name = a.Address.Local() + " (" + s.Domain + ")"
	}
	if len([]rune(name)) > mailops.MaxNameLen {
		name = string([]rune(name)[:mailops.MaxNameLen])
	}
	g := mailops.Group{
		PrimaryAddress: a.Address,
		Name:           name,
		DisplayName:    a.DisplayName,
		Members:        slices.Clone(a.Targets),
		Owners:         []mailops.Address{s.AdminGroup.PrimaryAddress},
		SendAs:         slices.Clone(a.SendAs),
		// Created open: mail sent before the switch and deferred can come
		// back in through the edge as external mail. An internal-only
		// address is restricted after the senders' horizon (step
		// "restrict-senders").
		RequireSenderAuthentication: false,
	}
	if s.Unsafe == UnsafeSenderAuth {
		g.RequireSenderAuthentication = true
	}
	if empty {
		g.Members = nil
	}
	return g
}

// Finding is one preflight result.
type Finding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"` // "error", "warning", "info"
	Message  string `json:"message"`
}

// Preflight is what the consolidation runbook learned about the tenant before
// planning.
type Preflight struct {
	Findings []Finding
	// ParentVerified: a parent domain is verified in the tenant, so the
	// domain needs no ownership proof.
	ParentVerified bool
	// LoopFixes remove forwarding on targets that points back at an
	// address (a loop that loses mail), keyed by the address.
	LoopFixes map[mailops.Address][]mailops.Operation
}

// ErrDomainHeld means the domain is held by another tenant and must be
// released (and about an hour passed) before the runbook can start.
var ErrDomainHeld = errors.New("runbook: domain held by another tenant")

// RunPreflight inspects the tenant: forwarding loops between targets and
// addresses, addresses that must accept external mail, a domain held by an
// unmanaged tenant (when own is not nil), and whether a parent domain is
// verified. A read error stops it: a failure is never taken for absence.
func RunPreflight(ctx context.Context, d mailops.Driver, spec ConsolidationSpec, own Ownership) (*Preflight, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	pf := &Preflight{LoopFixes: map[mailops.Address][]mailops.Operation{}}
	if own != nil {
		held, err := own.HeldElsewhere(ctx, spec.Domain)
		if err != nil {
			return nil, fmt.Errorf("runbook: ownership probe: %w", err)
		}
		if held {
			pf.Findings = append(pf.Findings, Finding{ID: "domain.held-elsewhere", Severity: "error",
				Message: spec.Domain + " is held by another (unmanaged) tenant: release it there, then wait about an hour before adding it"})
		}
	}
	labels := strings.Split(spec.Domain, ".")
	for i := 1; i < len(labels)-1; i++ {
		parent := strings.Join(labels[i:], ".")
		dom, err := d.GetDomain(ctx, parent)
		if errors.Is(err, mailops.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if dom.Verified {
			pf.ParentVerified = true
			pf.Findings = append(pf.Findings, Finding{ID: "domain.parent-verified", Severity: "info",
				Message: "parent domain " + parent + " is verified: " + spec.Domain + " needs no ownership proof"})
			break
		}
	}
	for _, a := range spec.Addresses {
		if a.External {
			pf.Findings = append(pf.Findings, Finding{ID: "group.external-senders", Severity: "info",
				Message: string(a.Address) + " receives external mail: its group accepts unauthenticated senders (RequireSenderAuthenticationEnabled $false)"})
		}
		for _, t := range a.Targets {
			r, err := d.GetRecipient(ctx, t)
			if errors.Is(err, mailops.ErrNotFound) {
				continue // a target that is a group or an external contact has no forwarding
			}
			if err != nil {
				return nil, err
			}
			if slices.Contains(r.Forwarding().Targets(), a.Address) {
				fwd := r.Forwarding()
				pf.LoopFixes[a.Address] = append(pf.LoopFixes[a.Address], mailops.SetForwarding{Address: t, From: &fwd})
				pf.Findings = append(pf.Findings, Finding{ID: "forwarding.loop", Severity: "warning",
					Message: fmt.Sprintf("%s forwards to %s, whose group delivers back to it: the forwarding is removed before the group is created", t, a.Address)})
			}
		}
	}
	return pf, nil
}

// Errors returns the error findings.
func (p *Preflight) Errors() []Finding {
	var out []Finding
	for _, f := range p.Findings {
		if f.Severity == "error" {
			out = append(out, f)
		}
	}
	return out
}
