package graphserver

import (
	"errors"
	"net/http"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// recipientName is the Name the fake gives a recipient: unique in the
// tenant, and not an address (ManagedBy and similar properties hold names,
// not addresses). nameAddress reverses it.
func recipientName(a mailops.Address) string {
	return a.Local() + "_" + a.Domain()
}

func nameAddress(name string) (mailops.Address, bool) {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 {
		return "", false
	}
	a, err := mailops.ParseAddress(name[:i] + "@" + name[i+1:])
	return a, err == nil
}

func groupRecipientType(t mailops.GroupType) string {
	if t.Or() == mailops.Security {
		return "MailUniversalSecurityGroup"
	}
	return "MailUniversalDistributionGroup"
}

// ownerName is the ManagedBy entry of an owner: a group's Name or a
// recipient's Name.
func (s *Server) ownerName(r *http.Request, a mailops.Address) string {
	if g, err := s.d.GetGroup(r.Context(), a); err == nil {
		return g.Name
	}
	return recipientName(a)
}

// groupObject is Get-DistributionGroup's output. ManagedBy lists owners'
// names, as the real cmdlet does (not addresses).
func (s *Server) groupObject(r *http.Request, g mailops.Group) map[string]any {
	owners := make([]string, len(g.Owners))
	for i, o := range g.Owners {
		owners[i] = s.ownerName(r, o)
	}
	dn := g.DisplayName
	if dn == "" {
		dn = g.Name
	}
	var sdn any
	if g.SimpleDisplayName != "" {
		sdn = g.SimpleDisplayName
	}
	rt := groupRecipientType(g.Type)
	return map[string]any{
		"Identity": g.Name, "Name": g.Name, "DisplayName": dn, "Alias": g.PrimaryAddress.Local(),
		"PrimarySmtpAddress": string(g.PrimaryAddress), "EmailAddresses": proxyAddresses(g.PrimaryAddress, nil),
		"ManagedBy": owners, "RequireSenderAuthenticationEnabled": g.RequireSenderAuthentication, "SimpleDisplayName": sdn,
		"RecipientType": rt, "RecipientTypeDetails": rt,
		"GroupType": groupTypeString(g.Type), "ExternalDirectoryObjectId": objectID("group", string(g.PrimaryAddress)),
	}
}

// groupTypeString is the GroupType property: "Universal" and, for a
// security group, "Universal, SecurityEnabled".
func groupTypeString(t mailops.GroupType) string {
	if t.Or() == mailops.Security {
		return "Universal, SecurityEnabled"
	}
	return "Universal"
}

// identity resolves a recipient or group identity: an address, or a Name
// the fake gave (recipientName, or a group's Name).
func (s *Server) identity(r *http.Request, p params, name string) (mailops.Address, error) {
	id, err := p.str(name)
	if err != nil || id == "" {
		return "", err
	}
	return s.resolve(r, id)
}

func (s *Server) resolve(r *http.Request, id string) (mailops.Address, error) {
	if a, err := mailops.ParseAddress(stripSMTP(id)); err == nil {
		return a, nil
	}
	if a, ok := nameAddress(id); ok {
		return a, nil
	}
	list, err := s.d.ListGroups(r.Context())
	if err != nil {
		return "", backing(id, err)
	}
	for _, g := range list {
		if strings.EqualFold(g.Name, id) {
			return g.PrimaryAddress, nil
		}
	}
	return "", backing(id, errors.Join(mailops.ErrNotFound, errors.New("no object named "+id)))
}

func newDistributionGroup(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Name", "DisplayName", "Alias", "PrimarySmtpAddress", "ManagedBy", "Members",
		"RequireSenderAuthenticationEnabled", "Type", "CopyOwnerToMember"); err != nil {
		return nil, err
	}
	var g mailops.Group
	var err error
	if g.Name, err = p.str("Name"); err != nil {
		return nil, err
	}
	if g.DisplayName, err = p.str("DisplayName"); err != nil {
		return nil, err
	}
	if g.PrimaryAddress, err = p.address("PrimarySmtpAddress"); err != nil {
		return nil, err
	}
	if g.PrimaryAddress == "" {
		return nil, cmdletErr("the fake New-DistributionGroup needs -PrimarySmtpAddress")
	}
	if alias, err := p.str("Alias"); err != nil {
		return nil, err
	} else if alias != "" && !strings.EqualFold(alias, g.PrimaryAddress.Local()) {
		return nil, cmdletErr("the fake New-DistributionGroup keeps -Alias equal to the local part of -PrimarySmtpAddress")
	}
	if g.Owners, err = p.addresses("ManagedBy"); err != nil {
		return nil, err
	}
	if g.Members, err = p.addresses("Members"); err != nil {
		return nil, err
	}
	if len(g.Members) > maxMembersParameter {
		return nil, cmdletErr("The maximum number of entries for the Members parameter is 10000.")
	}
	if g.RequireSenderAuthentication, err = p.boolean("RequireSenderAuthenticationEnabled", true); err != nil {
		return nil, err
	}
	t, err := p.str("Type")
	if err != nil {
		return nil, err
	}
	switch {
	case t == "" || strings.EqualFold(t, "Distribution"):
		g.Type = mailops.Distribution
	case strings.EqualFold(t, "Security"):
		g.Type = mailops.Security
	default:
		return nil, cmdletErr("Cannot process argument transformation on parameter 'Type'. Cannot convert value \"" + t + "\" to type GroupType: valid values are Distribution, Security.")
	}
	if err := s.d.CreateGroup(r.Context(), g); err != nil {
		return nil, backing(string(g.PrimaryAddress), err)
	}
	return []any{s.groupObject(r, g)}, nil
}

