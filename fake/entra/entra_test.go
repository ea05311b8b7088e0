package entra

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/mailops-dev/mailops/mailops"
)

// manualClock is a clock the test moves.
type manualClock struct {
	mailops.WallClock
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *manualClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	apiID    = "6f1c2e4a-0b7d-4c3e-9a5f-2d8e1b0c7a11"
	webID    = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"
	daemonID = "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
	aliceOID = "a11ce000-0000-4000-8000-000000000001"
	redirect = "http://127.0.0.1:9/callback"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func testConfig(clk mailops.Clock) Config {
	return Config{
		Clock: clk,
		Users: []User{{OID: aliceOID, UPN: "alice@depta.example.ac.jp", Name: "Alice <b>Admin</b>",
			Roles: map[string][]string{"api://mailops-delegate": {"Domain.Admin.depta.example.ac.jp"}}}},
		Apps: []App{
			{ClientID: webID, Name: "mailops web", RedirectURIs: []string{redirect}},
			{ClientID: apiID, Name: "mailops API", Secret: "s3cret", RedirectURIs: []string{redirect}},
			{ClientID: daemonID, Name: "migration script", Secret: "daemon-secret",
				Roles: map[string][]string{GraphResource: {"Group.ReadWrite.All"}, apiID: {"Requests.Approve"}}},
		},
		Resources: []Resource{{AppID: apiID, IdentifierURI: "api://mailops-delegate", Scopes: []string{"access_as_user"}}},
	}
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("token response is not JSON: %v", err)
	}
	return res.StatusCode, body
}

// aadsts returns the error's first STS code.
func aadsts(body map[string]any) int {
	cs, _ := body["error_codes"].([]any)
	if len(cs) == 0 {
		return 0
	}
	f, _ := cs[0].(float64)
	return int(f)
}

func TestClientCredentialsTokenVerifiesWithGoOIDC(t *testing.T) {
	clk := &manualClock{t: t0}
	s := start(t, testConfig(clk))
	ctx := context.Background()
	status, body := postForm(t, s.Client(), s.TokenURL(), url.Values{"grant_type": {"client_credentials"},
		"client_id": {daemonID}, "client_secret": {"daemon-secret"}, "scope": {"api://mailops-delegate/.default"}})
	if status != 200 || body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) {
		t.Fatalf("token: %d %v", status, body)
	}
	p, err := oidc.NewProvider(ctx, s.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	v := p.Verifier(&oidc.Config{ClientID: apiID, Now: clk.Now})
	tok, err := v.Verify(ctx, body["access_token"].(string))
	if err != nil {
		t.Fatalf("go-oidc refused the token: %v", err)
	}
	var c map[string]any
	_ = tok.Claims(&c)
	want := map[string]any{"aud": apiID, "iss": s.Issuer(), "tid": DefaultTenantID, "azp": daemonID, "azpacr": "1", "ver": "2.0",
		"idtyp": "app", "iat": float64(t0.Unix()), "nbf": float64(t0.Unix()), "exp": float64(t0.Add(time.Hour).Unix())}
	for k, w := range want {
		if c[k] != w {
			t.Errorf("claim %s = %v, want %v", k, c[k], w)
		}
	}
	if c["oid"] == "" || c["sub"] != c["oid"] {
		t.Errorf("app token: sub %v should equal oid %v", c["sub"], c["oid"])
	}
	if roles, _ := c["roles"].([]any); len(roles) != 1 || roles[0] != "Requests.Approve" {
		t.Errorf("roles %v", c["roles"])
	}
	// An hour later the same token is expired for a verifier on the same clock.
	clk.add(time.Hour + time.Second)
	if _, err := v.Verify(ctx, body["access_token"].(string)); err == nil {
		t.Error("expired token accepted")
	}
}

func TestGraphTokensAreV1(t *testing.T) {
	s := start(t, testConfig(&manualClock{t: t0}))
	status, body := postForm(t, s.Client(), s.TokenURL(), url.Values{"grant_type": {"client_credentials"},
		"client_id": {daemonID}, "client_secret": {"daemon-secret"}, "scope": {"https://graph.microsoft.com/.default"}})
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	c := payload(t, body["access_token"].(string))
	if c["aud"] != GraphResource || c["iss"] != "https://sts.windows.net/"+DefaultTenantID+"/" || c["ver"] != "1.0" || c["appid"] != daemonID {
		t.Errorf("graph token claims %v", c)
	}
	if roles, _ := c["roles"].([]any); len(roles) != 1 || roles[0] != "Group.ReadWrite.All" {
		t.Errorf("roles %v", c["roles"])
	}
	minted, err := s.AppToken(daemonID, GraphResource)
	if err != nil || payload(t, minted)["aud"] != GraphResource {
		t.Errorf("AppToken: %v", err)
	}
}

