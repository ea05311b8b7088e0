package mailops

import (
	"context"
	"fmt"
	"slices"
)

// CreateGroup is New-DistributionGroup with its members and owners in the
// same call (a group created empty drops its mail until members arrive),
// followed by the SendAs grants.
type CreateGroup struct {
	Group Group
}

// Validate checks the group.
func (o CreateGroup) Validate() error { return o.Group.Validate() }

// Describe says what the operation does.
func (o CreateGroup) Describe() string {
	return fmt.Sprintf("create distribution group %s with %d members", o.Group.PrimaryAddress, len(o.Group.Members))
}

// PowerShell renders New-DistributionGroup (with -Alias from the local part
// and -Type), Set-DistributionGroup -SimpleDisplayName when set, and
// Add-RecipientPermission. At most MaxMembersPerCall entries go in one
// -Members parameter; the rest are added one by one.
func (o CreateGroup) PowerShell() []string {
	g := o.Group
	first, rest := g.Members, []Address(nil)
	if len(first) > MaxMembersPerCall {
		first, rest = g.Members[:MaxMembersPerCall], g.Members[MaxMembersPerCall:]
	}
	c := cmdlet("New-DistributionGroup").str("Name", g.Name).str("Alias", g.Alias())
	if g.DisplayName != "" {
		c.str("DisplayName", g.DisplayName)
	}
	c.str("PrimarySmtpAddress", string(g.PrimaryAddress)).arg("Type", string(g.Type.Or()))
	if len(first) > 0 {
		c.arg("Members", psList(first))
	}
	c.arg("ManagedBy", psList(g.Owners)).arg("RequireSenderAuthenticationEnabled", psBool(g.RequireSenderAuthentication))
	out := []string{c.String()}
	out = append(out, addMembersCmds(g.PrimaryAddress, rest)...)
	if g.SimpleDisplayName != "" {
		out = append(out, SetGroupSimpleDisplayName{Group: g.PrimaryAddress, Name: g.SimpleDisplayName}.PowerShell()...)
	}
	for _, t := range g.SendAs {
		out = append(out, sendAsCmd("Add-RecipientPermission", g.PrimaryAddress, t))
	}
	return out
}

// addMembersCmds adds members one call each, past the first call's batch.
func addMembersCmds(group Address, members []Address) []string {
	var out []string
	for _, m := range members {
		out = append(out, groupCmd("Add-DistributionGroupMember", group).str("Member", string(m)).String())
	}
	return out
}

// groupCmd starts a cmdlet that modifies or deletes a group, with
// -BypassSecurityGroupManagerCheck: "If you aren't defined in the ManagedBy
// property of the group, you need to use this switch in commands that modify
// or delete the group" (Set-DistributionGroup, Update-DistributionGroupMember,
// Add-DistributionGroupMember, Remove-DistributionGroup). The administrator
// running the plan is usually not an owner (owners are the department's
// admins).
func groupCmd(name string, group Address) *psCmd {
	c := cmdlet(name).str("Identity", string(group))
	c.parts = append(c.parts, "-BypassSecurityGroupManagerCheck")
	return c
}

func sendAsCmd(name string, group, trustee Address) string {
	return cmdlet(name).str("Identity", string(group)).arg("AccessRights", "SendAs").str("Trustee", string(trustee)).noConfirm().String()
}

// Check reports Done when an equal group exists, Ready when none does, and a
// conflict when a different group holds the address.
func (o CreateGroup) Check(ctx context.Context, d Driver) (Status, error) {
	g, err := d.GetGroup(ctx, o.Group.PrimaryAddress)
	if err == nil && partialGroup(g, o.Group) {
		return Ready, nil // an interrupted create: Apply finishes it
	}
	return createStatus(err, func() bool { return groupsMatch(g, o.Group) }, "group "+string(o.Group.PrimaryAddress),
		func() string { return groupSummary(o.Group) }, func() string { return groupSummary(g) })
}

// groupsMatch compares what CreateGroup sets: name, type, members, owners,
// SendAs, sender authentication and simple display name.
func groupsMatch(have, want Group) bool {
	return have.PrimaryAddress == want.PrimaryAddress && have.Name == want.Name &&
		have.Type.Or() == want.Type.Or() && have.SimpleDisplayName == want.SimpleDisplayName &&
		sameAddresses(have.Members, want.Members) && sameAddresses(have.Owners, want.Owners) &&
		sameAddresses(have.SendAs, want.SendAs) && have.RequireSenderAuthentication == want.RequireSenderAuthentication
}

