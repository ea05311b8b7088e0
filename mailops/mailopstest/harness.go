// Package mailopstest is the conformance suite every mailops driver runs, in
// the style of the Go CDK's drivertest: a driver author writes a Harness for
// the backend and calls RunConformanceTests from a test.
//
//	func TestConformance(t *testing.T) {
//		mailopstest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (mailopstest.Harness, error) {
//			return newMyHarness(t)
//		})
//	}
//
// The suite uses only the mailops.Driver interface and the Harness hooks. It
// tolerates eventual consistency (it calls Settle before reading what it
// wrote) and latency, so the same suite runs against the fake tenant, the
// Graph driver over a fake HTTP server, and a real test tenant.
package mailopstest

import (
	"context"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// Harness adapts one backend to the suite. Every case makes its own Harness
// and calls Close at the end.
type Harness interface {
	// MakeDriver returns a driver on a tenant that holds none of the
	// domains the harness hands out (a fresh tenant, or one cleaned up).
	MakeDriver(ctx context.Context) (mailops.Driver, error)
	// NewDomain returns a domain name this harness can prove ownership of,
	// unused so far in this harness. The suite adds, verifies and removes
	// it.
	NewDomain(ctx context.Context) (string, error)
	// ProveOwnership publishes the domain's ownership proof, given the
	// verification records AddDomain returned (fake: in memory; real: DNS).
	ProveOwnership(ctx context.Context, domain string, records []mailops.DNSRecord) error
	// HoldElsewhere makes another tenant hold the domain verified, so that
	// this tenant gets ErrDomainTaken.
	HoldElsewhere(ctx context.Context, domain string) error
	// Settle waits until the writes made so far are visible to reads
	// (fake: advance virtual time; real: wait).
	Settle(ctx context.Context) error
	// Close releases the harness.
	Close()
}

// HarnessMaker makes a Harness for one case.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)