func payload(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := b64dec(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTokenEndpointErrors(t *testing.T) {
	s := start(t, testConfig(&manualClock{t: t0}))
	cases := []struct {
		name   string
		form   url.Values
		status int
		err    string
		code   int
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {daemonID}, "client_secret": {"nope"}, "scope": {GraphResource + "/.default"}}, 401, "invalid_client", 7000215},
		{"no secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {daemonID}, "scope": {GraphResource + "/.default"}}, 401, "invalid_client", 7000218},
		{"unknown app", url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"x"}, "scope": {GraphResource + "/.default"}}, 400, "unauthorized_client", 700016},
		{"scope without .default", url.Values{"grant_type": {"client_credentials"}, "client_id": {daemonID}, "client_secret": {"daemon-secret"}, "scope": {GraphResource + "/User.Read"}}, 400, "invalid_scope", 70011},
		{"unknown resource", url.Values{"grant_type": {"client_credentials"}, "client_id": {daemonID}, "client_secret": {"daemon-secret"}, "scope": {"api://nothing/.default"}}, 400, "invalid_resource", 500011},
		{"no grant type", url.Values{"client_id": {daemonID}}, 400, "invalid_request", 900144},
		{"password grant", url.Values{"grant_type": {"password"}, "client_id": {daemonID}}, 400, "unsupported_grant_type", 70003},
	}
	for _, c := range cases {
		status, body := postForm(t, s.Client(), s.TokenURL(), c.form)
		desc, _ := body["error_description"].(string)
		if status != c.status || body["error"] != c.err || aadsts(body) != c.code || !strings.HasPrefix(desc, "AADSTS") || body["trace_id"] == "" {
			t.Errorf("%s: %d %v", c.name, status, body)
		}
	}
	// Another tenant in the path.
	res, err := http.Post(s.URL()+"/other-tenant/oauth2/v2.0/token", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("other tenant: %d", res.StatusCode)
	}
}

