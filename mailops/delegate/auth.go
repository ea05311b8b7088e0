package delegate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/mailops-dev/mailops/mailops"
)

// ErrUnauthenticated means a request carried no valid bearer token.
var ErrUnauthenticated = errors.New("delegate: unauthenticated")

// Role claims: a department admin holds RoleAdminPrefix+domain (an Entra app
// role assigned to the domain's admin group, which survives the groups
// claim's 200-group limit); IT holds RoleApprover.
const (
	RoleAdminPrefix = "Domain.Admin."
	RoleApprover    = "Requests.Approve"
)

// Claims are the access token claims the service reads.
type Claims struct {
	Subject string   `json:"sub"`
	Email   string   `json:"email"`
	UPN     string   `json:"preferred_username"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
}

// Actor turns the claims into an actor: its domains from the admin roles
// (kept only for domains of cfg: delegated ones, and the internal ones whose
// people's self-service display-name requests IT confirms), approver from
// RoleApprover.
func (c Claims) Actor(cfg Config) Actor {
	a := Actor{Subject: c.Subject, Name: c.Name}
	for _, s := range []string{c.Email, c.UPN} {
		if e, err := mailops.ParseAddress(s); err == nil {
			a.Email = e
			break
		}
	}
	for _, r := range c.Roles {
		switch {
		case r == RoleApprover:
			a.Approver = true
		case strings.HasPrefix(r, RoleAdminPrefix):
			d := strings.ToLower(strings.TrimPrefix(r, RoleAdminPrefix))
			if slices.Contains(cfg.allDomains(), d) && !a.Holds(d) {
				a.Domains = append(a.Domains, d)
			}
		}
	}
	return a
}

// Authenticator validates bearer access tokens against an OpenID Connect
// issuer (Entra ID's tenant-specific issuer) with go-oidc: signature from
// the issuer's JWKS, issuer, audience and expiry.
type Authenticator struct {
	verifier *oidc.IDTokenVerifier
	cfg      Config
}

// NewAuthenticator discovers issuer and accepts tokens for audience (the
// API's application ID URI or client ID). now is the clock expiry is checked
// against.
func NewAuthenticator(ctx context.Context, issuer, audience string, cfg Config, clk mailops.Clock) (*Authenticator, error) {
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("delegate: discover issuer %s: %w", issuer, err)
	}
	v := p.Verifier(&oidc.Config{ClientID: audience, Now: clk.Now, SupportedSigningAlgs: []string{oidc.RS256}})
	return &Authenticator{verifier: v, cfg: cfg}, nil
}

// Authenticate returns the actor of the request's bearer token.
func (a *Authenticator) Authenticate(r *http.Request) (Actor, error) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || raw == "" {
		return Actor{}, fmt.Errorf("%w: no bearer token", ErrUnauthenticated)
	}
	actor, _, err := a.Verify(r.Context(), raw)
	return actor, err
}

// Verify validates a raw access token and returns its actor and expiry.
func (a *Authenticator) Verify(ctx context.Context, raw string) (Actor, time.Time, error) {
	tok, err := a.verifier.Verify(ctx, raw)
	if err != nil {
		return Actor{}, time.Time{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return Actor{}, time.Time{}, fmt.Errorf("%w: claims: %w", ErrUnauthenticated, err)
	}
	if c.Subject == "" {
		return Actor{}, time.Time{}, fmt.Errorf("%w: token without a subject", ErrUnauthenticated)
	}
	return c.Actor(a.cfg), tok.Expiry, nil
}
