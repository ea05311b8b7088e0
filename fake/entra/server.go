package entra

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// NonLoopbackError refuses a listen address outside loopback: the fake
// issues tokens for fake users and must not be reachable from the network.
type NonLoopbackError struct {
	// Addr is the refused address.
	Addr string
}

func (e *NonLoopbackError) Error() string {
	return fmt.Sprintf("entra: listen address %q is not a loopback address", e.Addr)
}

// Server is a running fake Entra ID tenant.
type Server struct {
	cfg  Config
	keys *signer
	ca   *labCA // nil without TLS
	ln   net.Listener
	srv  *http.Server
	url  string
	done chan struct{}

	mu    sync.Mutex
	codes map[string]*authCode
}

// NewServer starts a fake Entra ID tenant on loopback (cfg.Addr, default
// 127.0.0.1:0), over HTTPS when cfg.TLS. Close stops it.
func NewServer(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("entra: listen address %q: %w", addr, err)
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, &NonLoopbackError{Addr: addr}
	}
	keys, err := newSigner()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, keys: keys, codes: map[string]*authCode{}, done: make(chan struct{})}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("entra: listen: %w", err)
	}
	scheme := "http"
	if cfg.TLS {
		if s.ca, err = newLabCA(); err != nil {
			_ = ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{s.ca.server}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	s.ln = ln
	s.url = scheme + "://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.routes(), ErrorLog: log.New(io.Discard, "", 0)} // TLS handshakes refused by untrusting clients are not news
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed under us: nothing to report to
		}
	}()
	return s, nil
}

// Close stops the server and waits for it.
func (s *Server) Close() error {
	err := s.srv.Shutdown(context.Background())
	<-s.done
	return err
}

// URL is the server's base URL (http://127.0.0.1:PORT, or https://).
func (s *Server) URL() string { return s.url }

// AuthorityHost is the base URL with a trailing slash, as azidentity's
// cloud.Configuration.ActiveDirectoryAuthorityHost wants it.
func (s *Server) AuthorityHost() string { return s.url + "/" }

// TenantID is the tenant's directory ID.
func (s *Server) TenantID() string { return s.cfg.TenantID }

// Issuer is the tenant-specific v2.0 issuer, URL/{tenant}/v2.0.
func (s *Server) Issuer() string { return s.url + "/" + s.cfg.TenantID + "/v2.0" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.url + "/" + s.cfg.TenantID + "/oauth2/v2.0/token" }

// AuthorizeURL is the authorize endpoint.
func (s *Server) AuthorizeURL() string {
	return s.url + "/" + s.cfg.TenantID + "/oauth2/v2.0/authorize"
}

// CACertPEM is the lab CA's certificate in PEM; nil without TLS.
func (s *Server) CACertPEM() []byte {
	if s.ca == nil {
		return nil
	}
	return s.ca.certPEM
}

// Client returns an HTTP client that trusts the server (the lab CA with
// TLS; a plain client without).
func (s *Server) Client() *http.Client {
	if s.ca == nil {
		return &http.Client{}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: s.ca.pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.tenant(s.discovery))
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.tenant(func(w http.ResponseWriter, _ *http.Request) {
		writeJSONStatus(w, http.StatusOK, s.keys.jwks())
	}))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.tenant(s.token))
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", s.tenant(s.authorizePage))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", s.tenant(s.authorizeLogin))
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/logout", s.tenant(s.logout))
	return mux
}

// tenant answers AADSTS90002 for any tenant but the server's.
func (s *Server) tenant(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if t := r.PathValue("tenant"); t != s.cfg.TenantID && !slices.ContainsFunc(s.cfg.TenantDomains, func(d string) bool { return strings.EqualFold(d, t) }) {
			writeError(w, &Error{http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found.", t)}, s.cfg.Clock.Now())
			return
		}
		h(w, r)
	}
}

// discovery is the OpenID Provider Configuration document, with the fields
// Entra's v2.0 document has that apply here.
func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	base := s.url + "/" + s.cfg.TenantID
	writeJSONStatus(w, http.StatusOK, map[string]any{
		"issuer":                                s.Issuer(),
		"authorization_endpoint":                s.AuthorizeURL(),
		"token_endpoint":                        s.TokenURL(),
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"response_modes_supported":              []string{"query"},
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256", "plain"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "nbf", "name", "nonce", "oid",
			"preferred_username", "tid", "ver", "roles"},
		"request_uri_parameter_supported": false,
		"tenant_region_scope":             "AS",
		"cloud_instance_name":             "microsoftonline.com",
	})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if u := r.URL.Query().Get("post_logout_redirect_uri"); u != "" && s.registered(u) {
		http.Redirect(w, r, u, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintln(w, "You signed out of your account.")
}

// registered reports whether u has the origin (scheme and host) of some
// app's redirect URI.
func (s *Server) registered(u string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	for _, a := range s.cfg.Apps {
		for _, r := range a.RedirectURIs {
			if pr, err := url.Parse(r); err == nil && pr.Scheme == pu.Scheme && pr.Host == pu.Host {
				return true
			}
		}
	}
	return false
}