// signIn runs the authorize page like a browser: load it, pick the user,
// and return the code and state from the redirect.
func signIn(t *testing.T, s *Server, authURL, oid string) (code, state string) {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), `data-upn="alice@depta.example.ac.jp"`) {
		t.Fatalf("authorize page: %d %s", res.StatusCode, page)
	}
	if strings.Contains(string(page), "<b>Admin</b>") {
		t.Fatal("a user's name is not escaped on the login page")
	}
	u, _ := url.Parse(authURL)
	form := u.Query()
	form.Set("user", oid)
	res, err = noFollow.PostForm(s.AuthorizeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	clk := &manualClock{t: t0}
	s := start(t, testConfig(clk))
	ctx := context.Background()
	p, err := oidc.NewProvider(ctx, s.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: webID, Endpoint: p.Endpoint(), RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "api://mailops-delegate/access_as_user"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n0nce"))

	// A wrong verifier is refused.
	code, state := signIn(t, s, authURL, aliceOID)
	if state != "st4te" || code == "" {
		t.Fatalf("redirect: code %q state %q", code, state)
	}
	_, err = conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || !strings.HasPrefix(re.ErrorDescription, "AADSTS501481:") {
		t.Fatalf("wrong verifier: %v", err)
	}
	if _, err := conf.Exchange(ctx, code); !errors.As(err, &re) || !strings.HasPrefix(re.ErrorDescription, "AADSTS900144:") {
		t.Fatalf("no verifier: %v", err)
	}

	// The right verifier gets an ID token go-oidc verifies and an access
	// token for the API; the code is then spent.
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !errors.As(err, &re) || !strings.HasPrefix(re.ErrorDescription, "AADSTS54005:") {
		t.Fatalf("a spent code: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	id, err := p.Verifier(&oidc.Config{ClientID: webID, Now: clk.Now}).Verify(ctx, rawID)
	if err != nil || id.Nonce != "n0nce" {
		t.Fatalf("ID token: %v nonce %q", err, id.Nonce)
	}
	var ic map[string]any
	_ = id.Claims(&ic)
	if ic["oid"] != aliceOID || ic["preferred_username"] != "alice@depta.example.ac.jp" || ic["tid"] != DefaultTenantID || ic["ver"] != "2.0" {
		t.Errorf("ID token claims %v", ic)
	}
	at, err := p.Verifier(&oidc.Config{ClientID: apiID, Now: clk.Now}).Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	var ac map[string]any
	_ = at.Claims(&ac)
	if ac["scp"] != "access_as_user" || ac["azp"] != webID || ac["azpacr"] != "0" || ac["sub"] == ic["sub"] || ac["oid"] != aliceOID {
		t.Errorf("access token claims %v (sub is pairwise: differs from the ID token's)", ac)
	}
	if roles, _ := ac["roles"].([]any); len(roles) != 1 || roles[0] != "Domain.Admin.depta.example.ac.jp" {
		t.Errorf("roles %v", ac["roles"])
	}

	// A code older than the code lifetime is refused.
	code, _ = signIn(t, s, authURL, aliceOID)
	clk.add(10 * time.Minute)
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !errors.As(err, &re) || !strings.HasPrefix(re.ErrorDescription, "AADSTS70008:") {
		t.Fatalf("expired code: %v", err)
	}
}

func TestAuthorizeRefusesUnregisteredRedirect(t *testing.T) {
	s := start(t, testConfig(&manualClock{t: t0}))
	q := url.Values{"client_id": {webID}, "redirect_uri": {"http://evil.example/cb"}, "response_type": {"code"}, "scope": {"openid"}}
	res, err := http.Get(s.AuthorizeURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(page), "AADSTS50011") {
		t.Errorf("unregistered redirect: %d %s", res.StatusCode, page)
	}
}

func TestConfidentialClientNeedsItsSecretForCodes(t *testing.T) {
	s := start(t, testConfig(&manualClock{t: t0}))
	conf := oauth2.Config{ClientID: apiID, ClientSecret: "wrong", RedirectURL: redirect, Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: s.AuthorizeURL(), TokenURL: s.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	v := oauth2.GenerateVerifier()
	code, _ := signIn(t, s, conf.AuthCodeURL("x", oauth2.S256ChallengeOption(v)), aliceOID)
	var re *oauth2.RetrieveError
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(v)); !errors.As(err, &re) || re.Response.StatusCode != 401 || re.ErrorCode != "invalid_client" {
		t.Fatalf("wrong secret on a code: %v", err)
	}
}

func TestTLSWithLabCAForAzidentity(t *testing.T) {
	cfg := testConfig(&manualClock{t: t0})
	cfg.TLS = true
	s := start(t, cfg)
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || !strings.Contains(string(s.CACertPEM()), "BEGIN CERTIFICATE") {
		t.Fatalf("TLS server %s", s.URL())
	}
	// Without the CA the certificate is not trusted.
	if _, err := http.Get(s.Issuer() + "/.well-known/openid-configuration"); err == nil {
		t.Fatal("a client without the lab CA trusted the server")
	}
	opts := &azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true, ClientOptions: azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost()},
		Transport: s.Client(),
	}}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), daemonID, "daemon-secret", opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{GraphResource + "/.default"}})
	if err != nil {
		t.Fatalf("azidentity: %v", err)
	}
	if c := payload(t, tok.Token); c["aud"] != GraphResource || c["appid"] != daemonID {
		t.Errorf("azidentity's token: %v", c)
	}
	bad, _ := azidentity.NewClientSecretCredential(s.TenantID(), daemonID, "wrong", opts)
	if _, err := bad.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{GraphResource + "/.default"}}); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("azidentity with a wrong secret: %v", err)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	_, err := NewServer(Config{Addr: "0.0.0.0:0"})
	var nl *NonLoopbackError
	if !errors.As(err, &nl) {
		t.Fatalf("0.0.0.0: %v", err)
	}
}

func TestUserTokenForDemos(t *testing.T) {
	clk := &manualClock{t: t0}
	s := start(t, testConfig(clk))
	tok, err := s.UserToken("alice@depta.example.ac.jp", "api://mailops-delegate")
	if err != nil {
		t.Fatal(err)
	}
	p, err := oidc.NewProvider(context.Background(), s.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	it, err := p.Verifier(&oidc.Config{ClientID: apiID, Now: clk.Now}).Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	_ = it.Claims(&c)
	if roles, _ := c["roles"].([]any); !slices.Contains(roles, any("Domain.Admin.depta.example.ac.jp")) || c["name"] != "Alice <b>Admin</b>" {
		t.Errorf("claims %v", c)
	}
	if _, err := s.UserToken("nobody@x", "api://mailops-delegate"); err == nil {
		t.Error("a token for an unknown user")
	}
}

func TestTenantDomainNamesTheTenant(t *testing.T) {
	cfg := testConfig(&manualClock{t: t0})
	cfg.TenantDomains = []string{"univ.onmicrosoft.com"}
	s := start(t, cfg)
	status, body := postForm(t, s.Client(), s.URL()+"/univ.onmicrosoft.com/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {daemonID}, "client_secret": {"daemon-secret"}, "scope": {GraphResource + "/.default"}})
	if status != 200 || payload(t, body["access_token"].(string))["tid"] != DefaultTenantID {
		t.Fatalf("by domain: %d %v", status, body)
	}
	status, body = postForm(t, s.Client(), s.URL()+"/other.onmicrosoft.com/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}})
	if status != 400 || aadsts(body) != 90002 {
		t.Fatalf("another tenant: %d %v", status, body)
	}
}
