package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

type exoGroup struct {
	Name                               string   `json:"Name"`
	DisplayName                        string   `json:"DisplayName"`
	PrimarySmtpAddress                 string   `json:"PrimarySmtpAddress"`
	RequireSenderAuthenticationEnabled bool     `json:"RequireSenderAuthenticationEnabled"`
	ManagedBy                          []string `json:"ManagedBy"`
	SimpleDisplayName                  *string  `json:"SimpleDisplayName"`
	RecipientTypeDetails               string   `json:"RecipientTypeDetails"`
}

// groupType reads the type from RecipientTypeDetails.
func (e exoGroup) groupType() mailops.GroupType {
	if e.RecipientTypeDetails == "MailUniversalSecurityGroup" || e.RecipientTypeDetails == "MailNonUniversalGroup" {
		return mailops.Security
	}
	return mailops.Distribution
}

type exoMember struct {
	PrimarySmtpAddress string `json:"PrimarySmtpAddress"`
}

type exoPermission struct {
	Trustee      string   `json:"Trustee"`
	AccessRights []string `json:"AccessRights"`
	IsInherited  bool     `json:"IsInherited"`
}

func addrStrings(as []mailops.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// CreateGroup checks every SendAs trustee with Get-Recipient, runs
// New-DistributionGroup (-Type, -Alias = the local part of the primary
// address, owners, RequireSenderAuthenticationEnabled and the first
// mailops.MaxMembersPerCall members in one call), adds further members one
// by one with Add-DistributionGroupMember, sets the simple display name
// with Set-DistributionGroup, then Add-RecipientPermission per trustee. A
// failure after the group exists removes it again.
func (d *Driver) CreateGroup(ctx context.Context, g mailops.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	for _, t := range g.SendAs {
		if _, err := d.exo.invoke(ctx, "Get-Recipient", map[string]any{"Identity": string(t)}); err != nil {
			return fmt.Errorf("graph: group %s: SendAs trustee %s: %w", g.PrimaryAddress, t, err)
		}
	}
	first, rest := splitMembers(g.Members)
	params := map[string]any{
		"Name": g.Name, "Alias": g.Alias(), "PrimarySmtpAddress": string(g.PrimaryAddress), "ManagedBy": addrStrings(g.Owners),
		"Members": addrStrings(first), "RequireSenderAuthenticationEnabled": g.RequireSenderAuthentication, "Type": string(g.Type.Or()),
	}
	if g.DisplayName != "" {
		params["DisplayName"] = g.DisplayName
	}
	if _, err := d.exo.invoke(ctx, "New-DistributionGroup", params); err != nil {
		return err
	}
	undo := func(what string, err error) error {
		if derr := d.DeleteGroup(ctx, g.PrimaryAddress); derr != nil {
			return fmt.Errorf("graph: group %s: created, but %s: %w; removing the group again failed too: %v", g.PrimaryAddress, what, err, derr)
		}
		return fmt.Errorf("graph: group %s: %s: %w (the new group was removed again)", g.PrimaryAddress, what, err)
	}
	if err := d.addMembers(ctx, g.PrimaryAddress, rest); err != nil {
		return undo("adding members", err)
	}
	if g.SimpleDisplayName != "" {
		if err := d.SetGroupSimpleDisplayName(ctx, g.PrimaryAddress, g.SimpleDisplayName); err != nil {
			return undo("setting the simple display name", err)
		}
	}
	for _, t := range g.SendAs {
		if err := d.GrantSendAs(ctx, g.PrimaryAddress, t); err != nil {
			return undo("granting SendAs to "+string(t), err)
		}
	}
	return nil
}

// splitMembers cuts a member list at mailops.MaxMembersPerCall: the part for
// the -Members parameter and the rest, added one by one as the
// documentation's own example does (exchange-online-powershell-v2:
// "Update-DistributionGroupMember -Identity DG01 -Members $Members[0..4999]"
// then "$Members[5000..9999] | foreach {Add-DistributionGroupMember
// -Identity DG01 -Member $_}").
func splitMembers(ms []mailops.Address) (first, rest []mailops.Address) {
	if len(ms) <= mailops.MaxMembersPerCall {
		return ms, nil
	}
	return ms[:mailops.MaxMembersPerCall], ms[mailops.MaxMembersPerCall:]
}

// addMembers is Add-DistributionGroupMember -Member, once per member.
func (d *Driver) addMembers(ctx context.Context, group mailops.Address, ms []mailops.Address) error {
	for _, m := range ms {
		if _, err := d.exo.invoke(ctx, "Add-DistributionGroupMember", map[string]any{"Identity": string(group), "Member": string(m),
			"BypassSecurityGroupManagerCheck": true, "Confirm": false}); err != nil {
			return fmt.Errorf("graph: group %s: adding member %s: %w", group, m, err)
		}
	}
	return nil
}

// GetGroup reads Get-DistributionGroup, Get-DistributionGroupMember and
// Get-RecipientPermission. Owners come from ManagedBy, each entry (a name,
// not an address) resolved with Get-Recipient; never from Graph's
// /groups/{id}/owners, which is empty for groups created in Exchange
// ("Owners are currently not available in Microsoft Graph for groups that
// were created in Exchange", learn.microsoft.com/graph/api/group-list-owners).
func (d *Driver) GetGroup(ctx context.Context, a mailops.Address) (mailops.Group, error) {
	if err := a.Validate(); err != nil {
		return mailops.Group{}, err
	}
	raw, err := d.exo.invoke(ctx, "Get-DistributionGroup", map[string]any{"Identity": string(a)})
	if err != nil {
		return mailops.Group{}, err
	}
	eg, err := decodeOne[exoGroup]("Get-DistributionGroup", string(a), raw)
	if err != nil {
		return mailops.Group{}, err
	}
	return d.completeGroup(ctx, eg)
}

func (d *Driver) completeGroup(ctx context.Context, eg exoGroup) (mailops.Group, error) {
	prim, err := mailops.ParseAddress(eg.PrimarySmtpAddress)
	if err != nil {
		return mailops.Group{}, &ResponseError{Service: "Exchange", Op: "Get-DistributionGroup", Status: 200, ContentType: "application/json",
			Reason: "PrimarySmtpAddress is not an address: " + err.Error(), Err: mailops.ErrUnavailable}
	}
	g := mailops.Group{PrimaryAddress: prim, Type: eg.groupType(), Name: eg.Name, DisplayName: eg.DisplayName,
		RequireSenderAuthentication: eg.RequireSenderAuthenticationEnabled}
	if eg.SimpleDisplayName != nil {
		g.SimpleDisplayName = *eg.SimpleDisplayName
	}
	raw, err := d.exo.invoke(ctx, "Get-DistributionGroupMember", map[string]any{"Identity": string(prim), "ResultSize": "Unlimited"})
	if err != nil {
		return mailops.Group{}, err
	}
	ms, err := decodeAll[exoMember]("Get-DistributionGroupMember", raw)
	if err != nil {
		return mailops.Group{}, err
	}
	for _, m := range ms {
		ma, err := mailops.ParseAddress(m.PrimarySmtpAddress)
		if err != nil {
			return mailops.Group{}, &ResponseError{Service: "Exchange", Op: "Get-DistributionGroupMember", Status: 200, ContentType: "application/json",
				Reason: "a member's PrimarySmtpAddress is not an address: " + err.Error(), Err: mailops.ErrUnavailable}
		}
		g.Members = append(g.Members, ma)
	}
	raw, err = d.exo.invoke(ctx, "Get-RecipientPermission", map[string]any{"Identity": string(prim), "AccessRights": "SendAs"})
	if err != nil {
		return mailops.Group{}, err
	}
	perms, err := decodeAll[exoPermission]("Get-RecipientPermission", raw)
	if err != nil {
		return mailops.Group{}, err
	}
	for _, p := range perms {
		if p.IsInherited || !slices.Contains(p.AccessRights, "SendAs") {
			continue
		}
		t, err := mailops.ParseAddress(p.Trustee)
		if err != nil {
			continue // NT AUTHORITY\SELF and other non-address trustees
		}
		g.SendAs = append(g.SendAs, t)
	}
	for _, o := range eg.ManagedBy {
		oa, err := d.resolveAddress(ctx, o)
		if err != nil {
			return mailops.Group{}, fmt.Errorf("graph: group %s: resolving owner %q: %w", prim, o, err)
		}
		g.Owners = append(g.Owners, oa)
	}
	return g, nil
}

// ListGroups is Get-DistributionGroup -ResultSize Unlimited (distribution
// groups and mail-enabled security groups), each completed as GetGroup
// does.
func (d *Driver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	list, err := d.listEXOGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]mailops.Group, 0, len(list))
	for _, eg := range list {
		g, err := d.completeGroup(ctx, eg)
		if errors.Is(err, mailops.ErrNotFound) {
			continue // deleted between the list and the reads
		}
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b mailops.Group) int {
		return strings.Compare(string(a.PrimaryAddress), string(b.PrimaryAddress))
	})
	return out, nil
}