func groupSummary(g Group) string {
	return fmt.Sprintf("{name %q type %s members %s owners %s sendAs %s requireSenderAuthentication %t simpleDisplayName %q}",
		g.Name, g.Type.Or(), joinAddresses(g.Members), joinAddresses(g.Owners), joinAddresses(g.SendAs), g.RequireSenderAuthentication, g.SimpleDisplayName)
}

// Apply creates the group, or finishes one an interrupted create left
// part-made (see partialGroup).
func (o CreateGroup) Apply(ctx context.Context, d Driver) error {
	return applyCreateGroup(ctx, d, o.Group)
}

// SetGroupMembers replaces a group's members (Update-DistributionGroupMember).
type SetGroupMembers struct {
	Group   Address
	Members []Address
	// From is the membership observed when the plan was made; nil means any.
	From []Address
}

// Validate checks the addresses.
func (o SetGroupMembers) Validate() error {
	if err := o.Group.validateField("SetGroupMembers.Group"); err != nil {
		return err
	}
	return checkAddressList("SetGroupMembers.Members", o.Members, MaxGroupMembers, o.Group)
}

// Describe says what the operation does.
func (o SetGroupMembers) Describe() string {
	return fmt.Sprintf("set the members of %s to %d addresses", o.Group, len(o.Members))
}

// PowerShell renders Update-DistributionGroupMember (at most
// MaxMembersPerCall entries per call; the rest with
// Add-DistributionGroupMember).
func (o SetGroupMembers) PowerShell() []string {
	first, rest := o.Members, []Address(nil)
	if len(first) > MaxMembersPerCall {
		first, rest = o.Members[:MaxMembersPerCall], o.Members[MaxMembersPerCall:]
	}
	out := []string{groupCmd("Update-DistributionGroupMember", o.Group).arg("Members", psList(first)).noConfirm().String()}
	return append(out, addMembersCmds(o.Group, rest)...)
}

// Check compares the current members with Members and From.
func (o SetGroupMembers) Check(ctx context.Context, d Driver) (Status, error) {
	g, err := getGroupForOp(ctx, d, o.Group)
	if err != nil {
		return 0, err
	}
	if sameAddresses(g.Members, o.Members) {
		return Done, nil
	}
	if o.From != nil && !sameAddresses(g.Members, o.From) {
		return 0, conflict("members of "+string(o.Group), joinAddresses(o.From), joinAddresses(g.Members))
	}
	return Ready, nil
}

// Apply replaces the members.
func (o SetGroupMembers) Apply(ctx context.Context, d Driver) error {
	return d.SetGroupMembers(ctx, o.Group, slices.Clone(o.Members))
}

func getGroupForOp(ctx context.Context, d Driver, a Address) (Group, error) {
	g, err := d.GetGroup(ctx, a)
	found, err := absentOrErr(err)
	if err != nil {
		return Group{}, err
	}
	if !found {
		return Group{}, conflict("group "+string(a), "present", "absent")
	}
	return g, nil
}

// SetGroupSenderAuthentication is Set-DistributionGroup
// -RequireSenderAuthenticationEnabled. Turning it off lets external senders
// reach the group (EXO's default, on, rejects them with 5.7.133).
type SetGroupSenderAuthentication struct {
	Group   Address
	Require bool
	// From is the value observed when the plan was made; nil means any.
	From *bool
}

// Validate checks the address.
func (o SetGroupSenderAuthentication) Validate() error {
	return o.Group.validateField("SetGroupSenderAuthentication.Group")
}

// Describe says what the operation does.
func (o SetGroupSenderAuthentication) Describe() string {
	if o.Require {
		return "accept only authenticated (internal) senders at " + string(o.Group)
	}
	return "accept external senders at " + string(o.Group)
}

// PowerShell renders the cmdlet.
func (o SetGroupSenderAuthentication) PowerShell() []string {
	return []string{groupCmd("Set-DistributionGroup", o.Group).arg("RequireSenderAuthenticationEnabled", psBool(o.Require)).String()}
}

