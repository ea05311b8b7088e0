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
	// AdminGroup is the department's admin group: it owns every address. It
	// is created as a mail-enabled security group (Type Security; a
	// Distribution type is refused), because a group's owner "must be a
	// mailbox, mail user or mail-enabled security group"
	// (New-DistributionGroup -ManagedBy). Leave it empty and list
	// AdminOwners instead when the department manages its groups in Outlook:
	// "Group management in Outlook doesn't work if the owner is a
	// mail-enabled security group".
	AdminGroup mailops.Group
	// AdminOwners, when set, are the department's admins (mailboxes) named
	// individually as every group's owners (at most ten), instead of the
	// admin group.
	AdminOwners []mailops.Address
	// TakeOver: when an unmanaged (self-service) tenant holds the domain,
	// take it over (Entra's external admin takeover) instead of stopping at
	// the preflight until it is released.
	TakeOver bool
	// GapCheck, when set, lists through message trace the mail that bounced
	// before InternalRelay reached mail flow.
	GapCheck *GapCheck
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
	if err := s.validateOwners(); err != nil {
		return err
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

func (s *ConsolidationSpec) validateOwners() error {
	if len(s.AdminOwners) > 0 {
		if s.AdminGroup.PrimaryAddress != "" {
			return &mailops.ValidationError{Field: "ConsolidationSpec.AdminOwners", Reason: "give either the admin group or the admins, not both"}
		}
		if len(s.AdminOwners) > mailops.MaxGroupOwners {
			return &mailops.ValidationError{Field: "ConsolidationSpec.AdminOwners", Value: fmt.Sprint(len(s.AdminOwners)), Reason: "at most ten owners"}
		}
		return nil
	}
	if s.AdminGroup.Type == mailops.Distribution {
		return &mailops.ValidationError{Field: "ConsolidationSpec.AdminGroup.Type", Value: string(s.AdminGroup.Type),
			Reason: "a distribution group cannot own groups: the owner must be a mailbox, mail user or mail-enabled security group"}
	}
	if err := s.AdminGroup.Validate(); err != nil {
		return fmt.Errorf("ConsolidationSpec.AdminGroup: %w", err)
	}
	return nil
}

// owners are every address group's owners.
func (s ConsolidationSpec) owners() []mailops.Address {
	if len(s.AdminOwners) > 0 {
		return slices.Clone(s.AdminOwners)
	}
	return []mailops.Address{s.AdminGroup.PrimaryAddress}
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
		Owners:         s.owners(),
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
	// HeldUnmanaged: an unmanaged (self-service) tenant holds the domain.
	HeldUnmanaged bool
	// LoopFixes remove forwarding on targets that points back at an
	// address (a loop that loses mail), keyed by the address.
	LoopFixes map[mailops.Address][]mailops.Operation
}

// ErrDomainHeld means the domain is held by another tenant, or was released
// too recently, and cannot be added now.
var ErrDomainHeld = errors.New("runbook: domain held by another tenant")

// DomainHold is what an Ownership probe may also report: who holds the
// domain ("" nobody, "unmanaged", "managed": another managed tenant) and how
// long until this tenant can verify it (0, or the rest of the release delay
// after a recent release: "You may have to wait one hour after removing the
// domain from the old tenant", migrate-mailboxes-across-tenants).
type DomainHold interface {
	DomainHold(ctx context.Context, domain string) (heldBy string, wait time.Duration, err error)
}

// RunPreflight inspects the tenant before anything changes: whether the
// domain can be added now (when own is not nil: held by another tenant, by
// an unmanaged one, or released less than the release delay ago), whether a
// parent domain is verified, that every target exists as a recipient or
// group of the tenant (a missing target would stop the plan at the groups
// step, after the MX has moved), forwarding loops between targets and
// addresses (either forwarding field), and addresses that must accept
// external mail. A read error stops it: a failure is never taken for
// absence.
func RunPreflight(ctx context.Context, d mailops.Driver, spec ConsolidationSpec, own Ownership) (*Preflight, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	pf := &Preflight{LoopFixes: map[mailops.Address][]mailops.Operation{}}
	if own != nil {
		if err := pf.probeOwnership(ctx, spec, own); err != nil {
			return nil, err
		}
	}
	if err := pf.probeParent(ctx, d, spec.Domain); err != nil {
		return nil, err
	}
	if err := pf.probeOwners(ctx, d, spec); err != nil {
		return nil, err
	}
	for _, a := range spec.Addresses {
		if a.External {
			pf.Findings = append(pf.Findings, Finding{ID: "group.external-senders", Severity: "info",
				Message: string(a.Address) + " receives external mail: its group accepts unauthenticated senders (RequireSenderAuthenticationEnabled $false)"})
		}
		for _, t := range a.Targets {
			if err := pf.probeTarget(ctx, d, a, t); err != nil {
				return nil, err
			}
		}
	}
	return pf, nil
}

func (pf *Preflight) probeOwnership(ctx context.Context, spec ConsolidationSpec, own Ownership) error {
	held, err := own.HeldElsewhere(ctx, spec.Domain)
	if err != nil {
		return fmt.Errorf("runbook: ownership probe: %w", err)
	}
	heldBy, wait := "", time.Duration(0)
	if dh, ok := own.(DomainHold); ok {
		if heldBy, wait, err = dh.DomainHold(ctx, spec.Domain); err != nil {
			return fmt.Errorf("runbook: ownership probe: %w", err)
		}
		held = heldBy != ""
	}
	switch {
	case heldBy == "unmanaged" && spec.TakeOver:
		pf.HeldUnmanaged = true
		pf.Findings = append(pf.Findings, Finding{ID: "domain.takeover", Severity: "warning",
			Message: spec.Domain + " is held by an unmanaged (self-service) tenant: the plan takes it over (external admin takeover), which moves that tenant's users on the domain into this tenant"})
	case heldBy == "unmanaged":
		pf.HeldUnmanaged = true
		pf.Findings = append(pf.Findings, Finding{ID: "domain.held-elsewhere", Severity: "error",
			Message: spec.Domain + " is held by an unmanaged (self-service) tenant: release it there and wait about an hour, or set TakeOver to take it over"})
	case held:
		pf.Findings = append(pf.Findings, Finding{ID: "domain.held-elsewhere", Severity: "error",
			Message: spec.Domain + " is held by another tenant: release it there, then wait about an hour before adding it"})
	case wait > 0:
		pf.Findings = append(pf.Findings, Finding{ID: "domain.release-pending", Severity: "error",
			Message: fmt.Sprintf("%s was released by another tenant recently: it can be verified here in %s; nothing is changed before then", spec.Domain, wait.Round(time.Second))})
	}
	return nil
}

func (pf *Preflight) probeParent(ctx context.Context, d mailops.Driver, domain string) error {
	labels := strings.Split(domain, ".")
	for i := 1; i < len(labels)-1; i++ {
		parent := strings.Join(labels[i:], ".")
		dom, err := d.GetDomain(ctx, parent)
		if errors.Is(err, mailops.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if dom.Verified {
			pf.ParentVerified = true
			pf.Findings = append(pf.Findings, Finding{ID: "domain.parent-verified", Severity: "info",
				Message: "parent domain " + parent + " is verified: " + domain + " needs no ownership proof"})
			return nil
		}
	}
	return nil
}

// probeOwners checks that individually named owners exist as mailboxes or
// mail users (the admin group is created by the plan).
func (pf *Preflight) probeOwners(ctx context.Context, d mailops.Driver, spec ConsolidationSpec) error {
	for _, o := range spec.AdminOwners {
		r, err := d.GetRecipient(ctx, o)
		switch {
		case errors.Is(err, mailops.ErrNotFound):
			pf.Findings = append(pf.Findings, Finding{ID: "owner.missing", Severity: "error",
				Message: string(o) + " is named as an owner but is not a mailbox or mail user of the tenant"})
		case err != nil:
			return err
		case !r.SecurityPrincipal():
			pf.Findings = append(pf.Findings, Finding{ID: "owner.not-principal", Severity: "error",
				Message: string(o) + " is a mail contact: a group's owner must be a mailbox, mail user or mail-enabled security group"})
		}
	}
	return nil
}

// probeTarget checks that a target exists and does not forward back to the
// address.
func (pf *Preflight) probeTarget(ctx context.Context, d mailops.Driver, a AddressSpec, t mailops.Address) error {
	r, err := d.GetRecipient(ctx, t)
	if errors.Is(err, mailops.ErrNotFound) {
		if _, gerr := d.GetGroup(ctx, t); gerr == nil {
			return nil
		} else if !errors.Is(gerr, mailops.ErrNotFound) {
			return gerr
		}
		pf.Findings = append(pf.Findings, Finding{ID: "target.missing", Severity: "error",
			Message: fmt.Sprintf("%s delivers to %s, which is not a mailbox, mail user, mail contact or group of the tenant: create it (an external target needs a mail contact) before the plan starts", a.Address, t)})
		return nil
	}
	if err != nil {
		return err
	}
	if slices.Contains(r.Forwarding().Targets(), a.Address) {
		fwd := r.Forwarding()
		pf.LoopFixes[a.Address] = append(pf.LoopFixes[a.Address], mailops.SetForwarding{Address: t, From: &fwd})
		pf.Findings = append(pf.Findings, Finding{ID: "forwarding.loop", Severity: "warning",
			Message: fmt.Sprintf("%s forwards to %s, whose group delivers back to it: the forwarding is removed before the group is created", t, a.Address)})
	}
	return nil
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