// maxMembersParameter is the documented limit of New-DistributionGroup
// -Members and Update-DistributionGroupMember -Members ("The maximum number
// of entries for this parameter is 10000").
const maxMembersParameter = 10_000

func getDistributionGroup(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "ResultSize"); err != nil {
		return nil, err
	}
	if p.has("Identity") {
		a, err := s.identity(r, p, "Identity")
		if err != nil {
			return nil, err
		}
		g, err := s.d.GetGroup(r.Context(), a)
		if err != nil {
			return nil, backing(string(a), err)
		}
		return []any{s.groupObject(r, g)}, nil
	}
	list, err := s.d.ListGroups(r.Context())
	if err != nil {
		return nil, backing("", err)
	}
	out := make([]any, len(list))
	for i, g := range list {
		out[i] = s.groupObject(r, g)
	}
	return out, nil
}

func getDistributionGroupMember(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "ResultSize"); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
	}
	g, err := s.d.GetGroup(r.Context(), a)
	if err != nil {
		return nil, backing(string(a), err)
	}
	out := make([]any, len(g.Members))
	for i, m := range g.Members {
		out[i] = map[string]any{"Identity": recipientName(m), "Name": recipientName(m), "PrimarySmtpAddress": string(m)}
	}
	return out, nil
}

func updateDistributionGroupMember(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "Members", "BypassSecurityGroupManagerCheck", "Confirm"); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
	}
	ms, err := p.addresses("Members")
	if err != nil {
		return nil, err
	}
	if len(ms) > maxMembersParameter {
		return nil, cmdletErr("The maximum number of entries for the Members parameter is 10000.")
	}
	if err := requireBypass(p); err != nil {
		return nil, err
	}
	return nil, backing(string(a), s.d.SetGroupMembers(r.Context(), a, ms))
}

// requireBypass refuses a group change without
// -BypassSecurityGroupManagerCheck: the fake's caller is an admin who is not
// in the group's ManagedBy ("If you aren't defined in the ManagedBy property
// of the group, you need to use this switch in commands that modify or
// delete the group").
func requireBypass(p params) error {
	if b, err := p.boolean("BypassSecurityGroupManagerCheck", false); err != nil || !b {
		return &exoFail{exType: "Microsoft.Exchange.Management.Tasks.OperationRequiresGroupManagerException",
			text: "You don't have sufficient permissions. This operation can only be performed by a manager of the group."}
	}
	return nil
}

