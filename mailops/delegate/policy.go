package delegate

import (
	"fmt"
	"slices"

	"github.com/mailops-dev/mailops/mailops"
)

// Actor is an authenticated caller.
type Actor struct {
	// Subject is the identity provider's stable subject for the caller.
	Subject string `json:"subject"`
	// Email is where the caller's notifications go.
	Email mailops.Address `json:"email,omitempty"`
	// Name is for display.
	Name string `json:"name,omitempty"`
	// Domains are the domains the caller administers (is a member of the
	// admin group of).
	Domains []string `json:"domains"`
	// Approver marks IT: the caller may approve and reject requests in
	// Domains (never their own).
	Approver bool `json:"approver"`
}

// Holds reports whether the actor administers domain.
func (a Actor) Holds(domain string) bool { return slices.Contains(a.Domains, domain) }

// Action is what an actor does to a request.
type Action string

// The actions the policy decides.
const (
	ActSubmit  Action = "submit"
	ActRead    Action = "read"
	ActApprove Action = "approve"
	ActReject  Action = "reject"
	ActCancel  Action = "cancel"
	// ActAudit reads the audit log of a request.
	ActAudit Action = "audit"
)

// Allow is the whole policy, one function: an actor acts only on requests in
// the domains they hold (no effect outside them); only an approver approves
// or rejects, and never a request they submitted (no self-approval); only the
// submitter or an approver cancels; only an approver reads the audit log.
// Self-service requests (SetDisplayName, JoinGroup, LeaveGroup) are the one
// exception to the domain rule: anyone submits one for their own address
// (Member must be the actor's Email) and reads or cancels their own, while
// approving still needs IT holding the domain. There is no escalation
// because a request can only change an address's targets or a person's
// display name: the group's owner is always the domain's admin group, set by
// the service, and Service.Submit refuses a self-service join of an admin
// group (Config.escalates), so no request grants anyone a right. A refusal is
// a *mailops.PolicyError wrapped with mailops.ErrForbidden.
func Allow(a Actor, act Action, r Request) error {
	deny := func(reason string) error {
		return fmt.Errorf("%w: %w", mailops.ErrForbidden,
			&mailops.PolicyError{Field: "Actor." + string(act), Value: a.Subject, Reason: reason})
	}
	if a.Subject == "" {
		return deny("no authenticated subject")
	}
	if r.Kind.SelfService() {
		switch act {
		case ActSubmit:
			if a.Email == "" || r.Member != a.Email {
				return deny("a self-service request is only for the actor's own address")
			}
			return nil
		case ActRead, ActCancel:
			if a.Subject == r.Submitter {
				return nil
			}
		}
	}
	if !a.Holds(r.Domain) {
		return deny("domain " + r.Domain + " is outside the actor's domains")
	}
	switch act {
	case ActSubmit, ActRead:
		return nil
	case ActApprove, ActReject:
		if !a.Approver {
			return deny("only IT approves or rejects requests")
		}
		if a.Subject == r.Submitter {
			return deny("nobody approves or rejects their own request")
		}
		return nil
	case ActCancel:
		if a.Subject != r.Submitter && !a.Approver {
			return deny("only the submitter or IT cancels a request")
		}
		return nil
	case ActAudit:
		if !a.Approver {
			return deny("only IT reads the audit log")
		}
		return nil
	}
	return deny("unknown action " + string(act))
}
