package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/mailops-dev/mailops/mailops"
)

type exoGroup struct {
	Name                               string `json:"Name"`
	DisplayName                        string `json:"DisplayName"`
	PrimarySmtpAddress                 string `json:"PrimarySmtpAddress"`
	RequireSenderAuthenticationEnabled bool   `json:"RequireSenderAuthenticationEnabled"`
	ExternalDirectoryObjectID          string `json:"ExternalDirectoryObjectId"`
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
// New-DistributionGroup with members, owners and
// RequireSenderAuthenticationEnabled in one call, then
// Add-RecipientPermission per trustee. A failed grant removes the new group
// again.
func (d *Driver) CreateGroup(ctx context.Context, g mailops.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if len(g.Members) > mailops.MaxMembersPerCall {
		return &mailops.ValidationError{Field: "Group.Members", Value: fmt.Sprint(len(g.Members)),
			Reason: fmt.Sprintf("at most %d in the creating call", mailops.MaxMembersPerCall)}
	}
	for _, t := range g.SendAs {
		if _, err := d.exo.invoke(ctx, "Get-Recipient", map[string]any{"Identity": string(t)}); err != nil {
			return fmt.Errorf("graph: group %s: SendAs trustee %s: %w", g.PrimaryAddress, t, err)
		}
	}
	params := map[string]any{
		"Name": g.Name, "PrimarySmtpAddress": string(g.PrimaryAddress), "ManagedBy": addrStrings(g.Owners),
		"Members": addrStrings(g.Members), "RequireSenderAuthenticationEnabled": g.RequireSenderAuthentication, "Type": "Distribution",
	}
	if g.DisplayName != "" {
		params["DisplayName"] = g.DisplayName
	}
	if _, err := d.exo.invoke(ctx, "New-DistributionGroup", params); err != nil {
		return err
	}
	for _, t := range g.SendAs {
		if err := d.GrantSendAs(ctx, g.PrimaryAddress, t); err != nil {
			if derr := d.DeleteGroup(ctx, g.PrimaryAddress); derr != nil {
				return fmt.Errorf("graph: group %s: created, but granting SendAs to %s: %w; removing the group again failed too: %v", g.PrimaryAddress, t, err, derr)
			}
			return fmt.Errorf("graph: group %s: granting SendAs to %s: %w (the new group was removed again)", g.PrimaryAddress, t, err)
		}
	}
	return nil
}

// GetGroup reads Get-DistributionGroup, Get-DistributionGroupMember and
// Get-RecipientPermission, and the owners through Graph
// (GET /groups/{ExternalDirectoryObjectId}/owners: ManagedBy holds names,
// Graph gives addresses).
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
	g := mailops.Group{PrimaryAddress: prim, Name: eg.Name, DisplayName: eg.DisplayName, RequireSenderAuthentication: eg.RequireSenderAuthenticationEnabled}
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
	if g.Owners, err = d.owners(ctx, eg.ExternalDirectoryObjectID, prim); err != nil {
		return mailops.Group{}, err
	}
	return g, nil
}

// owners reads GET /groups/{id}/owners, every page.
func (d *Driver) owners(ctx context.Context, id string, group mailops.Address) ([]mailops.Address, error) {
	if id == "" {
		return nil, &ResponseError{Service: "Exchange", Op: "Get-DistributionGroup", Status: 200, ContentType: "application/json",
			Reason: "no ExternalDirectoryObjectId for " + string(group), Err: mailops.ErrUnavailable}
	}
	op := "GET /groups/" + id + "/owners"
	resp, err := d.graph.Groups().ByGroupId(id).Owners().Get(ctx, nil)
	if err != nil {
		return nil, d.graphErr(ctx, op, err, nil)
	}
	var out []mailops.Address
	for pages := 0; ; pages++ {
		for _, o := range resp.GetValue() {
			var mail string
			switch x := o.(type) {
			case models.Userable:
				mail = str(x.GetMail())
			case models.Groupable:
				mail = str(x.GetMail())
			}
			a, err := mailops.ParseAddress(mail)
			if err != nil {
				return nil, &ResponseError{Service: "Graph", Op: op, Status: 200, ContentType: "application/json",
					Reason: fmt.Sprintf("owner %s has no usable mail address: %v", str(o.GetId()), err), Err: mailops.ErrUnavailable}
			}
			out = append(out, a)
		}
		nl := resp.GetOdataNextLink()
		if nl == nil || *nl == "" {
			return out, nil
		}
		if pages >= maxPages {
			return nil, fmt.Errorf("graph: %s: more than %d pages: %w", op, maxPages, mailops.ErrUnavailable)
		}
		if resp, err = groups.NewItemOwnersRequestBuilder(*nl, d.adapter).Get(ctx, nil); err != nil {
			return nil, d.graphErr(ctx, op+" (next page)", err, nil)
		}
	}
}

// ListGroups lists distribution groups through Graph (GET /groups filtered
// to mail-enabled, non-security groups, every page), then reads each as
// GetGroup does.
func (d *Driver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	filter := "mailEnabled eq true and securityEnabled eq false"
	cfg := &groups.GroupsRequestBuilderGetRequestConfiguration{QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{
		Filter: &filter, Select: []string{"id", "mail", "displayName", "groupTypes"}}}
	resp, err := d.graph.Groups().Get(ctx, cfg)
	if err != nil {
		return nil, d.graphErr(ctx, "GET /groups", err, nil)
	}
	var addrs []mailops.Address
	for pages := 0; ; pages++ {
		for _, g := range resp.GetValue() {
			if len(g.GetGroupTypes()) > 0 { // Microsoft 365 groups
				continue
			}
			a, err := mailops.ParseAddress(str(g.GetMail()))
			if err != nil {
				continue // a group without mail is not a distribution group
			}
			addrs = append(addrs, a)
		}
		nl := resp.GetOdataNextLink()
		if nl == nil || *nl == "" {
			break
		}
		if pages >= maxPages {
			return nil, fmt.Errorf("graph: GET /groups: more than %d pages: %w", maxPages, mailops.ErrUnavailable)
		}
		if resp, err = groups.NewGroupsRequestBuilder(*nl, d.adapter).Get(ctx, nil); err != nil {
			return nil, d.graphErr(ctx, "GET /groups (next page)", err, nil)
		}
	}
	out := make([]mailops.Group, 0, len(addrs))
	for _, a := range addrs {
		g, err := d.GetGroup(ctx, a)
		if errors.Is(err, mailops.ErrNotFound) {
			continue // deleted between the list and the read
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

// SetGroupMembers is Update-DistributionGroupMember -Members (replaces all).
func (d *Driver) SetGroupMembers(ctx context.Context, a mailops.Address, members []mailops.Address) error {
	if err := a.Validate(); err != nil {
		return err
	}
	probe := mailops.Group{PrimaryAddress: a, Name: "x", Owners: []mailops.Address{"owner@example.invalid"}, Members: members}
	if err := probe.Validate(); err != nil {
		return err
	}
	if len(members) > mailops.MaxMembersPerCall {
		return &mailops.ValidationError{Field: "Group.Members", Value: fmt.Sprint(len(members)),
			Reason: fmt.Sprintf("at most %d in one call", mailops.MaxMembersPerCall)}
	}
	_, err := d.exo.invoke(ctx, "Update-DistributionGroupMember", map[string]any{"Identity": string(a), "Members": addrStrings(members),
		"BypassSecurityGroupManagerCheck": true, "Confirm": false})
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
