package delegate

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/mailops"
)

// Demo users of the web tests' tenant.
var (
	webBob = entra.User{OID: "b0b00000-0000-4000-8000-000000000002", UPN: "bob@deptb.example.ac.jp", Name: "Bob <i>Dept B</i>",
		Roles: map[string][]string{audience: {RoleAdminPrefix + "deptb.example.ac.jp"}}}
	webIT = entra.User{OID: "17000000-0000-4000-8000-000000000003", UPN: "it@example.ac.jp", Name: "IT Desk",
		Roles: map[string][]string{audience: {RoleAdminPrefix + "depta.example.ac.jp", RoleAdminPrefix + "deptb.example.ac.jp", RoleApprover}}}
)

type webEnv struct {
	*stack
	ent *entra.Server
	srv *httptest.Server
	web *Web
}

// newWebEnv serves the UI over a River-backed stack, signing in at a fake
// Entra ID where the web app is the API's own registration (a public
// client using PKCE).
func newWebEnv(t *testing.T) *webEnv {
	t.Helper()
	ctx := context.Background()
	s := newStack(t, onSQLite, fake.InstantTenantConfig())
	srv := httptest.NewUnstartedServer(nil)
	redirect := "http://" + srv.Listener.Addr().String() + "/auth/callback"
	ent, err := entra.NewServer(entra.Config{
		Users:     []entra.User{webBob, webIT},
		Apps:      []entra.App{{ClientID: audience, Name: "mailops addresses", RedirectURIs: []string{redirect}}},
		Resources: []entra.Resource{{AppID: audience, IdentifierURI: "api://mailops-delegate", Scopes: []string{"access_as_user"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ent.Close() })
	authn, err := NewAuthenticator(ctx, ent.Issuer(), audience, testConfig, mailops.WallClock{})
	if err != nil {
		t.Fatal(err)
	}
	web, err := NewWeb(ctx, s.svc, s.world.client, authn, WebConfig{Issuer: ent.Issuer(), ClientID: audience,
		RedirectURL: redirect, APIScope: "api://mailops-delegate/.default"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = web
	srv.Start()
	t.Cleanup(srv.Close)
	return &webEnv{stack: s, ent: ent, srv: srv, web: web}
}

// browser is an HTTP client with cookies, as a browser would send them
// (Sec-Fetch-Site same-origin on its own forms).
type browser struct {
	t *testing.T
	c *http.Client
}

func (e *webEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar}}
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *browser) post(u string, form url.Values, site string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// signIn goes through the issuer's login page as user and returns the home
// page.
func (b *browser) signIn(e *webEnv, user entra.User) string {
	b.t.Helper()
	res, page := b.get(e.srv.URL + "/auth/login")
	if !strings.HasPrefix(res.Request.URL.String(), e.ent.AuthorizeURL()) || !strings.Contains(page, user.UPN) {
		b.t.Fatalf("login did not reach the issuer's page: %s\n%s", res.Request.URL, page)
	}
	q := res.Request.URL.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		b.t.Fatalf("authorize request without PKCE, nonce or state: %s", res.Request.URL)
	}
	q.Set("user", user.OID)
	res, page = b.post(e.ent.AuthorizeURL(), q, "")
	if res.StatusCode != 200 || res.Request.URL.Path != "/" {
		b.t.Fatalf("after sign-in: %d at %s\n%s", res.StatusCode, res.Request.URL, page)
	}
	return page
}

func TestWebSignInSessionAndEscaping(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser(t)
	if _, page := b.get(e.srv.URL + "/"); !strings.Contains(page, `id="signin"`) {
		t.Fatalf("signed out home: %s", page)
	}
	home := b.signIn(e, webBob)
	if !strings.Contains(home, "Bob &lt;i&gt;Dept B&lt;/i&gt;") || strings.Contains(home, "<i>Dept B</i>") {
		t.Errorf("the display name is not escaped:\n%s", home)
	}
	if !strings.Contains(home, `data-domain="deptb.example.ac.jp"`) || strings.Contains(home, `data-domain="depta.example.ac.jp"`) {
		t.Errorf("bob's home shows the wrong domains:\n%s", home)
	}
	u, _ := url.Parse(e.srv.URL)
	var sess *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "mailops_session" {
			sess = c
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}

	// A target with markup is refused, and the refusal shows it as text.
	res, page := b.post(e.srv.URL+"/domains/deptb.example.ac.jp/addresses", url.Values{"local": {"office"}, "targets": {"<script>alert(1)</script>@x"}, "key": {"k"}}, "same-origin")
	if res.StatusCode != 422 || !strings.Contains(page, "&lt;script&gt;") || strings.Contains(page, "<script>alert") {
		t.Errorf("markup in a target: %d\n%s", res.StatusCode, page)
	}
	// Another domain is refused.
	if res, _ := b.get(e.srv.URL + "/domains/depta.example.ac.jp"); res.StatusCode != 403 {
		t.Errorf("another domain's page: %d", res.StatusCode)
	}
	// A cross-origin form post is refused before it reaches the service.
	res, _ = b.post(e.srv.URL+"/domains/deptb.example.ac.jp/addresses", url.Values{"local": {"office"}, "targets": {"u1@example.ac.jp"}, "key": {"k2"}}, "cross-site")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", res.StatusCode)
	}
	if rs, _ := e.store.List(context.Background(), "deptb.example.ac.jp"); len(rs) != 0 {
		t.Errorf("refused posts made requests: %+v", rs)
	}
	// A valid create lands on its request page.
	res, page = b.post(e.srv.URL+"/domains/deptb.example.ac.jp/addresses", url.Values{"local": {"office"}, "targets": {"u1@example.ac.jp\nu2@example.ac.jp"}, "key": {"k3"}}, "same-origin")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Request.URL.Path, "/requests/") || !strings.Contains(page, `id="status" class="status awaiting_approval"`) {
		t.Fatalf("create: %d %s\n%s", res.StatusCode, res.Request.URL, page)
	}
	if !strings.Contains(page, "New-DistributionGroup") {
		t.Errorf("the request page shows no PowerShell:\n%s", page)
	}
	if strings.Contains(page, `id="approve"`) {
		t.Error("bob may not approve and sees no approve button")
	}
	// Signing out forgets the session server-side.
	res, _ = b.post(e.srv.URL+"/auth/logout", nil, "same-origin")
	if res.Request.URL.Host != u.Host {
		t.Errorf("logout ended at %s", res.Request.URL)
	}
	other := e.browser(t)
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: "mailops_session", Value: sess.Value}})
	if _, page := other.get(e.srv.URL + "/"); !strings.Contains(page, `id="signin"`) {
		t.Error("the session cookie still works after sign-out")
	}
}

