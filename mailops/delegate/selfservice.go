package delegate

import (
	"fmt"
	"slices"

	"github.com/mailops-dev/mailops/mailops"
)

// The manufacturer's self-service requests: an employee asks for a change
// to their own simple display name or to their own membership of a group;
// IT confirms every one (no self-service request is approved
// automatically), then the service issues the command. They go through the
// same state machine, preview, queue, notifications and audit as the
// university's requests.
const (
	// SetDisplayName sets the submitter's own simple display name
	// (Set-Mailbox -SimpleDisplayName, mailops.SetSimpleDisplayName); the
	// request's address is the submitter's.
	SetDisplayName Kind = "set_display_name"
	// JoinGroup adds the submitter to a group of a delegated domain
	// (Update-DistributionGroupMember with the membership the submitter saw
	// plus themselves, mailops.SetGroupMembers guarded by From).
	JoinGroup Kind = "join_group"
	// LeaveGroup removes the submitter from a group, likewise.
	LeaveGroup Kind = "leave_group"
)

// SelfService reports whether k is one of the self-service kinds, which an
// employee asks for themselves.
func (k Kind) SelfService() bool { return k == SetDisplayName || k == JoinGroup || k == LeaveGroup }

// validateSelf checks a self-service request: the address, the member (who
// must be given), and for a display name its character set; a join's
// targets must hold the member and a leave's must not. A leave may empty a
// group: it is not refused here, so that the preview shows IT what it does
// to the group's mail.
func (r Request) validateSelf() error {
	a, err := mailops.ParseAddress(r.Local + "@" + r.Domain)
	if err != nil {
		return fmt.Errorf("delegate: request address: %w", err)
	}
	if a.Domain() != r.Domain || a.Local() != r.Local {
		return &mailops.ValidationError{Field: "Request.Domain", Value: r.Domain, Reason: "address not in canonical (A-label, lower-case) form"}
	}
	if r.Member == "" {
		return &mailops.ValidationError{Field: "Request.Member", Value: "", Reason: "a self-service request names its member (the submitter's address)"}
	}
	switch r.Kind {
	case SetDisplayName:
		if a != r.Member {
			return &mailops.ValidationError{Field: "Request.Local", Value: string(a), Reason: "a display name request is about its member's own address"}
		}
		if len(r.Targets) > 0 {
			return &mailops.ValidationError{Field: "Request.Targets", Value: fmt.Sprint(r.Targets), Reason: "a display name request takes no targets"}
		}
		return mailops.ValidateSimpleDisplayName(r.DisplayName)
	case JoinGroup:
		if !slices.Contains(r.Targets, r.Member) {
			return &mailops.ValidationError{Field: "Request.Targets", Value: fmt.Sprint(r.Targets), Reason: "a join's members must include the member"}
		}
	case LeaveGroup:
		if slices.Contains(r.Targets, r.Member) {
			return &mailops.ValidationError{Field: "Request.Targets", Value: fmt.Sprint(r.Targets), Reason: "a leave's members must not include the member"}
		}
	}
	if a == r.Member {
		return &mailops.ValidationError{Field: "Request.Member", Value: string(r.Member), Reason: "a group cannot be its own member"}
	}
	return nil
}

// Membership returns the request for member to join (join true) or leave
// group, given the members seen now: the members after the change are the
// seen ones with the member added or removed.
func Membership(group mailops.Address, member mailops.Address, seen []mailops.Address, join bool) Request {
	r := Request{Kind: LeaveGroup, Domain: group.Domain(), Local: group.Local(), Member: member, From: slices.Clone(seen)}
	for _, m := range seen {
		if m != member {
			r.Targets = append(r.Targets, m)
		}
	}
	if join {
		r.Kind = JoinGroup
		r.Targets = append(r.Targets, member)
	}
	return r
}

// escalates reports whether r would grant a right: joining a domain's admin
// group makes its member an admin of the domain, which a self-service
// request must never do (no escalation). IT adds admins through the
// identity provider, not through this service.
func (c Config) escalates(r Request) bool {
	if r.Kind != JoinGroup {
		return false
	}
	return slices.ContainsFunc(c.Domains, func(d DomainConfig) bool { return d.AdminGroup == r.Address() })
}

// selfDomain reports whether a self-service request's domain is one the
// service acts in: a delegated domain for a group, any internal domain for a
// person's display name.
func (c Config) selfDomain(r Request) bool {
	if r.Kind == SetDisplayName {
		return slices.Contains(c.Internal, r.Domain)
	}
	_, ok := c.Domain(r.Domain)
	return ok
}
