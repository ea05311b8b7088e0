package lab

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
)

// The lab's app registration: a migration script signs in with client
// credentials, as it would to a real tenant's Entra ID. The secret is a
// lab credential, printed for trainees.
const (
	LabClientID     = "6f1d9c2e-3b4a-4e5f-8a7b-9c0d1e2f3a4b"
	LabClientSecret = "lab-client-secret"
)

// Exchange Online as an API: the Exchange admin API's tokens are asked
// for https://outlook.office365.com/.default and are v1.0 tokens of
// Office 365 Exchange Online's application ID
// (https://learn.microsoft.com/en-us/powershell/exchange/app-only-auth-powershell-v2).
const (
	ExchangeResource = "https://outlook.office365.com"
	ExchangeAppID    = "00000002-0000-0ff1-ce00-000000000000"
)

// labIdentity is the Entra configuration of a lab: the app, with the
// application permissions an unattended migration script needs (Graph's
// Domain, User and Group permissions; Exchange.ManageAsApp for the admin
// API), and the tenant's mailboxes as users who can sign in.
func labIdentity(addr string, wall Wall, mailboxes []string) entra.Config {
	cfg := entra.Config{TenantID: graphserver.DefaultTenantID, Addr: addr, TLS: true, Clock: wallClock{wall},
		Resources: []entra.Resource{{AppID: ExchangeAppID, IdentifierURI: ExchangeResource, V1: true}},
		Apps: []entra.App{{ClientID: LabClientID, Name: "mailops lab automation", Secret: LabClientSecret,
			Roles: map[string][]string{
				entra.GraphResource: {"Directory.Read.All", "Domain.ReadWrite.All", "Group.ReadWrite.All", "User.ReadWrite.All"},
				ExchangeResource:    {"Exchange.ManageAsApp"},
			}}}}
	for i, m := range mailboxes {
		cfg.Users = append(cfg.Users, entra.User{OID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1), UPN: m, Name: m})
	}
	return cfg
}

// tokenCheck verifies bearer tokens at the Graph edge: signed by the lab's
// Entra ID, issued by its tenant (v1.0 issuer, as Graph and Exchange
// tokens are), for the API the request is for (Graph, or Exchange for the
// admin API: a Graph token is refused there, as by Exchange Online), and
// not expired on the lab's wall clock.
type tokenCheck struct {
	graph, exchange *oidc.IDTokenVerifier
}

func newTokenCheck(id *entra.Server, wall Wall) *tokenCheck {
	ctx := oidc.ClientContext(context.Background(), id.Client())
	keys := oidc.NewRemoteKeySet(ctx, id.URL()+"/"+id.TenantID()+"/discovery/v2.0/keys")
	iss := "https://sts.windows.net/" + id.TenantID() + "/"
	v := func(aud string) *oidc.IDTokenVerifier {
		return oidc.NewVerifier(iss, keys, &oidc.Config{ClientID: aud, Now: wall.Now, SupportedSigningAlgs: []string{oidc.RS256}})
	}
	return &tokenCheck{graph: v(entra.GraphResource), exchange: v(ExchangeResource)}
}

// valid reports whether tok is good for a request to path.
func (c *tokenCheck) valid(ctx context.Context, path, tok string) bool {
	v := c.graph
	if strings.HasPrefix(path, "/adminapi/") {
		v = c.exchange
	}
	_, err := v.Verify(ctx, tok)
	return err == nil
}

// wallClock is the lab's wall clock as a mailops.Clock for the token
// issuer, which reads only Now (token times and code expiry); the rest is
// the real clock's, as the issuer never sleeps.
type wallClock struct{ w Wall }

func (c wallClock) Now() time.Time { return c.w.Now() }

func (c wallClock) Sleep(ctx context.Context, d time.Duration) error {
	return mailops.WallClock{}.Sleep(ctx, d)
}

func (c wallClock) NewSignal() mailops.Signal { return mailops.WallClock{}.NewSignal() }

func (c wallClock) Go(fn func()) { go fn() }
