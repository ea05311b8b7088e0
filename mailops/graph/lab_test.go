package graph_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/lab"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// stillWall is a lab wall clock at a fixed real time that never ticks:
// the lab's world moves only when told, and its tokens stay valid.
type stillWall struct{ t time.Time }

func (w stillWall) Now() time.Time { return w.t }
func (w stillWall) Tick(time.Duration) (<-chan time.Time, func()) {
	return make(chan time.Time), func() {}
}

// TestGraphSDKAgainstTheLab: the driver, with msgraph-sdk-go for Graph and
// azidentity for tokens, signs in to the training lab's fake Entra ID (client
// credentials over HTTPS, trusting only the lab CA from the ports file) and
// reads and writes the lab world's tenant through its Graph and Exchange
// admin API, as a trainee's script would against a real tenant.
func TestGraphSDKAgainstTheLab(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	sc, err := lab.LoadScenario(filepath.Join(filepath.Dir(here), "..", "..", "examples", "lab", "consolidation.yaml"))
	require.NoError(t, err)
	l, err := lab.Start(lab.Config{Scenario: sc, Seed: 1, Clock: lab.ClockSpec{Manual: true}, Wall: stillWall{time.Now()}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })

	// Everything from the ports file, as a script reads it.
	ports := filepath.Join(t.TempDir(), "ports.json")
	require.NoError(t, l.WritePorts(ports))
	_, err = os.Stat(ports)
	require.NoError(t, err)
	p := l.Ports()
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM([]byte(p.CA)))
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	cred, err := graph.NewCredential(graph.Credentials{TenantID: p.TenantID, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		AuthorityHost: p.Authority, Transport: &http.Client{Transport: tr}})
	require.NoError(t, err)
	d, err := graph.New(graph.Config{TenantID: p.TenantID, Credential: cred,
		GraphURL: "http://" + p.Graph + "/v1.0", ExchangeURL: "http://" + p.Graph})
	require.NoError(t, err)

	ctx := context.Background()
	doms, err := d.ListDomains(ctx)
	require.NoError(t, err, "Graph through the SDK with the lab's token")
	var names []string
	for _, x := range doms {
		names = append(names, x.Name)
	}
	assert.Contains(t, names, "example.ac.jp")
	rs, err := d.ListRecipients(ctx)
	require.NoError(t, err, "the admin API with the lab's Exchange token")
	assert.True(t, slices.ContainsFunc(rs, func(r mailops.Recipient) bool { return r.Address == "alice@example.ac.jp" }))

	g := mailops.Group{PrimaryAddress: "team@example.ac.jp", Name: "Team", Members: []mailops.Address{"alice@example.ac.jp"},
		Owners: []mailops.Address{"it@example.ac.jp"}}
	require.NoError(t, d.CreateGroup(ctx, g), "a write through the admin API")
	graphCalls := 0
	for _, a := range l.Log().Actions {
		if a.Op == "graph" {
			graphCalls++
		}
	}
	assert.GreaterOrEqual(t, graphCalls, 3, "the lab logged the script's requests for replay")

	// A wrong secret is refused by the lab's Entra ID with Entra's error.
	bad, err := graph.NewCredential(graph.Credentials{TenantID: p.TenantID, ClientID: p.ClientID, ClientSecret: "not-the-secret",
		AuthorityHost: p.Authority, Transport: &http.Client{Transport: tr}})
	require.NoError(t, err)
	bd, err := graph.New(graph.Config{TenantID: p.TenantID, Credential: bad, GraphURL: "http://" + p.Graph + "/v1.0", ExchangeURL: "http://" + p.Graph})
	require.NoError(t, err)
	_, err = bd.ListDomains(ctx)
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Contains(t, err.Error(), "AADSTS7000215")
}