// Check compares the current setting with Require and From.
func (o SetGroupSenderAuthentication) Check(ctx context.Context, d Driver) (Status, error) {
	g, err := getGroupForOp(ctx, d, o.Group)
	if err != nil {
		return 0, err
	}
	if g.RequireSenderAuthentication == o.Require {
		return Done, nil
	}
	if o.From != nil && g.RequireSenderAuthentication != *o.From {
		return 0, conflict("group "+string(o.Group), fmt.Sprintf("requireSenderAuthentication %t", *o.From), fmt.Sprintf("%t", g.RequireSenderAuthentication))
	}
	return Ready, nil
}

// Apply sets the value.
func (o SetGroupSenderAuthentication) Apply(ctx context.Context, d Driver) error {
	return d.SetGroupSenderAuthentication(ctx, o.Group, o.Require)
}

// GrantSendAs is Add-RecipientPermission -AccessRights SendAs.
type GrantSendAs struct {
	Group, Trustee Address
}

// Validate checks the addresses.
func (o GrantSendAs) Validate() error {
	if err := o.Group.validateField("GrantSendAs.Group"); err != nil {
		return err
	}
	return o.Trustee.validateField("GrantSendAs.Trustee")
}

// Describe says what the operation does.
func (o GrantSendAs) Describe() string {
	return "let " + string(o.Trustee) + " send as " + string(o.Group)
}

// PowerShell renders the cmdlet.
func (o GrantSendAs) PowerShell() []string {
	return []string{sendAsCmd("Add-RecipientPermission", o.Group, o.Trustee)}
}

// Check reports Done when the grant exists.
func (o GrantSendAs) Check(ctx context.Context, d Driver) (Status, error) {
	g, err := getGroupForOp(ctx, d, o.Group)
	if err != nil {
		return 0, err
	}
	if slices.Contains(g.SendAs, o.Trustee) {
		return Done, nil
	}
	return Ready, nil
}

// Apply grants SendAs.
func (o GrantSendAs) Apply(ctx context.Context, d Driver) error {
	return d.GrantSendAs(ctx, o.Group, o.Trustee)
}

// RevokeSendAs is Remove-RecipientPermission -AccessRights SendAs.
type RevokeSendAs struct {
	Group, Trustee Address
}

// Validate checks the addresses.
func (o RevokeSendAs) Validate() error { return GrantSendAs(o).Validate() }

// Describe says what the operation does.
func (o RevokeSendAs) Describe() string {
	return "stop " + string(o.Trustee) + " sending as " + string(o.Group)
}

// PowerShell renders the cmdlet.
func (o RevokeSendAs) PowerShell() []string {
	return []string{sendAsCmd("Remove-RecipientPermission", o.Group, o.Trustee)}
}

// Check reports Done when the grant is absent (or the group is gone).
func (o RevokeSendAs) Check(ctx context.Context, d Driver) (Status, error) {
	g, err := d.GetGroup(ctx, o.Group)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found || !slices.Contains(g.SendAs, o.Trustee) {
		return Done, nil
	}
	return Ready, nil
}

// Apply revokes SendAs.
func (o RevokeSendAs) Apply(ctx context.Context, d Driver) error {
	return d.RevokeSendAs(ctx, o.Group, o.Trustee)
}

// DeleteGroup is Remove-DistributionGroup.
type DeleteGroup struct {
	Group Address
}

// Validate checks the address.
func (o DeleteGroup) Validate() error { return o.Group.validateField("DeleteGroup.Group") }

// Describe says what the operation does.
func (o DeleteGroup) Describe() string { return "delete distribution group " + string(o.Group) }

// PowerShell renders the cmdlet.
func (o DeleteGroup) PowerShell() []string {
	return []string{groupCmd("Remove-DistributionGroup", o.Group).noConfirm().String()}
}

// Check reports Done when the group is gone.
func (o DeleteGroup) Check(ctx context.Context, d Driver) (Status, error) {
	_, err := d.GetGroup(ctx, o.Group)
	return goneStatus(err)
}

// Apply deletes the group.
func (o DeleteGroup) Apply(ctx context.Context, d Driver) error { return d.DeleteGroup(ctx, o.Group) }