// addDistributionGroupMember is Add-DistributionGroupMember -Member: one
// member per call.
func addDistributionGroupMember(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "Member", "BypassSecurityGroupManagerCheck", "Confirm"); err != nil {
		return nil, err
	}
	if err := requireBypass(p); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
	}
	m, err := p.address("Member")
	if err != nil {
		return nil, err
	}
	g, err := s.d.GetGroup(r.Context(), a)
	if err != nil {
		return nil, backing(string(a), err)
	}
	if contains(g.Members, m) {
		return nil, &exoFail{exType: "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException",
			text: "The recipient \"" + string(m) + "\" is already a member of the group \"" + g.Name + "\"."}
	}
	return nil, backing(string(a), s.d.SetGroupMembers(r.Context(), a, append(g.Members, m)))
}

func setDistributionGroup(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "RequireSenderAuthenticationEnabled", "SimpleDisplayName", "BypassSecurityGroupManagerCheck", "Confirm"); err != nil {
		return nil, err
	}
	if err := requireBypass(p); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
	}
	if p.has("SimpleDisplayName") {
		sdn, err := p.str("SimpleDisplayName")
		if err != nil {
			return nil, err
		}
		if err := s.d.SetGroupSimpleDisplayName(r.Context(), a, sdn); err != nil {
			return nil, backing(string(a), err)
		}
	}
	if !p.has("RequireSenderAuthenticationEnabled") {
		return nil, nil
	}
	req, err := p.boolean("RequireSenderAuthenticationEnabled", true)
	if err != nil {
		return nil, err
	}
	return nil, backing(string(a), s.d.SetGroupSenderAuthentication(r.Context(), a, req))
}

func removeDistributionGroup(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "BypassSecurityGroupManagerCheck", "Confirm"); err != nil {
		return nil, err
	}
	if err := requireBypass(p); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
	}
	return nil, backing(string(a), s.d.DeleteGroup(r.Context(), a))
}

func permissionObject(g mailops.Group, trustee mailops.Address) map[string]any {
	return map[string]any{"Identity": g.Name, "Trustee": string(trustee), "AccessControlType": "Allow",
		"AccessRights": []string{"SendAs"}, "IsInherited": false, "InheritanceType": "None"}
}

// recipientPermission is Add- (grant) or Remove-RecipientPermission.
func recipientPermission(grant bool) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Identity", "Trustee", "AccessRights", "Confirm"); err != nil {
			return nil, err
		}
		rights, err := p.strs("AccessRights")
		if err != nil {
			return nil, err
		}
		if len(rights) != 1 || rights[0] != "SendAs" {
			return nil, cmdletErr("The only valid value for the AccessRights parameter is SendAs.")
		}
		a, err := p.address("Identity")
		if err != nil {
			return nil, err
		}
		tr, err := p.address("Trustee")
		if err != nil {
			return nil, err
		}
		if grant {
			err = s.d.GrantSendAs(r.Context(), a, tr)
		} else {
			err = s.d.RevokeSendAs(r.Context(), a, tr)
		}
		if err != nil {
			return nil, backing(string(a), err)
		}
		if !grant {
			return nil, nil
		}
		g, err := s.d.GetGroup(r.Context(), a)
		if err != nil {
			return nil, backing(string(a), err)
		}
		return []any{permissionObject(g, tr)}, nil
	}
}

// getRecipientPermission lists SendAs grants of one group, or of every
// group without -Identity.
func getRecipientPermission(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "AccessRights", "Trustee", "ResultSize"); err != nil {
		return nil, err
	}
	var groups []mailops.Group
	if p.has("Identity") {
		a, err := p.address("Identity")
		if err != nil {
			return nil, err
		}
		g, err := s.d.GetGroup(r.Context(), a)
		if err != nil {
			return nil, backing(string(a), err)
		}
		groups = []mailops.Group{g}
	} else {
		var err error
		if groups, err = s.d.ListGroups(r.Context()); err != nil {
			return nil, backing("", err)
		}
	}
	var out []any
	for _, g := range groups {
		for _, t := range g.SendAs {
			out = append(out, permissionObject(g, t))
		}
	}
	return out, nil
}