func TestWebCookiesAndState(t *testing.T) {
	e := newWebEnv(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(e.srv.URL + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var login *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "mailops_login" {
			login = ck
		}
	}
	if login == nil || !login.HttpOnly || login.SameSite != http.SameSiteLaxMode || login.Secure {
		t.Fatalf("login cookie %+v", login)
	}
	// A callback whose state is not this browser's is refused.
	res, err = c.Get(e.srv.URL + "/auth/callback?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged state: %d", res.StatusCode)
	}
	// Without a session, writes are refused.
	res, err = http.PostForm(e.srv.URL+"/requests/x/approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("approve without a session: %d", res.StatusCode)
	}
}

func TestWebApproverRejectsAndPolicyHolds(t *testing.T) {
	e := newWebEnv(t)
	bob, it := e.browser(t), e.browser(t)
	bob.signIn(e, webBob)
	res, page := bob.post(e.srv.URL+"/domains/deptb.example.ac.jp/addresses", url.Values{"local": {"office"}, "targets": {"u1@example.ac.jp"}, "key": {"k"}}, "same-origin")
	if !strings.HasPrefix(res.Request.URL.Path, "/requests/") {
		t.Fatalf("create: %s\n%s", res.Request.URL, page)
	}
	reqURL := res.Request.URL.String()
	// The submitter cannot approve their own request.
	if res, _ := bob.post(reqURL+"/approve", nil, "same-origin"); res.StatusCode != http.StatusForbidden {
		t.Errorf("self-approval: %d", res.StatusCode)
	}
	home := it.signIn(e, webIT)
	if !strings.Contains(home, `id="awaiting"`) || !strings.Contains(home, res.Request.URL.Path) {
		t.Fatalf("IT's home does not list the request awaiting approval:\n%s", home)
	}
	if _, page := it.get(reqURL); !strings.Contains(page, `id="approve"`) || !strings.Contains(page, `id="reject"`) {
		t.Fatalf("IT sees no decision buttons:\n%s", page)
	}
	res, page = it.post(reqURL+"/reject", url.Values{"reason": {"<b>not</b> this one"}}, "same-origin")
	if res.StatusCode != 200 || !strings.Contains(page, `class="status rejected"`) || !strings.Contains(page, "&lt;b&gt;not&lt;/b&gt; this one") {
		t.Fatalf("reject: %d\n%s", res.StatusCode, page)
	}
	if strings.Contains(page, `id="approve"`) {
		t.Error("a rejected request still offers approval")
	}
}

func TestWebSecureCookies(t *testing.T) {
	e := newWebEnv(t)
	web, err := NewWeb(context.Background(), e.svc, e.world.client, e.web.authn, WebConfig{Issuer: e.ent.Issuer(), ClientID: audience,
		RedirectURL: "https://127.0.0.1:1/auth/callback", Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	web.ServeHTTP(rec, httptest.NewRequest("GET", "/auth/login", nil))
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Name != "__Host-mailops_login" || !c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" {
		t.Fatalf("cookies over TLS: %+v", c)
	}
}
