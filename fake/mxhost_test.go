package fake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
)

// Domains added before CloudConfig.MXMicrosoftSince get the legacy
// <token>.mail.protection.outlook.com MX host; from that instant on,
// <token>.<region>-v1.mx.microsoft (MC1048624). The host is read from the
// domain's service records, as a runbook must.
func TestMXHostFormByWhenTheDomainWasAdded(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	require.True(t, sim.Epoch().Before(fake.MXMicrosoftDate), "the simulation starts before the change")
	old, err := w.d.AddDomain(bg, "old-dept.example.ac.jp")
	require.NoError(t, err)
	host, ok := old.ServiceMX()
	require.True(t, ok)
	assert.Equal(t, "old-dept-example-ac-jp.mail.protection.outlook.com", host)

	require.NoError(t, w.s.RunUntil(fake.MXMicrosoftDate.Add(-time.Second)))
	before, err := w.d.AddDomain(bg, "before.example.org")
	require.NoError(t, err)
	host, _ = before.ServiceMX()
	assert.Equal(t, "before-example-org.mail.protection.outlook.com", host, "a second before the date")

	require.NoError(t, w.s.RunUntil(fake.MXMicrosoftDate))
	dom, err := w.d.AddDomain(bg, "new-dept.example.ac.jp")
	require.NoError(t, err)
	host, ok = dom.ServiceMX()
	require.True(t, ok)
	region := string(w.t.MXRegion())
	assert.Equal(t, "new-dept-example-ac-jp."+region+"-v1.mx.microsoft", host, "added at the date")
	assert.Equal(t, fake.MXHost("new-dept.example.ac.jp", true, w.t.MXRegion()), host)

	again, err := w.d.GetDomain(bg, "old-dept.example.ac.jp")
	require.NoError(t, err)
	host, _ = again.ServiceMX()
	assert.Equal(t, "old-dept-example-ac-jp.mail.protection.outlook.com", host, "an older domain keeps its host")
}

// The region letter is the tenant's: stable for a name, a lower-case letter.
func TestMXRegionIsStablePerTenant(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	r := w.t.MXRegion()
	assert.GreaterOrEqual(t, r, byte('a'))
	assert.LessOrEqual(t, r, byte('z'))
	s := sim.New(99)
	t.Cleanup(s.Close)
	other := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig()).NewTenant("contoso", fake.InstantTenantConfig())
	assert.Equal(t, r, other.MXRegion(), "same tenant name, same region, whatever the seed")
}

// The zero MXMicrosoftSince gives every domain the new form.
func TestMXMicrosoftSinceZeroIsAlwaysNew(t *testing.T) {
	s := sim.New(1)
	t.Cleanup(s.Close)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.CloudConfig{})
	tn := cloud.NewTenant("contoso", fake.InstantTenantConfig())
	dom, err := tn.Driver("admin").AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	host, _ := dom.ServiceMX()
	assert.Equal(t, "contoso-com."+string(tn.MXRegion())+"-v1.mx.microsoft", host)
}
