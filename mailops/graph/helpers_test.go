package graph_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// staticCred is a credential with a fixed token, or a fixed failure.
type staticCred struct {
	token string
	err   error
}

func (c staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c.err != nil {
		return azcore.AccessToken{}, c.err
	}
	return azcore.AccessToken{Token: c.token}, nil
}

const testToken = "test-token"

// world is a fake tenant behind the fake Graph/EXO server on loopback, and
// the graph driver pointed at it.
type world struct {
	s      *sim.Scheduler
	cloud  *fake.Cloud
	tenant *fake.Tenant
	srv    *graphserver.Server
	http   *httptest.Server
	d      *graph.Driver
}

func newWorld(t *testing.T, seed uint64, pageSize int) *world {
	t.Helper()
	s := sim.New(seed)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.InstantTenantConfig()
	cfg.Propagation = fake.DefaultTenantConfig().Propagation
	tenant := cloud.NewTenant("contoso", cfg)
	srv := graphserver.New(tenant.Driver("admin"), graphserver.Options{Token: testToken, PageSize: pageSize})
	hs := httptest.NewServer(srv)
	d, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{token: testToken},
		GraphURL: hs.URL + "/v1.0", ExchangeURL: hs.URL, HTTPClient: hs.Client(), Clock: s})
	require.NoError(t, err)
	w := &world{s: s, cloud: cloud, tenant: tenant, srv: srv, http: hs, d: d}
	t.Cleanup(func() { hs.Close(); s.Close() })
	return w
}

func (w *world) tenantConfig() fake.TenantConfig {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation = fake.DefaultTenantConfig().Propagation
	return cfg
}

func (w *world) settle(t *testing.T) { require.NoError(t, w.s.RunFor(2*time.Hour)) }

// verifiedDomain adds and verifies a domain through the driver.
func (w *world) verifiedDomain(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	dom, err := w.d.AddDomain(ctx, name)
	require.NoError(t, err)
	for _, r := range dom.VerificationRecords {
		if r.Type == "TXT" {
			w.cloud.PublishProof(name, r.Value)
		}
	}
	_, err = w.d.VerifyDomain(ctx, name)
	require.NoError(t, err)
	w.settle(t)
	require.NoError(t, w.d.EnableEmail(ctx, name))
	w.settle(t)
}

var errCredRefused = errors.New("AADSTS7000215: Invalid client secret provided")

var _ mailops.Driver = (*graph.Driver)(nil)
