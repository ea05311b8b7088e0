package graph_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

func count(reqs []string, sub string) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r, sub) {
			n++
		}
	}
	return n
}

func outbound(name string) mailops.OutboundConnector {
	return mailops.OutboundConnector{Name: name, Type: mailops.OnPremises, RecipientDomains: []string{"dept.example"},
		SmartHosts: []string{"mx.dept.example"}, Enabled: true}
}

func TestThrottledIsMappedOnceWithoutSDKRetry(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, match string
		call        func(d *graph.Driver) error
	}{
		{"Graph", "GET /v1.0/domains", func(d *graph.Driver) error { _, err := d.ListDomains(ctx); return err }},
		{"Exchange", "EXO Get-OutboundConnector", func(d *graph.Driver) error { _, err := d.ListOutboundConnectors(ctx); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 1, 100)
			w.srv.InjectFault(graphserver.Fault{Match: tc.match, Kind: graphserver.Throttle, RetryAfter: 7 * time.Second})
			err := tc.call(w.d)
			var te *mailops.ThrottledError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 7*time.Second, te.RetryAfter)
			assert.ErrorIs(t, err, mailops.ErrThrottled)
			assert.Equal(t, 1, count(w.srv.Requests(), tc.match), "the driver (and the SDK under it) sent the throttled request once: %v", w.srv.Requests())
			require.NoError(t, tc.call(w.d), "the next call is served")
		})
	}
}

func TestExpiredTokenIsForbidden(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 2, 100)
	w.srv.InjectFault(graphserver.Fault{Match: "GET /v1.0/domains", Kind: graphserver.ExpiredToken})
	_, err := w.d.ListDomains(ctx)
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Contains(t, err.Error(), "token is expired")

	w.srv.InjectFault(graphserver.Fault{Match: "EXO Get-RemoteDomain", Kind: graphserver.ExpiredToken})
	_, err = w.d.GetRemoteDomain(ctx, mailops.DefaultRemoteDomain)
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Contains(t, err.Error(), "token is expired")
	assert.Equal(t, 1, count(w.srv.Requests(), "EXO Get-RemoteDomain"), "no retry of a refused token")
}

func TestWrongCredentials(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 3, 100)
	wrong, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{token: "stolen"},
		GraphURL: w.http.URL + "/v1.0", ExchangeURL: w.http.URL, HTTPClient: w.http.Client()})
	require.NoError(t, err)
	_, err = wrong.GetDomain(ctx, "contoso.example")
	assert.ErrorIs(t, err, mailops.ErrForbidden, "a token the service refuses")
	_, err = wrong.ListOutboundConnectors(ctx)
	assert.ErrorIs(t, err, mailops.ErrForbidden)

	refused, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{err: forbiddenCred{}},
		GraphURL: w.http.URL + "/v1.0", ExchangeURL: w.http.URL, HTTPClient: w.http.Client()})
	require.NoError(t, err)
	n := len(w.srv.Requests())
	_, err = refused.ListDomains(ctx)
	assert.ErrorIs(t, err, mailops.ErrForbidden, "a credential Entra ID refuses")
	assert.Contains(t, err.Error(), "AADSTS7000215")
	err = refused.SetDomainType(ctx, "contoso.example", mailops.InternalRelay)
	assert.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Len(t, w.srv.Requests(), n, "nothing is sent without a token")
}

// forbiddenCred is a credential failure azidentity marks non-retriable.
type forbiddenCred struct{}

func (forbiddenCred) Error() string { return "AADSTS7000215: Invalid client secret provided" }
func (forbiddenCred) NonRetriable() {}

func TestHTMLErrorPageIsUnavailable(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 4, 100)
	for _, tc := range []struct {
		match string
		call  func() error
	}{
		{"GET /v1.0/domains", func() error { _, err := w.d.ListDomains(ctx); return err }},
		{"EXO New-OutboundConnector", func() error { return w.d.CreateOutboundConnector(ctx, outbound("To dept")) }},
	} {
		w.srv.InjectFault(graphserver.Fault{Match: tc.match, Kind: graphserver.BadGatewayHTML})
		err := tc.call()
		var re *graph.ResponseError
		require.ErrorAs(t, err, &re, tc.match)
		assert.Equal(t, 502, re.Status)
		assert.Contains(t, re.Snippet, "502 Bad Gateway")
		assert.Contains(t, err.Error(), "not JSON")
		assert.ErrorIs(t, err, mailops.ErrUnavailable, "a gateway error: the call may or may not have happened")
		assert.Equal(t, 1, count(w.srv.Requests(), tc.match))
	}
}

