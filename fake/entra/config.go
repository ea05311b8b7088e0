package entra

import (
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// DefaultTenantID is the tenant of a Config without TenantID.
const DefaultTenantID = "5c6d3f0e-8a41-4b7e-9d2a-1f0e6b3c9a77"

// Microsoft Graph's identifiers: its application ID URI and application
// (client) ID, as an API it is a Resource of every tenant.
const (
	GraphResource = "https://graph.microsoft.com"
	GraphAppID    = "00000003-0000-0000-c000-000000000000"
)

// User is a demo user who can sign in on the authorize page.
type User struct {
	// OID is the user's object ID (a GUID), the oid claim.
	OID string
	// UPN is the user principal name, the preferred_username claim.
	UPN string
	// Name is the display name, the name claim.
	Name string
	// Roles are the app roles assigned to the user, by the resource's
	// AppID or IdentifierURI: the roles claim of the user's tokens for
	// that resource (and of ID tokens for that application).
	Roles map[string][]string
}

// App is a registered client application.
type App struct {
	// ClientID is the application (client) ID.
	ClientID string
	// Name is the application's display name, shown on the login page.
	Name string
	// Secret is the client secret; empty: a public client (PKCE only, no
	// secret accepted).
	Secret string
	// RedirectURIs are the registered reply URLs; the authorize request's
	// redirect_uri must be one of them exactly.
	RedirectURIs []string
	// Roles are the application permissions (app roles) granted to the
	// app, by the resource's AppID or IdentifierURI: the roles claim of
	// client-credentials tokens.
	Roles map[string][]string
	// OID is the object ID of the app's service principal (oid and sub of
	// its app-only tokens); default derived from ClientID.
	OID string
}

// Resource is an API tokens are issued for.
type Resource struct {
	// AppID is the API's application (client) ID: the aud of its v2.0
	// tokens.
	AppID string
	// IdentifierURI is its application ID URI (api://..., or
	// https://graph.microsoft.com): scopes name it, RESOURCE/.default.
	IdentifierURI string
	// Scopes are the delegated permissions it exposes (scp of user
	// tokens asked with RESOURCE/.default; a scope named explicitly must
	// be one of them).
	Scopes []string
	// V1 makes its access tokens v1.0 tokens (accessTokenAcceptedVersion
	// null or 1), as Microsoft Graph's are.
	V1 bool
}

// Config configures a Server.
type Config struct {
	// TenantID is the directory (tenant) ID; default DefaultTenantID.
	TenantID string
	// TenantDomains are domain names that name the tenant in endpoint
	// paths as its ID does (univ.onmicrosoft.com); the issuer always
	// carries the ID.
	TenantDomains []string
	// Users, Apps and Resources are the directory. Microsoft Graph is
	// always a resource (GraphResource, GraphAppID, v1.0 tokens).
	Users     []User
	Apps      []App
	Resources []Resource
	// Clock gives iat, nbf and exp and expires codes; default the wall
	// clock.
	Clock mailops.Clock
	// TokenLifetime is the access and ID token lifetime; default one hour
	// (Entra picks 60 to 90 minutes at random:
	// https://learn.microsoft.com/en-us/entra/identity-platform/configurable-token-lifetimes).
	TokenLifetime time.Duration
	// CodeLifetime is how long an authorization code may be redeemed;
	// default 10 minutes ("Authorization codes are short lived, typically
	// expiring after about 10 minutes",
	// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
	CodeLifetime time.Duration
	// Addr is the listen address; default 127.0.0.1:0. Only loopback
	// addresses are accepted.
	Addr string
	// TLS serves HTTPS with a certificate from a lab CA generated at
	// start.
	TLS bool
}

func (c Config) withDefaults() Config {
	if c.TenantID == "" {
		c.TenantID = DefaultTenantID
	}
	if c.Clock == nil {
		c.Clock = mailops.WallClock{}
	}
	if c.TokenLifetime <= 0 {
		c.TokenLifetime = time.Hour
	}
	if c.CodeLifetime <= 0 {
		c.CodeLifetime = 10 * time.Minute
	}
	if !slices.ContainsFunc(c.Resources, func(r Resource) bool { return r.AppID == GraphAppID }) {
		c.Resources = append(slices.Clone(c.Resources), Resource{AppID: GraphAppID, IdentifierURI: GraphResource, V1: true,
			Scopes: []string{"User.Read"}})
	}
	return c
}

func (c Config) user(oid string) (User, bool) {
	i := slices.IndexFunc(c.Users, func(u User) bool { return u.OID == oid })
	if i < 0 {
		return User{}, false
	}
	return c.Users[i], true
}

func (c Config) app(clientID string) (App, bool) {
	i := slices.IndexFunc(c.Apps, func(a App) bool { return a.ClientID == clientID })
	if i < 0 {
		return App{}, false
	}
	return c.Apps[i], true
}

// resource finds a resource by its AppID or IdentifierURI (either may be
// given with or without a trailing slash).
func (c Config) resource(id string) (Resource, bool) {
	id = strings.TrimSuffix(id, "/")
	i := slices.IndexFunc(c.Resources, func(r Resource) bool {
		return r.AppID == id || strings.TrimSuffix(r.IdentifierURI, "/") == id
	})
	if i < 0 {
		return Resource{}, false
	}
	return c.Resources[i], true
}

// rolesFor returns the roles a map keyed by AppID or IdentifierURI holds for r.
func rolesFor(m map[string][]string, r Resource) []string {
	var out []string
	for k, rs := range m {
		if k == r.AppID || strings.TrimSuffix(k, "/") == strings.TrimSuffix(r.IdentifierURI, "/") {
			out = append(out, rs...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
