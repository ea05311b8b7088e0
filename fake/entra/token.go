package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"time"
)

// authCode is an issued authorization code.
type authCode struct {
	clientID, redirectURI string
	user                  string // OID
	scopes                []string
	challenge, method     string
	nonce                 string
	expires               time.Time
	redeemed              bool
}

// token is the token endpoint
// (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Clock.Now()
	if err := r.ParseForm(); err != nil {
		writeError(w, &Error{http.StatusBadRequest, "invalid_request", 90004, "The request isn't properly formatted."}, now)
		return
	}
	var body map[string]any
	var e *Error
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "":
		e = errMissing("grant_type")
	case "client_credentials":
		body, e = s.clientCredentials(r)
	case "authorization_code":
		body, e = s.redeem(r, now)
	default:
		e = errUnsupportedGrant(gt)
	}
	if e != nil {
		writeError(w, e, now)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSONStatus(w, http.StatusOK, body)
}

// client authenticates the calling app: client_secret_post or
// client_secret_basic for a confidential client; nothing for a public one.
func (s *Server) client(r *http.Request) (App, *Error) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		return App{}, errMissing("client_id")
	}
	app, ok := s.cfg.app(id)
	if !ok {
		return App{}, errAppNotFound(id, s.cfg.TenantID)
	}
	switch {
	case app.Secret == "" && secret != "":
		return App{}, errPublicWithSecret()
	case app.Secret == "":
		return app, nil
	case secret == "":
		return App{}, errNoSecret()
	case subtle.ConstantTimeCompare([]byte(secret), []byte(app.Secret)) != 1:
		return App{}, errBadSecret(id)
	}
	return app, nil
}

func (s *Server) tokenBody(access string, scope string) map[string]any {
	secs := int(s.cfg.TokenLifetime / time.Second)
	b := map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": access}
	if scope != "" {
		b["scope"] = scope
	}
	return b
}

// clientCredentials issues an app-only token: the scope must be one
// RESOURCE/.default, and roles carry the app's application permissions.
func (s *Server) clientCredentials(r *http.Request) (map[string]any, *Error) {
	app, e := s.client(r)
	if e != nil {
		return nil, e
	}
	if app.Secret == "" {
		return nil, errNoSecret()
	}
	if r.PostForm.Get("scope") == "" {
		return nil, errMissing("scope")
	}
	// MSAL adds openid, profile and offline_access to every request;
	// they are ignored here. What is left must be one RESOURCE/.default.
	var rest []string
	for _, sc := range strings.Fields(r.PostForm.Get("scope")) {
		if !slices.Contains(oidcScopes, sc) {
			rest = append(rest, sc)
		}
	}
	scope := strings.Join(rest, " ")
	resID, ok := strings.CutSuffix(scope, "/.default")
	if !ok || len(rest) != 1 {
		return nil, errScope(scope)
	}
	res, ok := s.cfg.resource(resID)
	if !ok {
		return nil, errResource(resID, s.cfg.TenantID)
	}
	tok, err := s.keys.sign(s.accessClaims(res, app, nil, nil, "1"))
	if err != nil {
		return nil, &Error{http.StatusInternalServerError, "server_error", 50000, err.Error()}
	}
	return s.tokenBody(tok, ""), nil
}

// redeem exchanges an authorization code: the same client and redirect
// URI, the code unexpired and never redeemed before, and the PKCE
// code_verifier matching the challenge.
func (s *Server) redeem(r *http.Request, now time.Time) (map[string]any, *Error) {
	app, e := s.client(r)
	if e != nil {
		return nil, e
	}
	code := r.PostForm.Get("code")
	if code == "" {
		return nil, errMissing("code")
	}
	// The code is spent by the first exchange that gets tokens; a refused
	// exchange leaves it as it was until it expires.
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	switch {
	case !ok:
		return nil, errBadCode()
	case c.redeemed:
		return nil, errCodeRedeemed()
	case c.clientID != app.ClientID:
		return nil, errClientMismatch()
	case !now.Before(c.expires):
		return nil, errCodeExpired()
	case r.PostForm.Get("redirect_uri") != c.redirectURI:
		return nil, errRedirect(app.ClientID)
	}
	if c.challenge != "" {
		v := r.PostForm.Get("code_verifier")
		if v == "" {
			return nil, errMissing("code_verifier")
		}
		got := v
		if c.method == "S256" {
			sum := sha256.Sum256([]byte(v))
			got = b64(sum[:])
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(c.challenge)) != 1 {
			return nil, errVerifier()
		}
	}
	c.redeemed = true
	user, ok := s.cfg.user(c.user)
	if !ok {
		return nil, errUser(c.user)
	}
	res, scp, granted, e := s.scopes(c.scopes)
	if e != nil {
		return nil, e
	}
	azpacr := "0"
	if app.Secret != "" {
		azpacr = "1"
	}
	access, err := s.keys.sign(s.accessClaims(res, app, &user, scp, azpacr))
	if err != nil {
		return nil, &Error{http.StatusInternalServerError, "server_error", 50000, err.Error()}
	}
	body := s.tokenBody(access, strings.Join(granted, " "))
	if slices.Contains(c.scopes, "openid") {
		id, err := s.keys.sign(s.idClaims(app, user, c.nonce))
		if err != nil {
			return nil, &Error{http.StatusInternalServerError, "server_error", 50000, err.Error()}
		}
		body["id_token"] = id
	}
	return body, nil
}

var oidcScopes = []string{"openid", "profile", "email", "offline_access"}

// scopes splits requested scopes into the one resource they name (Graph
// when they name none), the delegated permissions for scp, and the scopes
// granted as the response's scope lists them. Scopes of two resources are
// refused, as Entra does (AADSTS28000 is undocumented; AADSTS70011 is the
// documented invalid-scope code).
func (s *Server) scopes(requested []string) (Resource, []string, []string, *Error) {
	var res *Resource
	var scp, granted []string
	for _, sc := range requested {
		if slices.Contains(oidcScopes, sc) {
			granted = append(granted, sc)
			continue
		}
		i := strings.LastIndex(sc, "/")
		if i <= 0 {
			return Resource{}, nil, nil, errScope(sc)
		}
		r, ok := s.cfg.resource(sc[:i])
		if !ok {
			return Resource{}, nil, nil, errResource(sc[:i], s.cfg.TenantID)
		}
		if res != nil && res.AppID != r.AppID {
			return Resource{}, nil, nil, errScope(strings.Join(requested, " "))
		}
		res = &r
		name := sc[i+1:]
		switch {
		case name == ".default":
			scp = append(scp, r.Scopes...)
		case slices.Contains(r.Scopes, name):
			scp = append(scp, name)
		default:
			return Resource{}, nil, nil, errScope(sc)
		}
	}
	if res == nil {
		g, _ := s.cfg.resource(GraphAppID)
		res = &g
		scp = append(scp, "User.Read")
	}
	slices.Sort(scp)
	scp = slices.Compact(scp)
	for _, sc := range scp {
		granted = append(granted, strings.TrimSuffix(res.IdentifierURI, "/")+"/"+sc)
	}
	return *res, scp, granted, nil
}
