package fake_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/mailopstest"
)

// harness runs the conformance suite on a fake tenant in virtual time. The
// other tenant holds domains for the ErrDomainTaken cases. Ownership proofs
// and DKIM CNAMEs are "published" in dns, the cloud's proof checker, which
// also checks CNAMEs (fake.CNAMEChecker) so that enabling DKIM needs them.
type harness struct {
	s      *sim.Scheduler
	cloud  *fake.Cloud
	dns    *harnessDNS
	driver mailops.Driver
	other  mailops.Driver
	settle time.Duration
	n      int
}

// newHarness makes the cloud, with dns as its proof checker, and the two
// tenants (driver wraps the tenant under test's driver).
func newHarness(t *testing.T, settle time.Duration, cfg fake.TenantConfig, wrap func(*sim.Scheduler, mailops.Driver) mailops.Driver) *harness {
	s := sim.New(seed(t))
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	dns := newHarnessDNS()
	cloud.SetProofChecker(dns)
	return &harness{s: s, cloud: cloud, dns: dns, settle: settle,
		driver: wrap(s, cloud.NewTenant("contoso", cfg).Driver("admin")),
		other:  wrap(s, cloud.NewTenant("fabrikam", cfg).Driver("other-admin"))}
}

// harnessDNS holds the TXT proofs and CNAMEs the harness published.
type harnessDNS struct {
	mu     sync.Mutex
	txt    map[string]map[string]bool // domain → TXT values
	cnames map[string]string          // name → target
}

func newHarnessDNS() *harnessDNS {
	return &harnessDNS{txt: map[string]map[string]bool{}, cnames: map[string]string{}}
}

// HasProof implements fake.ProofChecker.
func (d *harnessDNS) HasProof(_ context.Context, domain, token string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.txt[domain][token], nil
}

// HasCNAME implements fake.CNAMEChecker.
func (d *harnessDNS) HasCNAME(_ context.Context, name, target string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cnames[name] == target, nil
}

var _ fake.CNAMEChecker = (*harnessDNS)(nil)

func (h *harness) MakeDriver(context.Context) (mailops.Driver, error) { return h.driver, nil }

func (h *harness) NewDomain(context.Context) (string, error) {
	h.n++
	return fmt.Sprintf("c%d.conformance.example", h.n), nil
}

func (h *harness) ProveOwnership(_ context.Context, domain string, records []mailops.DNSRecord) error {
	h.dns.mu.Lock()
	defer h.dns.mu.Unlock()
	for _, r := range records {
		if r.Type == "TXT" {
			if h.dns.txt[domain] == nil {
				h.dns.txt[domain] = map[string]bool{}
			}
			h.dns.txt[domain][r.Value] = true
		}
	}
	return nil
}

// HoldUnmanaged implements mailopstest.UnmanagedDomainHarness.
func (h *harness) HoldUnmanaged(_ context.Context, domain string, users []mailops.Recipient) error {
	h.cloud.HoldUnmanaged(domain, users...)
	return nil
}

// PublishDkimCNAMEs implements mailopstest.DkimDNSHarness.
func (h *harness) PublishDkimCNAMEs(_ context.Context, cfg mailops.DkimSigningConfig) error {
	h.dns.mu.Lock()
	defer h.dns.mu.Unlock()
	h.dns.cnames["selector1._domainkey."+cfg.Domain] = cfg.Selector1CNAME
	h.dns.cnames["selector2._domainkey."+cfg.Domain] = cfg.Selector2CNAME
	return nil
}

// Now implements mailopstest.NowHarness: virtual time.
func (h *harness) Now() time.Time { return h.s.Now() }

var (
	_ mailopstest.UnmanagedDomainHarness = (*harness)(nil)
	_ mailopstest.DkimDNSHarness         = (*harness)(nil)
	_ mailopstest.NowHarness             = (*harness)(nil)
)

func (h *harness) HoldElsewhere(ctx context.Context, domain string) error {
	dom, err := h.other.AddDomain(ctx, domain)
	if err != nil {
		return err
	}
	if err := h.ProveOwnership(ctx, domain, dom.VerificationRecords); err != nil {
		return err
	}
	_, err = h.other.VerifyDomain(ctx, domain)
	return err
}

