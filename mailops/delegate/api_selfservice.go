package delegate

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mailops-dev/mailops/mailops"
)

// recipientReader reads a recipient (a *mailops.Client is one).
type recipientReader interface {
	GetRecipient(ctx context.Context, addr mailops.Address) (mailops.Recipient, error)
}

// DisplayNameView is the caller's own simple display name.
type DisplayNameView struct {
	Address           mailops.Address `json:"address"`
	SimpleDisplayName string          `json:"simpleDisplayName" doc:"What external recipients see (Set-Mailbox -SimpleDisplayName)"`
}

type displayNameOut struct {
	Body DisplayNameView
}

type displayNameIn struct {
	Key  string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
	Body struct {
		SimpleDisplayName string `json:"simpleDisplayName" maxLength:"256" doc:"Only a-z A-Z 0-9 space and \" ' ( ) + , - . / : ? are allowed"`
	}
}

type membershipIn struct {
	Group string `path:"group" doc:"The group's address"`
	Key   string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
	Body  struct {
		Action string `json:"action" enum:"join,leave" doc:"Join or leave the group yourself"`
	}
}

type driftIn struct {
	Domain string `path:"domain"`
	After  int64  `query:"after" minimum:"0" doc:"Return drift recorded after this audit sequence number"`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type driftOut struct {
	Body []DriftEntry
}

type replicaOut struct {
	Body Replica
}

// registerSelfService adds the manufacturer's self-service and the
// replica's reads.
func (a *API) registerSelfService() {
	api := a.huma
	huma.Register(api, huma.Operation{OperationID: "get-my-display-name", Method: http.MethodGet, Path: "/v1/me/display-name", Summary: "Your own simple display name"},
		a.getDisplayName)
	huma.Register(api, huma.Operation{OperationID: "set-my-display-name", Method: http.MethodPut, Path: "/v1/me/display-name", Summary: "Ask to change your own simple display name (IT confirms)", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *displayNameIn) (*acceptedOut, error) {
			actor, err := actorOf(ctx)
			if err != nil {
				return nil, problemOf(err)
			}
			if actor.Email == "" {
				return nil, problemOf(Allow(actor, ActSubmit, Request{Kind: SetDisplayName}))
			}
			return a.submit(ctx, in.Key, Request{Kind: SetDisplayName, Domain: actor.Email.Domain(), Local: actor.Email.Local(),
				Member: actor.Email, DisplayName: in.Body.SimpleDisplayName})
		})
	huma.Register(api, huma.Operation{OperationID: "request-membership", Method: http.MethodPost, Path: "/v1/groups/{group}/membership-requests", Summary: "Ask to join or leave a group yourself (IT confirms)", DefaultStatus: http.StatusAccepted},
		a.requestMembership)
	huma.Register(api, huma.Operation{OperationID: "list-drift", Method: http.MethodGet, Path: "/v1/domains/{domain}/drift", Summary: "Changes made to the domain's addresses outside the service"},
		func(ctx context.Context, in *driftIn) (*driftOut, error) {
			if err := readable(ctx, in.Domain); err != nil {
				return nil, problemOf(err)
			}
			ds, err := DriftOf(ctx, a.svc.Store, in.Domain, in.After, in.Limit)
			if err != nil {
				return nil, problemOf(err)
			}
			return &driftOut{Body: ds}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-replica", Method: http.MethodGet, Path: "/v1/domains/{domain}/replica", Summary: "The service's replica of the domain's groups and recipients"},
		func(ctx context.Context, in *domainIn) (*replicaOut, error) {
			if err := readable(ctx, in.Domain); err != nil {
				return nil, problemOf(err)
			}
			rep, err := a.svc.Store.Replica(ctx)
			if err != nil {
				return nil, problemOf(err)
			}
			out := Replica{At: rep.At, Groups: []mailops.Group{}, Recipients: []mailops.Recipient{}}
			for _, g := range rep.Groups {
				if g.PrimaryAddress.Domain() == in.Domain {
					out.Groups = append(out.Groups, g)
				}
			}
			for _, r := range rep.Recipients {
				if r.Address.Domain() == in.Domain {
					out.Recipients = append(out.Recipients, r)
				}
			}
			return &replicaOut{Body: out}, nil
		})
}

func (a *API) getDisplayName(ctx context.Context, _ *struct{}) (*displayNameOut, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, problemOf(err)
	}
	if actor.Email == "" {
		return nil, problemOf(fmt.Errorf("delegate: the caller has no address: %w", mailops.ErrNotFound))
	}
	var r mailops.Recipient
	if rr, ok := a.book.(recipientReader); ok {
		r, err = rr.GetRecipient(ctx, actor.Email)
	} else {
		rep, rerr := a.svc.Store.Replica(ctx)
		var found bool
		if r, found = rep.Recipient(actor.Email); rerr == nil && !found {
			rerr = fmt.Errorf("delegate: recipient %s: %w", actor.Email, mailops.ErrNotFound)
		}
		err = rerr
	}
	if err != nil {
		return nil, problemOf(err)
	}
	return &displayNameOut{Body: DisplayNameView{Address: r.Address, SimpleDisplayName: r.SimpleDisplayName}}, nil
}

func (a *API) requestMembership(ctx context.Context, in *membershipIn) (*acceptedOut, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, problemOf(err)
	}
	group, err := mailops.ParseAddress(strings.TrimSpace(in.Group))
	if err != nil {
		return nil, problemOf(err)
	}
	if _, ok := a.svc.Config.Domain(group.Domain()); !ok {
		return nil, problemOf(fmt.Errorf("delegate: domain %s is not delegated: %w", group.Domain(), mailops.ErrNotFound))
	}
	if actor.Email == "" {
		return nil, problemOf(Allow(actor, ActSubmit, Request{Kind: JoinGroup}))
	}
	g, err := a.book.GetGroup(ctx, group)
	if err != nil {
		return nil, problemOf(err)
	}
	return a.submit(ctx, in.Key, Membership(group, actor.Email, g.Members, in.Body.Action == "join"))
}
