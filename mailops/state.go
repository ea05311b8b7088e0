package mailops

import (
	"context"
	"slices"
)

// DesiredState is the configuration a caller wants for the objects it names.
// Objects it does not name are left alone; objects listed under Remove are
// deleted.
type DesiredState struct {
	// Domains: the domain must exist and be verified, with this type (an
	// empty Type leaves the type alone).
	Domains            []Domain
	Recipients         []Recipient
	Groups             []Group
	OutboundConnectors []OutboundConnector
	InboundConnectors  []InboundConnector
	RemoteDomains      []RemoteDomain
	Remove             Removals
}

// Removals names objects that must not exist.
type Removals struct {
	Groups             []Address
	OutboundConnectors []string
	InboundConnectors  []string
}

// Diff observes the tenant through d and returns a one-step plan that brings
// the named objects to the desired state, each operation carrying the state
// it was planned from (so the runner refuses to overwrite later changes).
// Applying the plan and diffing again gives an empty plan. A read error stops
// the diff: a failure is never taken for absence.
//
// Some differences have no Exchange Online call behind the Driver and are not
// planned: a recipient's display name or proxy addresses, a group's name,
// display name or owners. A differing inbound connector is replaced (removed
// and created again).
func Diff(ctx context.Context, d Driver, want DesiredState) (*Plan, error) {
	var ops []Operation
	add := func(o ...Operation) { ops = append(ops, o...) }

	for _, w := range want.Domains {
		have, err := d.GetDomain(ctx, w.Name)
		found, err := absentOrErr(err)
		if err != nil {
			return nil, err
		}
		if !found {
			add(AddDomain{Name: w.Name}, VerifyDomain{Name: w.Name})
			if w.Type != "" && w.Type != Authoritative {
				add(SetDomainType{Name: w.Name, Type: w.Type, From: Authoritative})
			}
			continue
		}
		if !have.Verified {
			add(VerifyDomain{Name: w.Name})
		}
		if w.Type != "" && have.Type != w.Type {
			add(SetDomainType{Name: w.Name, Type: w.Type, From: have.Type})
		}
	}

	for _, w := range want.Recipients {
		have, err := d.GetRecipient(ctx, w.Address)
		found, err := absentOrErr(err)
		if err != nil {
			return nil, err
		}
		if !found {
			add(CreateRecipient{Recipient: w})
			continue
		}
		if have.SimpleDisplayName != w.SimpleDisplayName {
			from := have.SimpleDisplayName
			add(SetSimpleDisplayName{Address: w.Address, Kind: have.Kind, Name: w.SimpleDisplayName, From: &from})
		}
		if hf, wf := have.Forwarding(), w.Forwarding(); hf != wf && have.Kind == Mailbox {
			add(SetForwarding{Address: w.Address, Forwarding: wf, From: &hf})
		}
	}

	for _, w := range want.Groups {
		have, err := d.GetGroup(ctx, w.PrimaryAddress)
		found, err := absentOrErr(err)
		if err != nil {
			return nil, err
		}
		if !found {
			add(CreateGroup{Group: w})
			continue
		}
		if !sameAddresses(have.Members, w.Members) {
			add(SetGroupMembers{Group: w.PrimaryAddress, Members: slices.Clone(w.Members), From: slices.Clone(have.Members)})
		}
		if have.RequireSenderAuthentication != w.RequireSenderAuthentication {
			from := have.RequireSenderAuthentication
			add(SetGroupSenderAuthentication{Group: w.PrimaryAddress, Require: w.RequireSenderAuthentication, From: &from})
		}
		for _, t := range w.SendAs {
			if !slices.Contains(have.SendAs, t) {
				add(GrantSendAs{Group: w.PrimaryAddress, Trustee: t})
			}
		}
		for _, t := range have.SendAs {
			if !slices.Contains(w.SendAs, t) {
				add(RevokeSendAs{Group: w.PrimaryAddress, Trustee: t})
			}
		}
	}

	for _, w := range want.OutboundConnectors {
		have, err := d.GetOutboundConnector(ctx, w.Name)
		found, err := absentOrErr(err)
		if err != nil {
			return nil, err
		}
		switch {
		case !found:
			add(CreateOutboundConnector{Connector: w})
		case !outboundEqual(have, w):
			from := have
			add(UpdateOutboundConnector{Connector: w, From: &from})
		}
	}

	for _, w := range want.InboundConnectors {
		have, err := d.GetInboundConnector(ctx, w.Name)
		found, err := absentOrErr(err)
		if err != nil {
			return nil, err
		}
		switch {
		case !found:
			add(CreateInboundConnector{Connector: w})
		case !inboundEqual(have, w):
			add(DeleteInboundConnector{Name: w.Name}, CreateInboundConnector{Connector: w})
		}
	}

	for _, w := range want.RemoteDomains {
		have, err := d.GetRemoteDomain(ctx, w.Name)
		found, err := absentOrErr(err)
		if err != nil {
			return nil, err
		}
		switch {
		case !found:
			add(CreateRemoteDomain{RemoteDomain: w})
		case have != w:
			from := have
			add(SetRemoteDomain{RemoteDomain: w, From: &from})
		}
	}

	for _, a := range want.Remove.Groups {
		if _, err := d.GetGroup(ctx, a); err == nil {
			add(DeleteGroup{Group: a})
		} else if _, err := absentOrErr(err); err != nil {
			return nil, err
		}
	}
	for _, n := range want.Remove.OutboundConnectors {
		if _, err := d.GetOutboundConnector(ctx, n); err == nil {
			add(DeleteOutboundConnector{Name: n})
		} else if _, err := absentOrErr(err); err != nil {
			return nil, err
		}
	}
	for _, n := range want.Remove.InboundConnectors {
		if _, err := d.GetInboundConnector(ctx, n); err == nil {
			add(DeleteInboundConnector{Name: n})
		} else if _, err := absentOrErr(err); err != nil {
			return nil, err
		}
	}

	p := &Plan{Name: "converge"}
	if len(ops) > 0 {
		s := Step{ID: "converge", Title: "Bring the tenant to the desired state", Reason: "observed state differs from the desired state"}
		for _, o := range ops {
			s.Actions = append(s.Actions, Action{Op: o})
		}
		p.Steps = []Step{s}
	}
	return p, p.Validate()
}
