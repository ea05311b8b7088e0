package delegate_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// The web UI signs users in at the tenant's issuer (here a fake Entra ID)
// and shows a signed-out visitor the sign-in page.
func ExampleNewWeb() {
	ctx := context.Background()
	const apiID = "6f1c2e4a-0b7d-4c3e-9a5f-2d8e1b0c7a11"
	ent, err := entra.NewServer(entra.Config{
		Apps:      []entra.App{{ClientID: apiID, RedirectURIs: []string{"http://127.0.0.1:7878/auth/callback"}}},
		Resources: []entra.Resource{{AppID: apiID, IdentifierURI: "api://mailops-delegate"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ent.Close()
	dir, _ := os.MkdirTemp("", "mailops-web-example")
	defer os.RemoveAll(dir)
	st, _, err := delegate.OpenSQLite(ctx, filepath.Join(dir, "delegate.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	cfg := delegate.Config{Domains: []delegate.DomainConfig{{Name: "depta.example.ac.jp", AdminGroup: "admins@depta.example.ac.jp"}}}
	svc := &delegate.Service{Store: st, Config: cfg, Clock: mailops.WallClock{}}
	authn, err := delegate.NewAuthenticator(ctx, ent.Issuer(), apiID, cfg, mailops.WallClock{})
	if err != nil {
		fmt.Println(err)
		return
	}
	web, err := delegate.NewWeb(ctx, svc, nil, authn, delegate.WebConfig{Issuer: ent.Issuer(), ClientID: apiID,
		RedirectURL: "http://127.0.0.1:7878/auth/callback", APIScope: "api://mailops-delegate/.default"})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	web.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), "Sign in with Microsoft Entra ID"))
	// Output: 200 true
}