// listEXOGroups is Get-DistributionGroup -ResultSize Unlimited, decoded.
func (d *Driver) listEXOGroups(ctx context.Context) ([]exoGroup, error) {
	raw, err := d.exo.invoke(ctx, "Get-DistributionGroup", map[string]any{"ResultSize": "Unlimited"})
	if err != nil {
		return nil, err
	}
	return decodeAll[exoGroup]("Get-DistributionGroup", raw)
}

// ListGroupAddresses implements mailops.GroupIndexer: Get-DistributionGroup
// -ResultSize Unlimited alone, without each group's member and permission
// reads.
func (d *Driver) ListGroupAddresses(ctx context.Context) ([]mailops.Address, error) {
	list, err := d.listEXOGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]mailops.Address, 0, len(list))
	for _, eg := range list {
		a, err := mailops.ParseAddress(eg.PrimarySmtpAddress)
		if err != nil {
			return nil, &ResponseError{Service: "Exchange", Op: "Get-DistributionGroup", Status: 200, ContentType: "application/json",
				Reason: "PrimarySmtpAddress is not an address: " + err.Error(), Err: mailops.ErrUnavailable}
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return out, nil
}

// SetGroupMembers is Update-DistributionGroupMember -Members (replaces all)
// with the first mailops.MaxMembersPerCall members, then
// Add-DistributionGroupMember for each further one (see splitMembers).
func (d *Driver) SetGroupMembers(ctx context.Context, a mailops.Address, members []mailops.Address) error {
	if err := a.Validate(); err != nil {
		return err
	}
	probe := mailops.Group{PrimaryAddress: a, Name: "x", Owners: []mailops.Address{"owner@example.invalid"}, Members: members}
	if err := probe.Validate(); err != nil {
		return err
	}
	first, rest := splitMembers(members)
	if _, err := d.exo.invoke(ctx, "Update-DistributionGroupMember", map[string]any{"Identity": string(a), "Members": addrStrings(first),
		"BypassSecurityGroupManagerCheck": true, "Confirm": false}); err != nil {
		return err
	}
	return d.addMembers(ctx, a, rest)
}

// SetGroupSimpleDisplayName is Set-DistributionGroup -SimpleDisplayName
// ("" clears it).
func (d *Driver) SetGroupSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := mailops.ValidateSimpleDisplayName(name); err != nil {
		return err
	}
	var v any
	if name != "" {
		v = name
	}
	_, err := d.exo.invoke(ctx, "Set-DistributionGroup", map[string]any{"Identity": string(a), "SimpleDisplayName": v,
		"BypassSecurityGroupManagerCheck": true})
	return err
}

