package graphserver

import (
	"errors"
	"net/http"

	"github.com/mailops-dev/mailops/mailops"
)

// readOnlyGroup is Graph's refusal to change a distribution group.
const readOnlyGroup = "Cannot Update a mail-enabled security groups and or distribution list."

// graphGroup is Graph's view of a distribution group.
type graphGroup struct {
	OdataType       string   `json:"@odata.type,omitempty"`
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Mail            string   `json:"mail"`
	MailEnabled     bool     `json:"mailEnabled"`
	MailNickname    string   `json:"mailNickname"`
	SecurityEnabled bool     `json:"securityEnabled"`
	GroupTypes      []string `json:"groupTypes"`
	ProxyAddresses  []string `json:"proxyAddresses"`
}

func toGraphGroup(g mailops.Group) graphGroup {
	dn := g.DisplayName
	if dn == "" {
		dn = g.Name
	}
	return graphGroup{ID: objectID("group", string(g.PrimaryAddress)), DisplayName: dn, Mail: string(g.PrimaryAddress),
		MailEnabled: true, SecurityEnabled: g.Type.Or() == mailops.Security, MailNickname: g.PrimaryAddress.Local(), GroupTypes: []string{},
		ProxyAddresses: proxyAddresses(g.PrimaryAddress, nil)}
}

func (s *Server) findGroup(r *http.Request, id string) (mailops.Group, error) {
	list, err := s.d.ListGroups(r.Context())
	if err != nil {
		return mailops.Group{}, err
	}
	for _, g := range list {
		if objectID("group", string(g.PrimaryAddress)) == id || string(g.PrimaryAddress) == id {
			return g, nil
		}
	}
	return mailops.Group{}, errors.Join(mailops.ErrNotFound, errors.New("group "+id))
}

// directoryObject renders a member or owner: a user, or a group.
func (s *Server) directoryObject(r *http.Request, a mailops.Address) any {
	if rec, err := s.d.GetRecipient(r.Context(), a); err == nil {
		u := toGraphUser(rec)
		u.OdataType = "#microsoft.graph.user"
		return u
	}
	if g, err := s.d.GetGroup(r.Context(), a); err == nil {
		gg := toGraphGroup(g)
		gg.OdataType = "#microsoft.graph.group"
		return gg
	}
	return graphUser{OdataType: "#microsoft.graph.user", ID: objectID("user", string(a)), Mail: string(a), UserPrincipalName: string(a)}
}

func (s *Server) serveGroups(w http.ResponseWriter, r *http.Request, parts []string) {
	if r.Method != http.MethodGet {
		// Distribution groups (the only groups of the fake) are read only
		// through Graph, whatever the write.
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", readOnlyGroup)
		return
	}
	if len(parts) == 0 || parts[0] == "" {
		list, err := s.d.ListGroups(r.Context())
		if err != nil {
			writeBackingGraphError(w, err, "")
			return
		}
		out := make([]graphGroup, len(list))
		for i, g := range list {
			out[i] = toGraphGroup(g)
		}
		writePage(w, r, s.opts.PageSize, "groups", out)
		return
	}
	g, err := s.findGroup(r, parts[0])
	if err != nil {
		writeBackingGraphError(w, err, "")
		return
	}
	sub := ""
	if len(parts) > 1 {
		sub = parts[1]
	}
	switch sub {
	case "":
		writeJSON(w, http.StatusOK, toGraphGroup(g))
	case "owners":
		// "Owners are currently not available in Microsoft Graph for groups
		// that were created in Exchange" (learn.microsoft.com/graph/api/group-list-owners):
		// every group of the fake was created in Exchange.
		writePage(w, r, s.opts.PageSize, "directoryObjects", []any{})
	case "members":
		out := make([]any, len(g.Members))
		for i, a := range g.Members {
			out[i] = s.directoryObject(r, a)
		}
		writePage(w, r, s.opts.PageSize, "directoryObjects", out)
	default:
		methodNotAllowed(w, r)
	}
}
