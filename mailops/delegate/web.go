package delegate

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

//go:embed web/templates/*.html web/static/*
var webFiles embed.FS

// WebConfig configures the web UI's OpenID Connect sign-in.
type WebConfig struct {
	// Issuer is the tenant-specific issuer (Entra ID's
	// https://login.microsoftonline.com/{tenant}/v2.0).
	Issuer string
	// ClientID is the web app's application (client) ID; ClientSecret
	// its secret, empty for a public client (PKCE alone).
	ClientID     string
	ClientSecret string
	// RedirectURL is the registered reply URL, ending in /auth/callback.
	RedirectURL string
	// APIScope is the scope of the API's access token the session acts
	// with (for example api://mailops-delegate/.default); the token is
	// validated by the Authenticator as a bearer token would be.
	APIScope string
	// PostLogoutURL is where the issuer sends the browser after sign-out;
	// empty: the UI's root derived from RedirectURL.
	PostLogoutURL string
	// Secure marks cookies Secure (the UI is served over TLS).
	Secure bool
	// HTTPClient reaches the issuer (a client trusting a lab CA); default
	// http.DefaultClient.
	HTTPClient *http.Client
}

// Web is the server-rendered UI: OIDC sign-in (authorization code with
// PKCE) into a server-side session, the caller's domains and addresses,
// target edits, requests with their plan and PowerShell, approval. State
// changing requests are POST forms behind Go's CrossOriginProtection.
type Web struct {
	svc    *Service
	book   AddressBook
	authn  *Authenticator
	oauth  oauth2.Config
	idv    *oidc.IDTokenVerifier
	logout string // the issuer's end_session_endpoint
	cfg    WebConfig
	client *http.Client
	pages  map[string]*template.Template
	h      http.Handler

	mu       sync.Mutex
	sessions map[string]*session
	logins   map[string]*pendingLogin
}

// NewWeb builds the UI over the service. authn validates the API access
// tokens the sign-in yields (the same Authenticator as the REST API's).
func NewWeb(ctx context.Context, svc *Service, book AddressBook, authn *Authenticator, cfg WebConfig) (*Web, error) {
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	ctx = oidc.ClientContext(ctx, client)
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("delegate: web: discover issuer %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta)
	scopes := []string{oidc.ScopeOpenID, "profile"}
	if cfg.APIScope != "" {
		scopes = append(scopes, cfg.APIScope)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	w := &Web{
		svc: svc, book: book, authn: authn, cfg: cfg, client: client, pages: pages, logout: meta.EndSession,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: scopes},
		idv:      p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: svc.Clock.Now}),
		sessions: map[string]*session{},
		logins:   map[string]*pendingLogin{},
	}
	if cfg.ClientSecret == "" {
		w.oauth.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	w.h = http.NewCrossOriginProtection().Handler(w.routes())
	return w, nil
}

// ServeHTTP serves the UI.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.h.ServeHTTP(rw, r) }

func (w *Web) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(webFiles, "web/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /auth/login", w.login)
	mux.HandleFunc("GET /auth/callback", w.callback)
	mux.HandleFunc("POST /auth/logout", w.signOut)
	mux.HandleFunc("GET /{$}", w.signedIn(w.home))
	mux.HandleFunc("GET /domains/{domain}", w.signedIn(w.domain))
	mux.HandleFunc("POST /domains/{domain}/addresses", w.signedIn(w.create))
	mux.HandleFunc("GET /domains/{domain}/addresses/{local}", w.signedIn(w.edit))
	mux.HandleFunc("POST /domains/{domain}/addresses/{local}/targets", w.signedIn(w.replace))
	mux.HandleFunc("POST /domains/{domain}/addresses/{local}/delete", w.signedIn(w.remove))
	mux.HandleFunc("GET /requests/{id}", w.signedIn(w.request))
	mux.HandleFunc("POST /requests/{id}/{act}", w.signedIn(w.decideForm))
	return mux
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"join":     func(ss []string, sep string) string { return strings.Join(ss, sep) },
		"terminal": func(s State) bool { return s.Terminal() },
		"when":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(webFiles, "web/templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("delegate: web templates: %w", err)
	}
	pages := map[string]*template.Template{}
	names, _ := fs.Glob(webFiles, "web/templates/*.html")
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "web/templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(webFiles, n)
		if err != nil {
			return nil, fmt.Errorf("delegate: web template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what every template gets.
type page struct {
	Title string
	Actor *Actor
	Data  any
	Error string
	// Refresh reloads the page every two seconds (a request under way).
	Refresh bool
}

func (w *Web) render(rw http.ResponseWriter, status int, name string, p page) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("Content-Security-Policy", "default-src 'self'; form-action 'self' "+w.formTarget())
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_ = w.pages[name].ExecuteTemplate(rw, "layout.html", p)
}

// formTarget is the issuer's origin, which the logout form redirects to.
func (w *Web) formTarget() string {
	u, err := url.Parse(w.cfg.Issuer)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// fail renders err as an error page with its problem's status.
func (w *Web) fail(rw http.ResponseWriter, a *Actor, err error) {
	p := problemOf(err)
	w.render(rw, p.Status, "error", page{Title: p.Title, Actor: a, Error: p.Detail})
}
