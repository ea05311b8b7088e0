package fake_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// DKIM selector CNAME targets take the form the service gives at the time:
// ….onmicrosoft.com before CloudConfig.MXMicrosoftSince, ….<x>-v1.dkim.mail.microsoft
// after (email-authentication-dkim-configure).
func TestDkimCNAMETargetForms(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "old.example.org")
	require.NoError(t, w.d.CreateDkimSigningConfig(bg, "old.example.org", false))
	c, err := w.d.GetDkimSigningConfig(bg, "old.example.org")
	require.NoError(t, err)
	assert.Equal(t, mailops.DkimSigningConfig{Domain: "old.example.org",
		Selector1CNAME: "selector1-old-example-org._domainkey.contoso.onmicrosoft.com",
		Selector2CNAME: "selector2-old-example-org._domainkey.contoso.onmicrosoft.com"}, c)

	require.NoError(t, w.s.RunUntil(fake.MXMicrosoftDate))
	w.verified(t, "new.example.org")
	require.NoError(t, w.d.CreateDkimSigningConfig(bg, "new.example.org", false))
	c, err = w.d.GetDkimSigningConfig(bg, "new.example.org")
	require.NoError(t, err)
	region := string(w.t.MXRegion())
	assert.Equal(t, "selector1-new-example-org._domainkey.contoso."+region+"-v1.dkim.mail.microsoft", c.Selector1CNAME)
	assert.Equal(t, "selector2-new-example-org._domainkey.contoso."+region+"-v1.dkim.mail.microsoft", c.Selector2CNAME)
	assert.False(t, c.Enabled)
}

// cnameDNS is a ProofChecker that is also a fake.CNAMEChecker.
type cnameDNS struct {
	mu     sync.Mutex
	txt    map[string]string // domain → token
	cnames map[string]string // name → target
	err    error             // answered by HasCNAME when set
	asked  int
}

func newCNAMEDNS() *cnameDNS {
	return &cnameDNS{txt: map[string]string{}, cnames: map[string]string{}}
}

func (d *cnameDNS) HasProof(_ context.Context, domain, token string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.txt[domain] == token, nil
}

func (d *cnameDNS) HasCNAME(_ context.Context, name, target string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.asked++
	if d.err != nil {
		return false, d.err
	}
	return d.cnames[name] == target, nil
}

func (d *cnameDNS) publish(name, target string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cnames[name] = target
}

// With a CNAMEChecker, enabling signing (at creation or later) needs both
// selector CNAMEs published with the targets the configuration names.
func TestDkimEnableChecksCNAMEs(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	dns := newCNAMEDNS()
	w.cloud.SetProofChecker(dns)
	dom, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	dns.txt["contoso.com"] = dom.VerificationRecords[0].Value
	_, err = w.d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err, "the checker answers the ownership proof")
	w.enableEmail(t, "contoso.com")

	err = w.d.CreateDkimSigningConfig(bg, "contoso.com", true)
	require.ErrorIs(t, err, mailops.ErrNotVerified, "creating enabled needs the CNAMEs")
	assert.Contains(t, err.Error(), "selector1._domainkey.contoso.com")
	_, err = w.d.GetDkimSigningConfig(bg, "contoso.com")
	require.ErrorIs(t, err, mailops.ErrNotFound, "the refused create made nothing")

	require.NoError(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", false), "creating disabled does not")
	c, err := w.d.GetDkimSigningConfig(bg, "contoso.com")
	require.NoError(t, err)
	require.ErrorIs(t, w.d.SetDkimSigning(bg, "contoso.com", true), mailops.ErrNotVerified)

	dns.publish("selector1._domainkey.contoso.com", c.Selector1CNAME)
	dns.publish("selector2._domainkey.contoso.com", "somewhere.else.example")
	err = w.d.SetDkimSigning(bg, "contoso.com", true)
	require.ErrorIs(t, err, mailops.ErrNotVerified, "a CNAME with another target does not count")
	assert.Contains(t, err.Error(), "selector2._domainkey.contoso.com")
	c, err = w.d.GetDkimSigningConfig(bg, "contoso.com")
	require.NoError(t, err)
	assert.False(t, c.Enabled)

	dns.publish("selector2._domainkey.contoso.com", c.Selector2CNAME)
	require.NoError(t, w.d.SetDkimSigning(bg, "contoso.com", true))
	c, err = w.d.GetDkimSigningConfig(bg, "contoso.com")
	require.NoError(t, err)
	assert.True(t, c.Enabled)

	asked := dns.asked
	require.NoError(t, w.d.SetDkimSigning(bg, "contoso.com", false), "disabling checks nothing")
	require.NoError(t, w.d.SetDkimSigning(bg, "contoso.com", false))
	assert.Equal(t, asked, dns.asked)
}

// A failing DNS check is ErrUnavailable (retryable), not ErrNotVerified.
func TestDkimCNAMECheckFailureIsUnavailable(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	dns := newCNAMEDNS()
	w.cloud.SetProofChecker(dns)
	dom, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	dns.txt["contoso.com"] = dom.VerificationRecords[0].Value
	_, err = w.d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	w.enableEmail(t, "contoso.com")
	require.NoError(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", false))
	dns.err = errors.New("SERVFAIL")
	err = w.d.SetDkimSigning(bg, "contoso.com", true)
	require.ErrorIs(t, err, mailops.ErrUnavailable)
	assert.NotErrorIs(t, err, mailops.ErrNotVerified)
}

// Without a CNAMEChecker (the in-memory proofs) the fake does not check.
func TestDkimWithoutCNAMECheckerEnablesAtOnce(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	require.NoError(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", true))
	c, err := w.d.GetDkimSigningConfig(bg, "contoso.com")
	require.NoError(t, err)
	assert.True(t, c.Enabled)
}

// New-DkimSigningConfig takes an accepted domain: not one that is only
// verified, nor one whose Email service Exchange has not picked up yet.
func TestDkimNeedsAnAcceptedDomain(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.AcceptedDomain = fake.Fixed(time.Minute)
	w := newWorld(t, cfg)
	w.addVerified(t, "contoso.com")
	require.ErrorIs(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", false), mailops.ErrNotFound, "verified, Email not enabled")
	require.NoError(t, w.d.EnableEmail(bg, "contoso.com"))
	require.ErrorIs(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", false), mailops.ErrNotFound, "Email enabled, not yet accepted")
	require.NoError(t, w.s.RunFor(time.Minute))
	require.NoError(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", false))
	require.ErrorIs(t, w.d.CreateDkimSigningConfig(bg, "contoso.com", false), mailops.ErrExists)
}
