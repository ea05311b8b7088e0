package delegate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/mailops-dev/mailops/mailops"
)

// AddressBook reads the tenant's groups (a *mailops.Client is one).
type AddressBook interface {
	GetGroup(ctx context.Context, addr mailops.Address) (mailops.Group, error)
	ListGroups(ctx context.Context) ([]mailops.Group, error)
}

// Authenticate turns an HTTP request into its actor (Authenticator does it
// with OIDC bearer tokens).
type Authenticate func(r *http.Request) (Actor, error)

type actorKey struct{}

func actorOf(ctx context.Context) (Actor, error) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok {
		return Actor{}, fmt.Errorf("%w: no actor", ErrUnauthenticated)
	}
	return a, nil
}

// API is the REST API: huma v2 on net/http's ServeMux.
type API struct {
	svc  *Service
	book AddressBook
	auth Authenticate
	huma huma.API
	h    http.Handler
}

// NewAPI builds the API over the service. Every /v1/ path needs a bearer
// token; /openapi.json is public.
func NewAPI(svc *Service, book AddressBook, auth Authenticate) *API {
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("mailops delegated address management", "1.0.0")
	cfg.DocsPath = "" // the docs page loads scripts from a CDN
	cfg.Info.Description = "Department admins manage their own domain's addresses; writes answer 202 with the request's location."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	cfg.Transformers = append(cfg.Transformers, problemTransformer)
	a := &API{svc: svc, book: book, auth: auth}
	a.huma = humago.New(mux, cfg)
	a.register()
	mux.HandleFunc("/v1/", noRoute(mux))
	a.h = a.authenticate(mux)
	return a
}

// noRoute answers a /v1/ path no operation serves with problem+json, as
// every other error: 405 when the path is served for other methods, 404
// otherwise (net/http's own answers are plain text).
func noRoute(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pat := mux.Handler(probe); pat != "" && pat != "/v1/" {
				allowed = append(allowed, m)
			}
		}
		p := &Problem{Type: "urn:mailops:delegate:not_found", Title: http.StatusText(http.StatusNotFound), Status: http.StatusNotFound,
			Code: "not_found", Detail: "no operation at " + r.URL.Path}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			p.Type, p.Title, p.Status, p.Code = "urn:mailops:delegate:invalid", http.StatusText(http.StatusMethodNotAllowed),
				http.StatusMethodNotAllowed, "invalid"
			p.Detail = r.Method + " is not allowed on " + r.URL.Path
		}
		writeProblem(w, p)
	}
}

// writeProblem writes p as application/problem+json.
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.h.ServeHTTP(w, r) }

// OpenAPI returns the API's OpenAPI 3.1 document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// problemTransformer gives huma's own errors (bad input) the portable code.
func problemTransformer(_ huma.Context, _ string, v any) (any, error) {
	if e, ok := v.(*huma.ErrorModel); ok {
		code := "invalid"
		switch e.Status {
		case http.StatusNotFound:
			code = "not_found"
		case http.StatusUnauthorized:
			code = "unauthenticated"
		case http.StatusInternalServerError:
			code = "internal"
		}
		return &Problem{Type: "urn:mailops:delegate:" + code, Title: e.Title, Status: e.Status, Detail: e.Error(), Code: code}, nil
	}
	return v, nil
}

func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.json" || r.URL.Path == "/openapi.yaml" || len(r.URL.Path) < 4 || r.URL.Path[:4] != "/v1/" {
			next.ServeHTTP(w, r)
			return
		}
		actor, err := a.auth(r)
		if err != nil {
			p := problemOf(err)
			if p.Code == "internal" {
				p = problemOf(fmt.Errorf("%w: %w", ErrUnauthenticated, err))
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeProblem(w, p)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	})
}

// Inputs and outputs.

type domainIn struct {
	Domain string `path:"domain" doc:"The delegated domain"`
}

type addressIn struct {
	Domain string `path:"domain"`
	Local  string `path:"local"`
}

type createIn struct {
	Domain string `path:"domain"`
	Key    string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
	Body   struct {
		Local   string   `json:"local" minLength:"1" maxLength:"64"`
		Targets []string `json:"targets" minItems:"1" maxItems:"1000"`
	}
}

type targetsIn struct {
	Domain  string `path:"domain"`
	Local   string `path:"local"`
	IfMatch string `header:"If-Match" doc:"The address's ETag as last read; refused with 412 if it changed"`
	Key     string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
	Body    struct {
		Targets []string `json:"targets" minItems:"1" maxItems:"1000"`
	}
}

