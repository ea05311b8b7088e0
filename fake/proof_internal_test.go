package fake

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// slowProofs is a ProofChecker that takes virtual time, like a DNS lookup,
// and records whether the tenant's lock was free while it ran.
type slowProofs struct {
	s       *sim.Scheduler
	tenant  *Tenant
	delay   time.Duration
	lockWas []bool
}

func (p *slowProofs) HasProof(ctx context.Context, _, _ string) (bool, error) {
	free := p.tenant.mu.TryLock()
	if free {
		p.tenant.mu.Unlock()
	}
	p.lockWas = append(p.lockWas, free)
	if err := p.s.Sleep(ctx, p.delay); err != nil {
		return false, err
	}
	return true, nil
}

func TestVerifyDomainChecksTheProofOutsideTheLock(t *testing.T) {
	s := sim.New(1)
	t.Cleanup(s.Close)
	cloud := NewCloud(s, s.Rand("cloud"), DefaultCloudConfig())
	tn := cloud.NewTenant("contoso", InstantTenantConfig())
	proofs := &slowProofs{s: s, tenant: tn, delay: 10 * time.Second}
	cloud.SetProofChecker(proofs)
	d := tn.Driver("admin")
	ctx := context.Background()
	_, err := d.AddDomain(ctx, "contoso.com")
	require.NoError(t, err)
	_, err = d.AddDomain(ctx, "fabrikam.com")
	require.NoError(t, err)

	var verifyErr, removeErr error
	var verifiedAt, listedAt time.Time
	s.Go(func() {
		_, verifyErr = d.VerifyDomain(ctx, "contoso.com")
		verifiedAt = s.Now()
	})
	s.Go(func() {
		assert.NoError(t, s.Sleep(ctx, time.Second))
		_, err := d.ListDomains(ctx)
		assert.NoError(t, err)
		listedAt = s.Now()
	})
	// A domain removed while its proof is being checked is not verified.
	s.Go(func() {
		_, err := d.VerifyDomain(ctx, "fabrikam.com")
		removeErr = err
	})
	s.Go(func() {
		assert.NoError(t, s.Sleep(ctx, 2*time.Second))
		assert.NoError(t, d.RemoveDomain(ctx, "fabrikam.com"))
	})
	require.NoError(t, s.Run())

	require.NoError(t, verifyErr)
	assert.Equal(t, []bool{true, true}, proofs.lockWas, "the proof checker runs without the tenant's lock")
	assert.Equal(t, sim.Epoch().Add(time.Second), listedAt, "other calls proceed while a proof is checked")
	assert.Equal(t, sim.Epoch().Add(10*time.Second), verifiedAt)
	assert.ErrorIs(t, removeErr, mailops.ErrNotFound, "the domain went away during the check")
	_, held := cloud.TenantForDomain("fabrikam.com")
	assert.False(t, held)
	owner, held := cloud.TenantForDomain("contoso.com")
	require.True(t, held)
	assert.Same(t, tn, owner)
}
