package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// EnvToken is the bearer token sent to a loopback (fake) endpoint when no
// app registration is configured.
const EnvToken = "MAILOPS_TOKEN"

// graphReal is the --graph value that means the real Microsoft services.
const graphReal = "microsoft"

// staticToken is a credential with a fixed token (fake/graphserver).
type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t)}, nil
}

// isLoopbackHost reports whether host (no port) is a loopback name or address.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// graphConfig says how to reach the tenant named by --graph:
// "microsoft" is the real services, with the app registration of the
// MAILOPS_* variables (docs/real-tenant.md); any other value is one base URL
// serving Graph under /v1.0 and the Exchange admin API under /adminapi (as
// fake/graphserver does). A loopback URL without MAILOPS_TENANT_ID gets the
// token in MAILOPS_TOKEN (default "mailops-fake").
func graphConfig(target string) (graph.Config, error) {
	if target == "" {
		return graph.Config{}, fmt.Errorf("--graph is required (a URL, or %q for the real services)", graphReal)
	}
	if target == graphReal {
		return graph.ConfigFromEnv()
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return graph.Config{}, fmt.Errorf("--graph %q: not an http(s) URL", target)
	}
	base := strings.TrimSuffix(u.String(), "/")
	if os.Getenv(graph.EnvTenantID) != "" {
		cfg, err := graph.ConfigFromEnv()
		if err != nil {
			return graph.Config{}, err
		}
		cfg.GraphURL, cfg.ExchangeURL = base+"/v1.0", base
		return cfg, nil
	}
	if !isLoopbackHost(u.Hostname()) {
		return graph.Config{}, fmt.Errorf("--graph %s: no app registration configured (%s) and not a loopback fake", target, graph.EnvTenantID)
	}
	tok := os.Getenv(EnvToken)
	if tok == "" {
		tok = "mailops-fake"
	}
	return graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticToken(tok), GraphURL: base + "/v1.0", ExchangeURL: base}, nil
}

// connect builds the tenant driver for --graph behind a mailops.Client
// (bounded sessions, retries that honour Retry-After) with opts; the
// driver shares opts.Clock.
func connect(target string, opts mailops.Options) (*mailops.Client, error) {
	cfg, err := graphConfig(target)
	if err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = mailops.WallClock{}
	}
	cfg.Clock = opts.Clock
	d, err := graph.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", target, err)
	}
	return mailops.NewClient(d, opts), nil
}