func (h *harness) Settle(context.Context) error { return h.s.RunFor(h.settle) }

func (h *harness) Close() { h.s.Close() }

// coverage records, through each case's harness, that every case of the
// suite ran and none was skipped: the fake supports every hook.
type coverage struct {
	mu      sync.Mutex
	ran     []string
	skipped []string
}

func (c *coverage) track(t *testing.T) {
	c.mu.Lock()
	c.ran = append(c.ran, t.Name())
	c.mu.Unlock()
	t.Cleanup(func() {
		if t.Skipped() {
			c.mu.Lock()
			c.skipped = append(c.skipped, t.Name())
			c.mu.Unlock()
		}
	})
}

func (c *coverage) check(t *testing.T) {
	assert.Empty(t, c.skipped, "the fake tenant supports every hook: no case may skip")
	if f := flag.Lookup("test.run"); f != nil && strings.Contains(f.Value.String(), "/") {
		return // a chosen subset of the cases
	}
	assert.Len(t, c.ran, len(mailopstest.CaseNames()), "every case made a harness")
	assert.GreaterOrEqual(t, len(c.ran), 35)
}

func seed(t *testing.T) uint64 {
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	return h.Sum64()
}

// TestConformance runs the suite on an instant tenant (no latency, no
// read lag, driver called straight from the test goroutine); Settle still
// advances virtual time past propagation.
func TestConformance(t *testing.T) {
	var cov coverage
	mailopstest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (mailopstest.Harness, error) {
		cov.track(t)
		cfg := fake.InstantTenantConfig()
		cfg.Propagation = fake.DefaultTenantConfig().Propagation
		return newHarness(t, 2*time.Hour, cfg, func(_ *sim.Scheduler, d mailops.Driver) mailops.Driver { return d }), nil
	})
	cov.check(t)
}

// TestConformanceLaggy runs the suite on a tenant with the default call
// latency and admin reads that lag by up to two minutes half the time,
// while Settle advances only one minute: a read-back that does not retry,
// or a check that does not settle, fails here. Each driver call runs as a
// simulated process (latency is a virtual Sleep). No throttling, session
// limit or random faults: the suite checks drivers, not retries.
func TestConformanceLaggy(t *testing.T) {
	var cov coverage
	mailopstest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (mailopstest.Harness, error) {
		cov.track(t)
		def := fake.DefaultTenantConfig()
		cfg := fake.InstantTenantConfig()
		cfg.Latency = def.Latency
		cfg.Propagation = def.Propagation
		cfg.AdminLag = fake.AdminLag{Probability: 0.5, Lag: fake.Uniform(0, 2*time.Minute)}
		return newHarness(t, time.Minute, cfg, func(s *sim.Scheduler, d mailops.Driver) mailops.Driver { return &simDriver{s: s, d: d} }), nil
	})
	cov.check(t)
}

var errNotRun = errors.New("conformance: the simulated call did not run")

// inSim runs fn as a simulated process and runs the scheduler until it
// ends, so that a driver's latency (a virtual Sleep) works from the test
// goroutine.
func inSim[T any](s *sim.Scheduler, fn func() (T, error)) (T, error) {
	var v T
	err := errNotRun
	s.Go(func() { v, err = fn() })
	if rerr := s.Run(); rerr != nil {
		return v, rerr
	}
	return v, err
}

