package delegate

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// session is a signed-in browser: the actor of its API access token, until
// the token expires.
type session struct {
	actor   Actor
	expires time.Time
	idToken string // for the issuer's logout hint
}

// pendingLogin is a sign-in under way: the PKCE verifier and nonce of the
// authorize request, bound to the browser by the login cookie.
type pendingLogin struct {
	verifier, nonce string
	started         time.Time
}

// loginTimeout bounds how long a sign-in at the issuer may take.
const loginTimeout = 10 * time.Minute

func (w *Web) cookieName(base string) string {
	if w.cfg.Secure {
		return "__Host-" + base // Secure, Path=/, no Domain
	}
	return base
}

func (w *Web) setCookie(rw http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(rw, &http.Cookie{Name: w.cookieName(base), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: w.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

// login starts the authorization code flow with PKCE (S256), a state bound
// to this browser by a cookie, and a nonce.
func (w *Web) login(rw http.ResponseWriter, r *http.Request) {
	state, nonce, verifier := rand.Text(), rand.Text(), oauth2.GenerateVerifier()
	now := w.svc.Clock.Now()
	w.mu.Lock()
	for k, p := range w.logins {
		if now.Sub(p.started) > loginTimeout {
			delete(w.logins, k)
		}
	}
	w.logins[state] = &pendingLogin{verifier: verifier, nonce: nonce, started: now}
	w.mu.Unlock()
	w.setCookie(rw, "mailops_login", state, int(loginTimeout/time.Second))
	http.Redirect(rw, r, w.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusFound)
}

// callback finishes the sign-in: the state must be this browser's, the code
// is exchanged with the verifier, the ID token verified (issuer, audience,
// expiry, nonce) and the API access token validated into the actor.
func (w *Web) callback(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(w.cookieName("mailops_login"))
	state := q.Get("state")
	w.mu.Lock()
	p := w.logins[state]
	delete(w.logins, state)
	w.mu.Unlock()
	w.setCookie(rw, "mailops_login", "", -1)
	switch {
	case q.Get("error") != "":
		w.fail(rw, nil, authErr("the issuer refused the sign-in: "+q.Get("error")+": "+q.Get("error_description")))
		return
	case err != nil || p == nil || c.Value != state || w.svc.Clock.Now().Sub(p.started) > loginTimeout:
		w.fail(rw, nil, authErr("the sign-in was not started in this browser, or took too long; sign in again"))
		return
	}
	ctx := oidc.ClientContext(r.Context(), w.client)
	tok, err := w.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		w.fail(rw, nil, authErr("code exchange: "+err.Error()))
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	id, err := w.idv.Verify(ctx, rawID)
	if err != nil || id.Nonce != p.nonce {
		w.fail(rw, nil, authErr("the ID token is not valid for this sign-in"))
		return
	}
	actor, expires, err := w.authn.Verify(ctx, tok.AccessToken)
	if err != nil {
		w.fail(rw, nil, err)
		return
	}
	sid := rand.Text() + rand.Text()
	now := w.svc.Clock.Now()
	w.mu.Lock()
	for k, old := range w.sessions { // forget expired sessions
		if !now.Before(old.expires) {
			delete(w.sessions, k)
		}
	}
	w.sessions[sid] = &session{actor: actor, expires: expires, idToken: rawID}
	w.mu.Unlock()
	w.setCookie(rw, "mailops_session", sid, 0)
	http.Redirect(rw, r, "/", http.StatusSeeOther)
}

func authErr(msg string) error { return &authError{msg} }

type authError struct{ msg string }

func (e *authError) Error() string { return "delegate: sign-in: " + e.msg }
func (e *authError) Unwrap() error { return ErrUnauthenticated }

// current returns the browser's session, if signed in and unexpired.
func (w *Web) current(r *http.Request) (string, *session) {
	c, err := r.Cookie(w.cookieName("mailops_session"))
	if err != nil {
		return "", nil
	}
	now := w.svc.Clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sessions[c.Value]
	if s != nil && !now.Before(s.expires) {
		delete(w.sessions, c.Value)
		return "", nil
	}
	return c.Value, s
}

// signedIn runs h with the session's actor; without a session a GET shows
// the sign-in page, anything else is refused.
func (w *Web) signedIn(h func(http.ResponseWriter, *http.Request, Actor)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		_, s := w.current(r)
		if s == nil {
			if r.Method == http.MethodGet {
				w.render(rw, http.StatusOK, "signin", page{Title: "Sign in"})
				return
			}
			w.fail(rw, nil, authErr("not signed in"))
			return
		}
		h(rw, r, s.actor)
	}
}

// signOut ends the session and signs out at the issuer.
func (w *Web) signOut(rw http.ResponseWriter, r *http.Request) {
	sid, s := w.current(r)
	w.mu.Lock()
	delete(w.sessions, sid)
	w.mu.Unlock()
	w.setCookie(rw, "mailops_session", "", -1)
	if w.logout == "" || s == nil {
		http.Redirect(rw, r, "/", http.StatusSeeOther)
		return
	}
	back := w.cfg.PostLogoutURL
	if back == "" {
		back = strings.TrimSuffix(w.cfg.RedirectURL, "/auth/callback") + "/"
	}
	q := url.Values{"post_logout_redirect_uri": {back}, "id_token_hint": {s.idToken}}
	http.Redirect(rw, r, w.logout+"?"+q.Encode(), http.StatusSeeOther)
}