func TestTruncatedReply(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 5, 100)
	w.verifiedDomain(t, "dept.example")

	w.srv.InjectFault(graphserver.Fault{Match: "GET /v1.0/domains", Kind: graphserver.TruncatedBody})
	_, err := w.d.ListDomains(ctx)
	var re *graph.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, re.Reason, "truncated")
	assert.ErrorIs(t, err, mailops.ErrUnavailable)

	w.srv.InjectFault(graphserver.Fault{Match: "EXO New-OutboundConnector", Kind: graphserver.TruncatedBody})
	err = w.d.CreateOutboundConnector(ctx, outbound("To dept"))
	require.ErrorAs(t, err, &re)
	assert.Contains(t, re.Reason, "truncated")
	assert.ErrorIs(t, err, mailops.ErrUnavailable, "the reply was lost: maybe applied")
	w.settle(t)
	_, err = w.d.GetOutboundConnector(ctx, "To dept")
	assert.NoError(t, err, "the fake applied it before cutting the reply")
}

func TestTenantRefusalsMapOntoPortableErrors(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, 6, 100)
	w.tenant.InjectFault(fake.Fault{Op: "CreateOutboundConnector", Err: fmt.Errorf("fake: you have exceeded the maximum number of connections allowed : 3: %w", mailops.ErrTooManySessions)})
	err := w.d.CreateOutboundConnector(ctx, outbound("To dept"))
	assert.ErrorIs(t, err, mailops.ErrThrottled, "session overload is REST throttling (429 + Retry-After), not an RPS runspace refusal")
	assert.NotErrorIs(t, err, mailops.ErrTooManySessions)

	w.tenant.InjectFault(fake.Fault{Op: "ListDomains", Err: &mailops.ThrottledError{Op: "ListDomains", RetryAfter: 3 * time.Second}})
	_, err = w.d.ListDomains(ctx)
	var te *mailops.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3*time.Second, te.RetryAfter)

	w.tenant.InjectFault(fake.Fault{Op: "GetRemoteDomain", Err: fmt.Errorf("fake: %w", mailops.ErrUnavailable)})
	_, err = w.d.GetRemoteDomain(ctx, mailops.DefaultRemoteDomain)
	assert.ErrorIs(t, err, mailops.ErrUnavailable)
	var se *graph.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 503, se.Status)

	assert.ErrorIs(t, w.d.DeleteRemoteDomain(ctx, mailops.DefaultRemoteDomain), mailops.ErrForbidden)
	_, err = w.d.GetDomain(ctx, "missing.example")
	assert.ErrorIs(t, err, mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.DeleteOutboundConnector(ctx, "nothing"), mailops.ErrNotFound, "EXO's \"couldn't be found\"")
}

func TestBadConfigAndInput(t *testing.T) {
	for _, cfg := range []graph.Config{
		{Credential: staticCred{token: "x"}},
		{TenantID: "a/b", Credential: staticCred{token: "x"}},
		{TenantID: "t"},
		{TenantID: "t", Credential: staticCred{token: "x"}, GraphURL: "http://graph.example.com/v1.0"},
		{TenantID: "t", Credential: staticCred{token: "x"}, ExchangeURL: "::"},
	} {
		_, err := graph.New(cfg)
		var ve *mailops.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", cfg)
		assert.NotEmpty(t, ve.Field)
	}
	_, err := graph.NewCredential(graph.Credentials{TenantID: "t", ClientID: "c", ClientSecret: "s", ManagedIdentity: true})
	assert.ErrorIs(t, err, mailops.ErrInvalid, "two sign-in methods")
	_, err = graph.NewCredential(graph.Credentials{TenantID: "t", ClientID: "c", CertificatePath: "testdata/missing.pem"})
	assert.ErrorIs(t, err, mailops.ErrInvalid)

	w := newWorld(t, 7, 100)
	n := len(w.srv.Requests())
	ctx := context.Background()
	_, err = w.d.AddDomain(ctx, "Not A Domain")
	assert.ErrorIs(t, err, mailops.ErrInvalid)
	assert.ErrorIs(t, w.d.SetSimpleDisplayName(ctx, "a@dept.example", "山田"), mailops.ErrInvalid)
	assert.ErrorIs(t, w.d.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "x", Type: mailops.Partner}), mailops.ErrInvalid)
	assert.Len(t, w.srv.Requests(), n, "invalid input is refused before any request")
}

func TestTokensGoOnlyToTheirService(t *testing.T) {
	w := newWorld(t, 8, 100)
	d, err := graph.New(graph.Config{TenantID: graphserver.DefaultTenantID, Credential: staticCred{token: testToken},
		GraphURL: w.http.URL + "/v1.0", ExchangeURL: "https://outlook.office365.com", HTTPClient: w.http.Client()})
	require.NoError(t, err)
	_, err = d.GetDomain(context.Background(), "contoso.example")
	assert.ErrorIs(t, err, mailops.ErrNotFound, "Graph at the fake answers")
	assert.False(t, errors.Is(err, mailops.ErrForbidden))
}