func inSim0(s *sim.Scheduler, fn func() error) error {
	_, err := inSim(s, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

// simDriver is a mailops.Driver whose every call runs in virtual time.
type simDriver struct {
	s *sim.Scheduler
	d mailops.Driver
}

func (w *simDriver) AddDomain(ctx context.Context, name string) (mailops.Domain, error) {
	return inSim(w.s, func() (mailops.Domain, error) { return w.d.AddDomain(ctx, name) })
}

func (w *simDriver) VerifyDomain(ctx context.Context, name string) (mailops.Domain, error) {
	return inSim(w.s, func() (mailops.Domain, error) { return w.d.VerifyDomain(ctx, name) })
}

func (w *simDriver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	return inSim(w.s, func() (mailops.Domain, error) { return w.d.GetDomain(ctx, name) })
}

func (w *simDriver) ListDomains(ctx context.Context) ([]mailops.Domain, error) {
	return inSim(w.s, func() ([]mailops.Domain, error) { return w.d.ListDomains(ctx) })
}

func (w *simDriver) SetDomainType(ctx context.Context, name string, t mailops.DomainType) error {
	return inSim0(w.s, func() error { return w.d.SetDomainType(ctx, name, t) })
}

func (w *simDriver) RemoveDomain(ctx context.Context, name string) error {
	return inSim0(w.s, func() error { return w.d.RemoveDomain(ctx, name) })
}

func (w *simDriver) CreateRecipient(ctx context.Context, r mailops.Recipient) error {
	return inSim0(w.s, func() error { return w.d.CreateRecipient(ctx, r) })
}

func (w *simDriver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	return inSim(w.s, func() (mailops.Recipient, error) { return w.d.GetRecipient(ctx, a) })
}

func (w *simDriver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	return inSim(w.s, func() ([]mailops.Recipient, error) { return w.d.ListRecipients(ctx) })
}

func (w *simDriver) SetSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	return inSim0(w.s, func() error { return w.d.SetSimpleDisplayName(ctx, a, name) })
}

func (w *simDriver) SetForwarding(ctx context.Context, a mailops.Address, f mailops.Forwarding) error {
	return inSim0(w.s, func() error { return w.d.SetForwarding(ctx, a, f) })
}

func (w *simDriver) TakeOverDomain(ctx context.Context, name string) (mailops.Domain, error) {
	return inSim(w.s, func() (mailops.Domain, error) { return w.d.TakeOverDomain(ctx, name) })
}

func (w *simDriver) EnableEmail(ctx context.Context, name string) error {
	return inSim0(w.s, func() error { return w.d.EnableEmail(ctx, name) })
}

func (w *simDriver) SetGroupSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	return inSim0(w.s, func() error { return w.d.SetGroupSimpleDisplayName(ctx, a, name) })
}

func (w *simDriver) GetOutboundSpamPolicy(ctx context.Context, name string) (mailops.OutboundSpamPolicy, error) {
	return inSim(w.s, func() (mailops.OutboundSpamPolicy, error) { return w.d.GetOutboundSpamPolicy(ctx, name) })
}

func (w *simDriver) SetOutboundSpamPolicy(ctx context.Context, p mailops.OutboundSpamPolicy) error {
	return inSim0(w.s, func() error { return w.d.SetOutboundSpamPolicy(ctx, p) })
}

func (w *simDriver) GetDkimSigningConfig(ctx context.Context, domain string) (mailops.DkimSigningConfig, error) {
	return inSim(w.s, func() (mailops.DkimSigningConfig, error) { return w.d.GetDkimSigningConfig(ctx, domain) })
}

func (w *simDriver) CreateDkimSigningConfig(ctx context.Context, domain string, enabled bool) error {
	return inSim0(w.s, func() error { return w.d.CreateDkimSigningConfig(ctx, domain, enabled) })
}

func (w *simDriver) SetDkimSigning(ctx context.Context, domain string, enabled bool) error {
	return inSim0(w.s, func() error { return w.d.SetDkimSigning(ctx, domain, enabled) })
}

func (w *simDriver) MessageTrace(ctx context.Context, q mailops.TraceQuery) ([]mailops.TraceEntry, error) {
	return inSim(w.s, func() ([]mailops.TraceEntry, error) { return w.d.MessageTrace(ctx, q) })
}

func (w *simDriver) DeleteRecipient(ctx context.Context, a mailops.Address) error {
	return inSim0(w.s, func() error { return w.d.DeleteRecipient(ctx, a) })
}

func (w *simDriver) CreateGroup(ctx context.Context, g mailops.Group) error {
	return inSim0(w.s, func() error { return w.d.CreateGroup(ctx, g) })
}

