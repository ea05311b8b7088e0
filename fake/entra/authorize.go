package entra

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authRequest is an authorize request's parameters.
type authRequest struct {
	ClientID, RedirectURI, ResponseType, Scope, State, Nonce string
	Challenge, Method                                        string
}

func parseAuth(v url.Values) authRequest {
	return authRequest{
		ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), ResponseType: v.Get("response_type"),
		Scope: v.Get("scope"), State: v.Get("state"), Nonce: v.Get("nonce"),
		Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method"),
	}
}

// check validates the request. An error with redirect false is shown on the
// page (the client or redirect URI cannot be trusted); with redirect true it
// goes back to the redirect URI.
func (s *Server) check(a *authRequest) (app App, e *Error, redirect bool) {
	if a.ClientID == "" {
		return App{}, errMissing("client_id"), false
	}
	app, ok := s.cfg.app(a.ClientID)
	if !ok {
		return App{}, errAppNotFound(a.ClientID, s.cfg.TenantID), false
	}
	if a.RedirectURI == "" || !slices.Contains(app.RedirectURIs, a.RedirectURI) {
		return App{}, errRedirect(a.ClientID), false
	}
	if a.ResponseType != "code" {
		return App{}, errResponseType(a.ResponseType), true
	}
	if a.Scope == "" {
		return App{}, errMissing("scope"), true
	}
	if a.Challenge != "" && a.Method == "" {
		a.Method = "plain" // "If excluded, code_challenge is assumed to be plaintext"
	}
	if a.Challenge != "" && a.Method != "S256" && a.Method != "plain" {
		return App{}, errChallengeMethod(a.Method), true
	}
	if _, _, _, e := s.scopes(strings.Fields(a.Scope)); e != nil {
		return App{}, e, true
	}
	return app, nil, false
}

// fail answers an authorize error: on the page, or back to the client as
// error and error_description with the state.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, a authRequest, e *Error, redirect bool) {
	if !redirect {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(e.Status)
		_ = loginPage.Execute(w, loginData{Error: e.body(s.cfg.Clock.Now())["error_description"].(string)})
		return
	}
	q := url.Values{"error": {e.Code}, "error_description": {e.body(s.cfg.Clock.Now())["error_description"].(string)}}
	if a.State != "" {
		q.Set("state", a.State)
	}
	http.Redirect(w, r, a.RedirectURI+"?"+q.Encode(), http.StatusFound)
}

type loginData struct {
	Error  string
	App    string
	Req    authRequest
	Users  []User
	Action string
}

// authorizePage shows the sign-in page: pick one of the demo users.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	a := parseAuth(r.URL.Query())
	app, e, redirect := s.check(&a)
	if e != nil {
		s.fail(w, r, a, e, redirect)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	name := app.Name
	if name == "" {
		name = app.ClientID
	}
	_ = loginPage.Execute(w, loginData{App: name, Req: a, Users: s.cfg.Users, Action: s.AuthorizeURL()})
}

// authorizeLogin signs the picked user in and redirects to the client with
// a fresh code and the state.
func (s *Server) authorizeLogin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	a := parseAuth(r.PostForm)
	if _, e, redirect := s.check(&a); e != nil {
		s.fail(w, r, a, e, redirect)
		return
	}
	oid := r.PostForm.Get("user")
	if _, ok := s.cfg.user(oid); !ok {
		s.fail(w, r, a, errUser(oid), false)
		return
	}
	code := rand.Text() + rand.Text()
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	for k, c := range s.codes { // forget codes that can no longer be redeemed
		if !now.Before(c.expires.Add(s.cfg.CodeLifetime)) {
			delete(s.codes, k)
		}
	}
	s.codes[code] = &authCode{clientID: a.ClientID, redirectURI: a.RedirectURI, user: oid, scopes: strings.Fields(a.Scope),
		challenge: a.Challenge, method: a.Method, nonce: a.Nonce, expires: now.Add(s.cfg.CodeLifetime)}
	s.mu.Unlock()
	q := url.Values{"code": {code}}
	if a.State != "" {
		q.Set("state", a.State)
	}
	http.Redirect(w, r, a.RedirectURI+"?"+q.Encode(), http.StatusFound)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
button{display:block;width:100%;margin:.4rem 0;padding:.6rem;text-align:left;font-size:1rem}
.err{color:#a00;white-space:pre-wrap}.note{color:#555;font-size:.85rem}</style></head>
<body><h1>Sign in</h1>
{{if .Error}}<p class="err" id="error">{{.Error}}</p>{{else}}
<p>to <strong id="app">{{.App}}</strong></p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="client_id" value="{{.Req.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.Req.RedirectURI}}">
<input type="hidden" name="response_type" value="{{.Req.ResponseType}}">
<input type="hidden" name="scope" value="{{.Req.Scope}}">
<input type="hidden" name="state" value="{{.Req.State}}">
<input type="hidden" name="nonce" value="{{.Req.Nonce}}">
<input type="hidden" name="code_challenge" value="{{.Req.Challenge}}">
<input type="hidden" name="code_challenge_method" value="{{.Req.Method}}">
{{range .Users}}<button type="submit" name="user" value="{{.OID}}" data-upn="{{.UPN}}">{{.Name}} <span class="note">{{.UPN}}</span></button>
{{end}}</form>
<p class="note">A fake Microsoft Entra ID for labs and tests: pick a demo user; there are no passwords.</p>{{end}}
</body></html>
`))
