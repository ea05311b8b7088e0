package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/mailops"
)

// The Client over the graph driver: a 429 with Retry-After from Graph and
// from the EXO admin API is retried once by the Client, no sooner than
// Retry-After (in virtual time), and the call succeeds; neither the SDK nor
// the driver retried on its own.
func TestClientRetriesAfterRetryAfterOverHTTP(t *testing.T) {
	w := newWorld(t, 5, 100)
	c := mailops.NewClient(w.d, mailops.Options{Clock: w.s})
	w.srv.InjectFault(graphserver.Fault{Match: "GET /v1.0/domains", Kind: graphserver.Throttle, RetryAfter: 7 * time.Second})
	w.srv.InjectFault(graphserver.Fault{Match: "EXO Get-OutboundConnector", Kind: graphserver.Throttle, RetryAfter: 11 * time.Second})
	var listErr, connErr error
	var tookList, tookConn time.Duration
	w.s.Go(func() {
		ctx := context.Background()
		start := w.s.Now()
		_, listErr = c.ListDomains(ctx)
		tookList = w.s.Now().Sub(start)
		start = w.s.Now()
		_, connErr = c.ListOutboundConnectors(ctx)
		tookConn = w.s.Now().Sub(start)
	})
	require.NoError(t, w.s.Run())
	require.NoError(t, listErr)
	require.NoError(t, connErr)
	assert.GreaterOrEqual(t, tookList, 7*time.Second, "no retry before Graph's Retry-After")
	assert.GreaterOrEqual(t, tookConn, 11*time.Second, "no retry before EXO's Retry-After")
	assert.Equal(t, 2, count(w.srv.Requests(), "GET /v1.0/domains"), "one throttled request and one retry: %v", w.srv.Requests())
	assert.Equal(t, 2, count(w.srv.Requests(), "EXO Get-OutboundConnector"))
}