func (w *simDriver) GetGroup(ctx context.Context, a mailops.Address) (mailops.Group, error) {
	return inSim(w.s, func() (mailops.Group, error) { return w.d.GetGroup(ctx, a) })
}

func (w *simDriver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	return inSim(w.s, func() ([]mailops.Group, error) { return w.d.ListGroups(ctx) })
}

func (w *simDriver) SetGroupMembers(ctx context.Context, a mailops.Address, members []mailops.Address) error {
	return inSim0(w.s, func() error { return w.d.SetGroupMembers(ctx, a, members) })
}

func (w *simDriver) SetGroupSenderAuthentication(ctx context.Context, a mailops.Address, require bool) error {
	return inSim0(w.s, func() error { return w.d.SetGroupSenderAuthentication(ctx, a, require) })
}

func (w *simDriver) GrantSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return inSim0(w.s, func() error { return w.d.GrantSendAs(ctx, group, trustee) })
}

func (w *simDriver) RevokeSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return inSim0(w.s, func() error { return w.d.RevokeSendAs(ctx, group, trustee) })
}

func (w *simDriver) DeleteGroup(ctx context.Context, a mailops.Address) error {
	return inSim0(w.s, func() error { return w.d.DeleteGroup(ctx, a) })
}

func (w *simDriver) CreateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	return inSim0(w.s, func() error { return w.d.CreateOutboundConnector(ctx, c) })
}

func (w *simDriver) GetOutboundConnector(ctx context.Context, name string) (mailops.OutboundConnector, error) {
	return inSim(w.s, func() (mailops.OutboundConnector, error) { return w.d.GetOutboundConnector(ctx, name) })
}

func (w *simDriver) ListOutboundConnectors(ctx context.Context) ([]mailops.OutboundConnector, error) {
	return inSim(w.s, func() ([]mailops.OutboundConnector, error) { return w.d.ListOutboundConnectors(ctx) })
}

func (w *simDriver) UpdateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	return inSim0(w.s, func() error { return w.d.UpdateOutboundConnector(ctx, c) })
}

func (w *simDriver) DeleteOutboundConnector(ctx context.Context, name string) error {
	return inSim0(w.s, func() error { return w.d.DeleteOutboundConnector(ctx, name) })
}

func (w *simDriver) CreateInboundConnector(ctx context.Context, c mailops.InboundConnector) error {
	return inSim0(w.s, func() error { return w.d.CreateInboundConnector(ctx, c) })
}

func (w *simDriver) GetInboundConnector(ctx context.Context, name string) (mailops.InboundConnector, error) {
	return inSim(w.s, func() (mailops.InboundConnector, error) { return w.d.GetInboundConnector(ctx, name) })
}

func (w *simDriver) ListInboundConnectors(ctx context.Context) ([]mailops.InboundConnector, error) {
	return inSim(w.s, func() ([]mailops.InboundConnector, error) { return w.d.ListInboundConnectors(ctx) })
}

func (w *simDriver) DeleteInboundConnector(ctx context.Context, name string) error {
	return inSim0(w.s, func() error { return w.d.DeleteInboundConnector(ctx, name) })
}

func (w *simDriver) CreateRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	return inSim0(w.s, func() error { return w.d.CreateRemoteDomain(ctx, r) })
}

func (w *simDriver) GetRemoteDomain(ctx context.Context, name string) (mailops.RemoteDomain, error) {
	return inSim(w.s, func() (mailops.RemoteDomain, error) { return w.d.GetRemoteDomain(ctx, name) })
}

func (w *simDriver) ListRemoteDomains(ctx context.Context) ([]mailops.RemoteDomain, error) {
	return inSim(w.s, func() ([]mailops.RemoteDomain, error) { return w.d.ListRemoteDomains(ctx) })
}

func (w *simDriver) SetRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	return inSim0(w.s, func() error { return w.d.SetRemoteDomain(ctx, r) })
}

func (w *simDriver) DeleteRemoteDomain(ctx context.Context, name string) error {
	return inSim0(w.s, func() error { return w.d.DeleteRemoteDomain(ctx, name) })
}
