package graph

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"

	"github.com/mailops-dev/mailops/mailops"
)

// Default service endpoints (the worldwide cloud).
const (
	DefaultGraphURL    = "https://graph.microsoft.com/v1.0"
	DefaultExchangeURL = "https://outlook.office365.com"
)

// Config configures a Driver.
type Config struct {
	// TenantID is the Entra tenant id (a GUID, or the initial
	// .onmicrosoft.com domain); it is part of the InvokeCommand URL.
	TenantID string
	// Credential gets tokens for both services; see NewCredential.
	Credential azcore.TokenCredential
	// AnchorMailbox is sent as X-AnchorMailbox on admin API calls; for
	// app-only access Exchange expects
	// "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@<initial domain>".
	// Empty omits the header.
	AnchorMailbox string
	// GraphURL is Graph's base URL; default DefaultGraphURL.
	GraphURL string
	// ExchangeURL is the admin API's base URL; default DefaultExchangeURL.
	ExchangeURL string
	// HTTPClient supplies the transport of both services and the timeout
	// of Graph calls; default http.DefaultTransport with a 100s timeout.
	// Admin API calls ignore its timeout and use ReadTimeout/WriteTimeout.
	HTTPClient *http.Client
	// Clock reads the time for Retry-After given as a date; default
	// mailops.WallClock.
	Clock mailops.Clock
}

// Driver is the real-tenant mailops.Driver: Microsoft Graph through
// msgraph-sdk-go for domains, users and group reads, and the Exchange Online
// admin API's InvokeCommand for everything only Exchange knows. It does not
// retry: wrap it in a mailops.Client, which bounds sessions and retries
// throttled calls no sooner than their Retry-After. It is safe for
// concurrent use.
type Driver struct {
	graph   *msgraphsdk.GraphServiceClient
	adapter *msgraphsdk.GraphRequestAdapter
	exo     *exoClient
	// graphRaw sends the Graph beta requests the SDK (v1.0) lacks, with
	// the same credential and transport.
	graphRaw *rawGraph
	now      func() time.Time
}

var _ mailops.Driver = (*Driver)(nil)

// New returns a Driver for the tenant. It makes no network call: a wrong
// credential shows on the first call as an error matching
// mailops.ErrForbidden.
func New(cfg Config) (*Driver, error) {
	if strings.TrimSpace(cfg.TenantID) == "" {
		return nil, &mailops.ValidationError{Field: "Config.TenantID", Value: cfg.TenantID, Reason: "required"}
	}
	if strings.ContainsAny(cfg.TenantID, "/?#% ") {
		return nil, &mailops.ValidationError{Field: "Config.TenantID", Value: cfg.TenantID, Reason: "not a tenant id or domain"}
	}
	if cfg.Credential == nil {
		return nil, &mailops.ValidationError{Field: "Config.Credential", Value: "", Reason: "required"}
	}
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultGraphURL
	}
	if cfg.ExchangeURL == "" {
		cfg.ExchangeURL = DefaultExchangeURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 100 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = mailops.WallClock{}
	}
	gu, err := parseBase("Config.GraphURL", cfg.GraphURL)
	if err != nil {
		return nil, err
	}
	eu, err := parseBase("Config.ExchangeURL", cfg.ExchangeURL)
	if err != nil {
		return nil, err
	}
	now := cfg.Clock.Now
	hc, err := graphHTTPClient(cfg.HTTPClient, now)
	if err != nil {
		return nil, err
	}
	auth := kiotaAuth{ts: &tokenSource{service: "Graph", cred: cfg.Credential, scope: GraphScope, host: gu.Host}}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		return nil, fmt.Errorf("graph: building the Graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(strings.TrimSuffix(gu.String(), "/"))
	endpoint := eu.JoinPath("adminapi", "beta", cfg.TenantID, "InvokeCommand")
	// No client-wide timeout for the admin API: each call gets ReadTimeout
	// or WriteTimeout (above the service's 15-minute limit) from its context.
	exoHC := &http.Client{Transport: cfg.HTTPClient.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	beta := strings.TrimSuffix(gu.String(), "/")
	if strings.HasSuffix(beta, "/v1.0") {
		beta = strings.TrimSuffix(beta, "/v1.0") + "/beta"
	}
	return &Driver{
		graph:   msgraphsdk.NewGraphServiceClient(adapter),
		adapter: adapter,
		graphRaw: &rawGraph{base: beta, hc: &http.Client{Transport: cfg.HTTPClient.Transport, Timeout: cfg.HTTPClient.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			ts: auth.ts, now: now},
		exo: &exoClient{endpoint: endpoint, hc: exoHC, now: now, anchor: cfg.AnchorMailbox,
			ts: &tokenSource{service: "Exchange", cred: cfg.Credential, scope: ExchangeScope, host: eu.Host}},
		now: now,
	}, nil
}

func parseBase(field, s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &mailops.ValidationError{Field: field, Value: s, Reason: "not an absolute http(s) URL"}
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, &mailops.ValidationError{Field: field, Value: s, Reason: "plain http is allowed only to a loopback test server"}
	}
	return u, nil
}
