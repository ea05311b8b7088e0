// Package mailopstest is the conformance suite every mailops.Driver runs, in
// the style of the Go CDK's drivertest: a driver author adapts the backend
// with a Harness and calls RunConformanceTests from a test. The suite checks
// the portable semantics documented on mailops.Driver: every call, its
// portable errors (checked with errors.Is), idempotency, atomicity (a refused
// call applies nothing), read-after-write, returned values being copies,
// lists sorted by identity, and that a failure is never reported as absence.
//
// The suite uses only the Driver and the Harness hooks, so the same cases run
// against the fake tenant (package fake), the Graph driver over the fake HTTP
// server, and a real test tenant. It tolerates eventual consistency and
// latency: it reads what it wrote again, with Harness.Settle between reads,
// until the write shows (up to ten reads), and it settles before checking
// that a refused call left nothing behind.
//
// A driver author's test:
//
//	type harness struct {
//		backend *mybackend.Server // the tenant the driver talks to
//		n       int
//	}
//
//	func (h *harness) MakeDriver(ctx context.Context) (mailops.Driver, error) {
//		return mydriver.New(h.backend.URL())
//	}
//	func (h *harness) NewDomain(context.Context) (string, error) {
//		h.n++
//		return fmt.Sprintf("c%d.conformance.example", h.n), nil
//	}
//	func (h *harness) ProveOwnership(ctx context.Context, domain string, rs []mailops.DNSRecord) error {
//		return h.backend.PublishTXT(domain, rs) // the "MS=ms..." record
//	}
//	func (h *harness) HoldElsewhere(ctx context.Context, domain string) error {
//		return fmt.Errorf("no second tenant: %w", errors.ErrUnsupported) // skips those cases
//	}
//	func (h *harness) Settle(ctx context.Context) error { return h.backend.Advance(time.Hour) }
//	func (h *harness) Close()                           { h.backend.Close() }
//
//	func TestConformance(t *testing.T) {
//		mailopstest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (mailopstest.Harness, error) {
//			return &harness{backend: mybackend.Start(t)}, nil
//		})
//	}
//
// Run it like any test (go test -run TestConformance ./yourdriver); one
// subtest per case, named Area/Behaviour, so -run TestConformance/Group/
// selects the group cases. See fake/conformance_test.go for the fake
// tenant's harness, in virtual time.
package mailopstest
