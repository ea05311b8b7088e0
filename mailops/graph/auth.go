package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/mailops-dev/mailops/mailops"
)

// Token scopes of the two services.
const (
	GraphScope    = "https://graph.microsoft.com/.default"
	ExchangeScope = "https://outlook.office365.com/.default"
)

// tokenSource gets bearer tokens for one service and sends them only to
// that service's host, over HTTPS (or to a loopback test server).
type tokenSource struct {
	service string
	cred    azcore.TokenCredential
	scope   string
	host    string // host[:port] the token may be sent to
}

func (t *tokenSource) token(ctx context.Context, u *url.URL) (string, error) {
	if !strings.EqualFold(u.Host, t.host) {
		return "", fmt.Errorf("graph: %s: refusing to send a token to %s (only %s): %w", t.service, u.Host, t.host, mailops.ErrForbidden)
	}
	if u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("graph: %s: refusing to send a token over %s to %s: %w", t.service, u.Scheme, u.Host, mailops.ErrForbidden)
	}
	tk, err := t.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{t.scope}})
	if err != nil {
		return "", credentialError(t.service, t.scope, err)
	}
	return tk.Token, nil
}

// credentialError maps a failure to get a token: refused credentials
// (wrong secret, expired certificate, no managed identity) are
// ErrForbidden; anything else (the identity endpoint unreachable) is
// ErrUnavailable.
func credentialError(service, scope string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("graph: %s: getting a token for %s: %w", service, scope, err)
	}
	var afe *azidentity.AuthenticationFailedError
	var cu interface{ NonRetriable() }
	if errors.As(err, &afe) || errors.As(err, &cu) || errors.Is(err, mailops.ErrForbidden) {
		return fmt.Errorf("graph: %s: the credential was refused getting a token for %s: %v: %w", service, scope, err, mailops.ErrForbidden)
	}
	return fmt.Errorf("graph: %s: getting a token for %s: %v: %w", service, scope, err, mailops.ErrUnavailable)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// kiotaAuth is the Graph SDK's authentication provider over a tokenSource.
type kiotaAuth struct{ ts *tokenSource }

// AuthenticateRequest adds the bearer token.
func (a kiotaAuth) AuthenticateRequest(ctx context.Context, req *abs.RequestInformation, _ map[string]any) error {
	u, err := req.GetUri()
	if err != nil {
		return fmt.Errorf("graph: Graph: building the request URL: %w", err)
	}
	tok, err := a.ts.token(ctx, u)
	if err != nil {
		return err
	}
	req.Headers.Add("Authorization", "Bearer "+tok)
	return nil
}
