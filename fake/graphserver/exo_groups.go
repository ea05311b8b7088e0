package graphserver

import (
	"net/http"

	"github.com/mailops-dev/mailops/mailops"
)

// groupObject is Get-DistributionGroup's output. ManagedBy lists owners'
// names, as the real cmdlet does (not addresses).
func groupObject(g mailops.Group) map[string]any {
	owners := make([]string, len(g.Owners))
	for i, o := range g.Owners {
		owners[i] = o.Local()
	}
	dn := g.DisplayName
	if dn == "" {
		dn = g.Name
	}
	return map[string]any{
		"Identity": g.Name, "Name": g.Name, "DisplayName": dn, "Alias": g.PrimaryAddress.Local(),
		"PrimarySmtpAddress": string(g.PrimaryAddress), "EmailAddresses": proxyAddresses(g.PrimaryAddress, nil),
		"ManagedBy": owners, "RequireSenderAuthenticationEnabled": g.RequireSenderAuthentication,
		"RecipientType": "MailUniversalDistributionGroup", "RecipientTypeDetails": "MailUniversalDistributionGroup",
		"GroupType": "Universal", "ExternalDirectoryObjectId": objectID("group", string(g.PrimaryAddress)),
	}
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
	if g.Owners, err = p.addresses("ManagedBy"); err != nil {
		return nil, err
	}
	if g.Members, err = p.addresses("Members"); err != nil {
		return nil, err
	}
	if len(g.Members) > mailops.MaxMembersPerCall {
		return nil, cmdletErr("The maximum number of entries for the Members parameter is 10000.")
	}
	if g.RequireSenderAuthentication, err = p.boolean("RequireSenderAuthenticationEnabled", true); err != nil {
		return nil, err
	}
	if t, err := p.str("Type"); err != nil || (t != "" && t != "Distribution") {
		return nil, cmdletErr("the fake New-DistributionGroup makes only -Type Distribution groups")
	}
	if err := s.d.CreateGroup(r.Context(), g); err != nil {
		return nil, backing(string(g.PrimaryAddress), err)
	}
	return []any{groupObject(g)}, nil
}

func getDistributionGroup(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "ResultSize"); err != nil {
		return nil, err
	}
	if p.has("Identity") {
		a, err := p.address("Identity")
		if err != nil {
			return nil, err
		}
		g, err := s.d.GetGroup(r.Context(), a)
		if err != nil {
			return nil, backing(string(a), err)
		}
		return []any{groupObject(g)}, nil
	}
	list, err := s.d.ListGroups(r.Context())
	if err != nil {
		return nil, backing("", err)
	}
	out := make([]any, len(list))
	for i, g := range list {
		out[i] = groupObject(g)
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
		out[i] = map[string]any{"Identity": m.Local(), "Name": m.Local(), "PrimarySmtpAddress": string(m),
			"RecipientType": "UserMailbox", "RecipientTypeDetails": "UserMailbox"}
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
	if len(ms) > mailops.MaxMembersPerCall {
		return nil, cmdletErr("The maximum number of entries for the Members parameter is 10000.")
	}
	return nil, backing(string(a), s.d.SetGroupMembers(r.Context(), a, ms))
}

func setDistributionGroup(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "RequireSenderAuthenticationEnabled", "BypassSecurityGroupManagerCheck", "Confirm"); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
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
