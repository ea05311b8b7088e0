package delegate

import (
	"fmt"
	"slices"

	"github.com/mailops-dev/mailops/mailops"
)

// Plan builds the request's plan from mailops operations: a create is one
// CreateGroup with its members in the call (a group created empty drops its
// mail), owned by the domain's admin group and accepting external senders
// (a departmental address receives mail from outside); a replace is one
// SetGroupMembers guarded by the membership the submitter saw; a delete is
// one DeleteGroup.
func (c Config) Plan(r Request) (*mailops.Plan, error) {
	d, ok := c.Domain(r.Domain)
	if !ok && !(r.Kind == SetDisplayName && slices.Contains(c.Internal, r.Domain)) {
		return nil, fmt.Errorf("delegate: domain %q is not delegated: %w", r.Domain, mailops.ErrNotFound)
	}
	addr := r.Address()
	var op mailops.Operation
	switch r.Kind {
	case CreateAddress:
		op = mailops.CreateGroup{Group: mailops.Group{
			PrimaryAddress: addr,
			Name:           string(addr),
			Members:        slices.Clone(r.Targets),
			Owners:         []mailops.Address{d.AdminGroup},
		}}
	case ReplaceTargets:
		op = mailops.SetGroupMembers{Group: addr, Members: slices.Clone(r.Targets), From: slices.Clone(r.From)}
	case DeleteAddress:
		op = mailops.DeleteGroup{Group: addr}
	case JoinGroup, LeaveGroup:
		op = mailops.SetGroupMembers{Group: addr, Members: slices.Clone(r.Targets), From: slices.Clone(r.From)}
	case SetDisplayName:
		op = mailops.SetSimpleDisplayName{Address: addr, Kind: mailops.Mailbox, Name: r.DisplayName} // self-service is for employees, who have mailboxes (Set-Mailbox -SimpleDisplayName)
	default:
		return nil, &mailops.ValidationError{Field: "Request.Kind", Value: string(r.Kind), Reason: "unknown kind"}
	}
	p := &mailops.Plan{Name: "request " + r.ID, Steps: []mailops.Step{{
		ID:      string(r.Kind),
		Title:   op.Describe(),
		Reason:  fmt.Sprintf("requested by %s for %s", r.Submitter, addr),
		Actions: []mailops.Action{{Op: op}},
	}}}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("delegate: plan of request %s: %w", r.ID, err)
	}
	return p, nil
}

// PowerShell renders the request's plan as the equivalent Exchange Online
// PowerShell for the approver to review.
func (c Config) PowerShell(r Request) (string, error) {
	p, err := c.Plan(r)
	if err != nil {
		return "", err
	}
	return p.PowerShell(), nil
}
