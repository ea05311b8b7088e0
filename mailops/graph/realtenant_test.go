//go:build realtenant

package graph_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
	"github.com/mailops-dev/mailops/mailops/mailopstest"
)

// The real-tenant run (docs/real-tenant.md): go test -tags realtenant
// -run TestRealTenantConformance ./mailops/graph. It needs the MAILOPS_*
// variables; without them it fails, it does not skip.

// realHarness hands out subdomains of MAILOPS_TEST_PARENT_DOMAIN (a domain
// verified in the test tenant, so that its subdomains need no proof) and
// waits MAILOPS_SETTLE (default 2m) in Settle. HoldElsewhere needs a domain
// verified in another tenant: MAILOPS_FOREIGN_DOMAIN.
type realHarness struct {
	d       mailops.Driver
	parent  string
	foreign string
	settle  time.Duration
	n       int
	run     string
}

func (h *realHarness) MakeDriver(context.Context) (mailops.Driver, error) { return h.d, nil }

func (h *realHarness) NewDomain(context.Context) (string, error) {
	h.n++
	return fmt.Sprintf("c%s-%d.%s", h.run, h.n, h.parent), nil
}

func (h *realHarness) ProveOwnership(context.Context, string, []mailops.DNSRecord) error {
	return nil // subdomains of a verified parent need no proof
}

func (h *realHarness) HoldElsewhere(_ context.Context, domain string) error {
	if h.foreign == "" || !strings.HasSuffix(domain, "."+h.foreign) && domain != h.foreign {
		return fmt.Errorf("set MAILOPS_FOREIGN_DOMAIN to a domain verified in another tenant")
	}
	return nil
}

func (h *realHarness) Settle(ctx context.Context) error {
	return mailops.WallClock{}.Sleep(ctx, h.settle)
}

func (h *realHarness) Close() {}

func TestRealTenantConformance(t *testing.T) {
	cfg, err := graph.ConfigFromEnv()
	require.NoError(t, err, "see docs/real-tenant.md")
	d, err := graph.New(cfg)
	require.NoError(t, err)
	parent := os.Getenv("MAILOPS_TEST_PARENT_DOMAIN")
	require.NotEmpty(t, parent, "MAILOPS_TEST_PARENT_DOMAIN")
	settle := 2 * time.Minute
	if s := os.Getenv("MAILOPS_SETTLE"); s != "" {
		settle, err = time.ParseDuration(s)
		require.NoError(t, err)
	}
	run := fmt.Sprint(os.Getpid())
	client := mailops.NewClient(d, mailops.Options{})
	mailopstest.RunConformanceTests(t, func(context.Context, *testing.T) (mailopstest.Harness, error) {
		return &realHarness{d: client, parent: parent, foreign: os.Getenv("MAILOPS_FOREIGN_DOMAIN"), settle: settle, run: run}, nil
	})
}