type deleteIn struct {
	Domain string `path:"domain"`
	Local  string `path:"local"`
	Key    string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
}

type requestIn struct {
	ID string `path:"id"`
}

type decideIn struct {
	ID  string `path:"id"`
	Key string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
}

type rejectIn struct {
	ID   string `path:"id"`
	Key  string `header:"Idempotency-Key" required:"true" minLength:"1" maxLength:"200" doc:"Makes the write safe to repeat"`
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"1000"`
	}
}

type listOut struct {
	Body []AddressView
}

type addressOut struct {
	ETag string `header:"ETag"`
	Body AddressView
}

type requestOut struct {
	Body RequestView
}

type acceptedOut struct {
	Location string `header:"Location"`
	Body     RequestView
}

type auditIn struct {
	After int64 `query:"after" minimum:"0" doc:"Return entries after this sequence number"`
	Limit int   `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type auditOut struct {
	Body AuditPage
}

type meOut struct {
	Body Actor
}

func (a *API) register() {
	api := a.huma
	huma.Register(api, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/v1/me", Summary: "The caller and their domains"},
		func(ctx context.Context, _ *struct{}) (*meOut, error) {
			actor, err := actorOf(ctx)
			if err != nil {
				return nil, problemOf(err)
			}
			if actor.Domains == nil {
				actor.Domains = []string{}
			}
			return &meOut{Body: actor}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-addresses", Method: http.MethodGet, Path: "/v1/domains/{domain}/addresses", Summary: "List a domain's addresses"},
		a.listAddresses)
	huma.Register(api, huma.Operation{OperationID: "create-address", Method: http.MethodPost, Path: "/v1/domains/{domain}/addresses", Summary: "Ask for a new address with its targets", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *createIn) (*acceptedOut, error) {
			return a.submit(ctx, in.Key, Request{Kind: CreateAddress, Domain: in.Domain, Local: in.Body.Local, Targets: toAddresses(in.Body.Targets)})
		})
	huma.Register(api, huma.Operation{OperationID: "get-address", Method: http.MethodGet, Path: "/v1/domains/{domain}/addresses/{local}", Summary: "Read an address's targets"},
		a.getAddress)
	huma.Register(api, huma.Operation{OperationID: "delete-address", Method: http.MethodDelete, Path: "/v1/domains/{domain}/addresses/{local}", Summary: "Ask for an address's deletion", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *deleteIn) (*acceptedOut, error) {
			return a.submit(ctx, in.Key, Request{Kind: DeleteAddress, Domain: in.Domain, Local: in.Local})
		})
	huma.Register(api, huma.Operation{OperationID: "replace-targets", Method: http.MethodPut, Path: "/v1/domains/{domain}/addresses/{local}/targets", Summary: "Ask to replace an address's targets", DefaultStatus: http.StatusAccepted},
		a.replaceTargets)
	huma.Register(api, huma.Operation{OperationID: "get-request", Method: http.MethodGet, Path: "/v1/requests/{id}", Summary: "A request's status, plan, PowerShell and attempts"},
		func(ctx context.Context, in *requestIn) (*requestOut, error) {
			actor, err := actorOf(ctx)
			if err != nil {
				return nil, problemOf(err)
			}
			r, err := a.svc.Get(ctx, actor, in.ID)
			if err != nil {
				return nil, problemOf(err)
			}
			return &requestOut{Body: a.svc.Config.view(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "export-audit", Method: http.MethodGet, Path: "/v1/audit", Summary: "Export the audit log of the caller's domains (IT)"},
		a.exportAudit)
	huma.Register(api, huma.Operation{OperationID: "approve-request", Method: http.MethodPost, Path: "/v1/requests/{id}/approve", Summary: "Approve a request (IT)", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *decideIn) (*acceptedOut, error) {
			return a.decide(ctx, in.ID, ActApprove, "")
		})
	huma.Register(api, huma.Operation{OperationID: "reject-request", Method: http.MethodPost, Path: "/v1/requests/{id}/reject", Summary: "Reject a request (IT)", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *rejectIn) (*acceptedOut, error) {
			reason := ""
			if in.Body != nil {
				reason = in.Body.Reason
			}
			return a.decide(ctx, in.ID, ActReject, reason)
		})
	huma.Register(api, huma.Operation{OperationID: "cancel-request", Method: http.MethodPost, Path: "/v1/requests/{id}/cancel", Summary: "Cancel a request not yet applied", DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *decideIn) (*acceptedOut, error) {
			return a.decide(ctx, in.ID, ActCancel, "")
		})
	a.registerSelfService()
}
