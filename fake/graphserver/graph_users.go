package graphserver

import (
	"errors"
	"net/http"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// graphUser is the part of Graph's user resource the fake serves.
type graphUser struct {
	OdataType         string   `json:"@odata.type,omitempty"`
	ID                string   `json:"id"`
	AccountEnabled    bool     `json:"accountEnabled"`
	DisplayName       string   `json:"displayName"`
	Mail              string   `json:"mail"`
	MailNickname      string   `json:"mailNickname"`
	UserPrincipalName string   `json:"userPrincipalName"`
	ProxyAddresses    []string `json:"proxyAddresses"`
	UserType          string   `json:"userType"`
}

func toGraphUser(r mailops.Recipient) graphUser {
	return graphUser{ID: objectID("user", string(r.Address)), DisplayName: r.DisplayName, Mail: string(r.Address),
		MailNickname: r.Address.Local(), UserPrincipalName: string(r.Address), ProxyAddresses: proxyAddresses(r.Address, r.ProxyAddresses),
		UserType: "Member"}
}

// proxyAddresses renders addresses as Exchange does: "SMTP:" for the
// primary, "smtp:" for the others.
func proxyAddresses(primary mailops.Address, others []mailops.Address) []string {
	out := []string{"SMTP:" + string(primary)}
	for _, a := range others {
		out = append(out, "smtp:"+string(a))
	}
	return out
}

// findUser resolves a Graph user key: an object id or a user principal
// name.
func (s *Server) findUser(r *http.Request, key string) (mailops.Recipient, error) {
	if strings.Contains(key, "@") {
		a, err := mailops.ParseAddress(key)
		if err != nil {
			return mailops.Recipient{}, err
		}
		return s.d.GetRecipient(r.Context(), a)
	}
	list, err := s.d.ListRecipients(r.Context())
	if err != nil {
		return mailops.Recipient{}, err
	}
	for _, x := range list {
		if objectID("user", string(x.Address)) == key {
			return x, nil
		}
	}
	return mailops.Recipient{}, errors.Join(mailops.ErrNotFound, errors.New("user "+key))
}

func (s *Server) serveUsers(w http.ResponseWriter, r *http.Request, parts []string) {
	ctx := r.Context()
	if len(parts) == 0 || parts[0] == "" {
		switch r.Method {
		case http.MethodGet:
			list, err := s.d.ListRecipients(ctx)
			if err != nil {
				writeBackingGraphError(w, err, "")
				return
			}
			out := make([]graphUser, len(list))
			for i, x := range list {
				out[i] = toGraphUser(x)
			}
			writePage(w, r, s.opts.PageSize, "users", out)
		case http.MethodPost:
			// Not modelled: in Exchange Online a user made with POST
			// /users gets a mailbox only after a usageLocation and an
			// Exchange Online licence (assignLicense); the fake has no
			// licences, so it refuses rather than pretend.
			writeGraphError(w, http.StatusNotImplemented, "NotImplemented",
				"The fake Graph does not model POST /users (a mailbox needs a licence); use New-Mailbox")
		default:
			methodNotAllowed(w, r)
		}
		return
	}
	if len(parts) > 1 {
		methodNotAllowed(w, r)
		return
	}
	u, err := s.findUser(r, parts[0])
	if err != nil {
		writeBackingGraphError(w, err, "")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, toGraphUser(u))
	case http.MethodDelete:
		if err := s.d.DeleteRecipient(ctx, u.Address); err != nil {
			writeBackingGraphError(w, err, "")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w, r)
	}
}
