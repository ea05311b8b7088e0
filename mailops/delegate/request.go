package delegate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Kind is what a request asks for.
type Kind string

// The requests of the university's address table.
const (
	// CreateAddress creates an address as a distribution group with its
	// targets as members.
	CreateAddress Kind = "create_address"
	// ReplaceTargets replaces the targets (members) of an address.
	ReplaceTargets Kind = "replace_targets"
	// DeleteAddress deletes an address's group.
	DeleteAddress Kind = "delete_address"
)

// Kinds returns every kind of request, the university's then the
// manufacturer's self-service ones.
func Kinds() []Kind {
	return []Kind{CreateAddress, ReplaceTargets, DeleteAddress, SetDisplayName, JoinGroup, LeaveGroup}
}

// Request is one asked-for change and its life.
type Request struct {
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Domain string `json:"domain"`
	Local  string `json:"local"`
	// Targets are the address's members after the change (create and
	// replace); empty for a delete.
	Targets []mailops.Address `json:"targets,omitempty"`
	// From is the membership the submitter saw (replace), so that a change
	// made meanwhile by someone else is refused instead of clobbered.
	From []mailops.Address `json:"from,omitempty"`
	// Submitter is the actor who asked (their token's subject).
	Submitter string `json:"submitter"`
	// SubmitterEmail is where the request's notifications go.
	SubmitterEmail mailops.Address `json:"submitterEmail,omitempty"`
	// IdempotencyKey is the submitter's key for this write; unique per
	// submitter.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	State          State  `json:"state"`
	// NeedsApproval is set when the domain's rules send the request to IT.
	NeedsApproval bool `json:"needsApproval"`
	// DecidedBy is the approver who approved or rejected it.
	DecidedBy string `json:"decidedBy,omitempty"`
	// Reason is the rejection reason or the failure.
	Reason   string `json:"reason,omitempty"`
	Attempts int    `json:"attempts"`
	// Member is the person a self-service request is for (join, leave,
	// display name): always the submitter's own address.
	Member mailops.Address `json:"member,omitempty"`
	// DisplayName is the simple display name a SetDisplayName request asks
	// for.
	DisplayName string `json:"displayName,omitempty"`
	// Preview is the mail-flow simulator's prediction for the request's
	// plan, made before approval; nil when no Previewer is configured.
	Preview   *Preview  `json:"preview,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Address is the address the request is about.
func (r Request) Address() mailops.Address {
	return mailops.Address(strings.ToLower(r.Local) + "@" + strings.ToLower(r.Domain))
}

// Validate checks the request's shape: a known kind, a valid address in
// its domain, targets for a create or replace (at least one: an address with
// no targets loses its mail) and none for a delete.
func (r Request) Validate() error {
	switch r.Kind {
	case CreateAddress, ReplaceTargets, DeleteAddress:
	case SetDisplayName, JoinGroup, LeaveGroup:
		return r.validateSelf()
	default:
		return &mailops.ValidationError{Field: "Request.Kind", Value: string(r.Kind), Reason: "unknown kind"}
	}
	if strings.ContainsAny(r.Local, "@ ") || r.Local == "" {
		return &mailops.ValidationError{Field: "Request.Local", Value: r.Local, Reason: "a bare local part is required"}
	}
	a, err := mailops.ParseAddress(r.Local + "@" + r.Domain)
	if err != nil {
		return fmt.Errorf("delegate: request address: %w", err)
	}
	if a.Domain() != r.Domain || a.Local() != r.Local {
		return &mailops.ValidationError{Field: "Request.Domain", Value: r.Domain, Reason: "address not in canonical (A-label, lower-case) form"}
	}
	if r.Kind == DeleteAddress {
		if len(r.Targets) > 0 {
			return &mailops.ValidationError{Field: "Request.Targets", Value: fmt.Sprint(r.Targets), Reason: "a delete takes no targets"}
		}
		return nil
	}
	if len(r.Targets) == 0 {
		return &mailops.ValidationError{Field: "Request.Targets", Value: "", Reason: "at least one target is required: an address without targets drops its mail"}
	}
	for i, t := range r.Targets {
		p, err := mailops.ParseAddress(string(t))
		if err != nil {
			return fmt.Errorf("delegate: Request.Targets[%d]: %w", i, err)
		}
		if p == a {
			return &mailops.ValidationError{Field: fmt.Sprintf("Request.Targets[%d]", i), Value: string(t), Reason: "an address cannot target itself"}
		}
		if slices.Contains(r.Targets[:i], p) {
			return &mailops.ValidationError{Field: fmt.Sprintf("Request.Targets[%d]", i), Value: string(t), Reason: "listed twice"}
		}
	}
	return nil
}

// Normalize returns the request with its domain, local part and targets in
// canonical form, or the first address that does not parse.
func (r Request) Normalize() (Request, error) {
	r.Domain = strings.ToLower(strings.TrimSpace(r.Domain))
	r.Local = strings.ToLower(strings.TrimSpace(r.Local))
	r.Targets = slices.Clone(r.Targets)
	for i, t := range r.Targets {
		p, err := mailops.ParseAddress(string(t))
		if err != nil {
			return r, fmt.Errorf("delegate: Request.Targets[%d]: %w", i, err)
		}
		r.Targets[i] = p
	}
	r.From = slices.Clone(r.From)
	if r.Member != "" {
		m, err := mailops.ParseAddress(string(r.Member))
		if err != nil {
			return r, fmt.Errorf("delegate: Request.Member: %w", err)
		}
		r.Member = m
	}
	return r, nil
}