// SetGroupSenderAuthentication is Set-DistributionGroup
// -RequireSenderAuthenticationEnabled.
func (d *Driver) SetGroupSenderAuthentication(ctx context.Context, a mailops.Address, require bool) error {
	if err := a.Validate(); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, "Set-DistributionGroup", map[string]any{"Identity": string(a), "RequireSenderAuthenticationEnabled": require,
		"BypassSecurityGroupManagerCheck": true})
	return err
}

// GrantSendAs is Add-RecipientPermission -AccessRights SendAs.
func (d *Driver) GrantSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return d.sendAs(ctx, "Add-RecipientPermission", group, trustee)
}

// RevokeSendAs is Remove-RecipientPermission -AccessRights SendAs.
func (d *Driver) RevokeSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return d.sendAs(ctx, "Remove-RecipientPermission", group, trustee)
}

func (d *Driver) sendAs(ctx context.Context, cmd string, group, trustee mailops.Address) error {
	if err := group.Validate(); err != nil {
		return err
	}
	if err := trustee.Validate(); err != nil {
		return &mailops.ValidationError{Field: "Trustee", Value: string(trustee), Reason: err.Error()}
	}
	_, err := d.exo.invoke(ctx, cmd, map[string]any{"Identity": string(group), "Trustee": string(trustee), "AccessRights": []string{"SendAs"}, "Confirm": false})
	return err
}

// DeleteGroup is Remove-DistributionGroup.
func (d *Driver) DeleteGroup(ctx context.Context, a mailops.Address) error {
	if err := a.Validate(); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, "Remove-DistributionGroup", map[string]any{"Identity": string(a), "BypassSecurityGroupManagerCheck": true, "Confirm": false})
	return err
}
