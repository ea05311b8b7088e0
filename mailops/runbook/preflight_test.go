package runbook_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/runbook"
)

// preflightWorld is an instant fake tenant with the university's parent
// domain and its people, and a second tenant.
func preflightWorld(t *testing.T) (*fake.Cloud, *fake.Tenant, *fake.Tenant, mailops.Driver) {
	t.Helper()
	s := sim.New(1)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	uni := cloud.NewTenant("uni", fake.InstantTenantConfig())
	other := cloud.NewTenant("other", fake.InstantTenantConfig())
	d := uni.Driver("admin")
	ctx := context.Background()
	dom, err := d.AddDomain(ctx, "example.ac.jp")
	require.NoError(t, err)
	cloud.PublishProof("example.ac.jp", dom.VerificationRecords[0].Value)
	_, err = d.VerifyDomain(ctx, "example.ac.jp")
	require.NoError(t, err)
	require.NoError(t, d.EnableEmail(ctx, "example.ac.jp"))
	for _, p := range []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp", "it@example.ac.jp"} {
		require.NoError(t, d.CreateRecipient(ctx, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: p.Local()}))
	}
	return cloud, uni, other, d
}

func deptSpec() runbook.ConsolidationSpec {
	return runbook.ConsolidationSpec{
		Domain: "depta.example.org", LegacyMX: "mx.depta.example.org",
		AdminGroup: mailops.Group{PrimaryAddress: "depta-admins@example.ac.jp", Name: "DeptA admins",
			Members: []mailops.Address{"alice@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"}},
		Addresses: []runbook.AddressSpec{
			{Address: "office@depta.example.org", Targets: []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp"}},
			{Address: "lab@depta.example.org", Targets: []mailops.Address{"carol@example.ac.jp"}},
		},
	}
}

func findingIDs(pf *runbook.Preflight) []string {
	var ids []string
	for _, f := range pf.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// A target with no mailbox or contact used to stop the consolidation at the
// groups step, after the MX had moved; the preflight now refuses the plan
// before anything changes.
func TestPreflightRefusesAMissingTarget(t *testing.T) {
	_, uni, _, d := preflightWorld(t)
	pf, err := runbook.RunPreflight(context.Background(), d, deptSpec(), uni)
	require.NoError(t, err)
	assert.Contains(t, findingIDs(pf), "target.missing")
	_, err = runbook.ConsolidationPlan(deptSpec(), pf, d)
	assert.ErrorIs(t, err, runbook.ErrPreflight)

	require.NoError(t, d.CreateRecipient(context.Background(), mailops.Recipient{Address: "carol@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "carol"}))
	pf, err = runbook.RunPreflight(context.Background(), d, deptSpec(), uni)
	require.NoError(t, err)
	assert.NotContains(t, findingIDs(pf), "target.missing")
	_, err = runbook.ConsolidationPlan(deptSpec(), pf, d)
	assert.NoError(t, err)
}

// A domain another tenant released less than the release delay ago used to
// pass the preflight; the admin group was made, then AddDomain failed.
func TestPreflightWaitsForARecentRelease(t *testing.T) {
	cloud, uni, other, d := preflightWorld(t)
	ctx := context.Background()
	require.NoError(t, d.CreateRecipient(ctx, mailops.Recipient{Address: "carol@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "carol"}))
	od := other.Driver("other")
	dom, err := od.AddDomain(ctx, "depta.example.org")
	require.NoError(t, err)
	cloud.PublishProof("depta.example.org", dom.VerificationRecords[0].Value)
	_, err = od.VerifyDomain(ctx, "depta.example.org")
	require.NoError(t, err)
	held, _, err := uni.DomainHold(ctx, "depta.example.org")
	require.NoError(t, err)
	assert.Equal(t, "managed", held)
	require.NoError(t, od.RemoveDomain(ctx, "depta.example.org"))

	spec := deptSpec()
	pf, err := runbook.RunPreflight(ctx, d, spec, uni)
	require.NoError(t, err)
	assert.Contains(t, findingIDs(pf), "domain.release-pending", "released a moment ago: verifiable only after the release delay")
	_, err = runbook.ConsolidationPlan(spec, pf, d)
	assert.ErrorIs(t, err, runbook.ErrDomainHeld, "no plan, so no admin group made before AddDomain would fail")
}

// An unmanaged tenant holds the domain: the preflight stops the plan unless
// the spec asks for external takeover, and then the plan takes it over
// instead of verifying.
func TestPreflightOffersTakeover(t *testing.T) {
	cloud, uni, _, d := preflightWorld(t)
	ctx := context.Background()
	require.NoError(t, d.CreateRecipient(ctx, mailops.Recipient{Address: "carol@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "carol"}))
	cloud.HoldUnmanaged("depta.example.org")
	spec := deptSpec()
	pf, err := runbook.RunPreflight(ctx, d, spec, uni)
	require.NoError(t, err)
	assert.Contains(t, findingIDs(pf), "domain.held-elsewhere")
	_, err = runbook.ConsolidationPlan(spec, pf, d)
	assert.ErrorIs(t, err, runbook.ErrDomainHeld)

	spec.TakeOver = true
	pf, err = runbook.RunPreflight(ctx, d, spec, uni)
	require.NoError(t, err)
	assert.Contains(t, findingIDs(pf), "domain.takeover")
	p, err := runbook.ConsolidationPlan(spec, pf, d)
	require.NoError(t, err)
	assert.Contains(t, p.PowerShell(), "Confirm-MgDomain -DomainId 'depta.example.org' -BodyParameter @{ forceTakeover = $true }")
	assert.Equal(t, "add-domain", p.Steps[0].ID, "the domain is ours before anything else changes")
}

// The cutover's rollback restores the remote domain as it was read, not a
// guess.
func TestCutoverRollbackRestoresWhatWasRead(t *testing.T) {
	_, _, _, d := preflightWorld(t)
	ctx := context.Background()
	before := mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*", UseSimpleDisplayName: true, AutoForwardEnabled: mailops.BoolPtr(false)}
	require.NoError(t, d.SetRemoteDomain(ctx, before))
	spec := runbook.CutoverSpec{Domain: "maker.example.co.jp", LegacyMX: "mail.maker.example.co.jp", Admin: "it@maker.example.co.jp",
		Users: []runbook.UserSpec{{Address: "it@maker.example.co.jp", DisplayName: "IT"}}}
	require.NoError(t, runbook.ObserveCutover(ctx, d, &spec))
	p, err := runbook.CutoverPlan(spec, d)
	require.NoError(t, err)
	var rollback []mailops.Action
	for _, s := range p.Steps {
		if s.ID == "simple-display-names" {
			rollback = s.Rollback
		}
	}
	require.Len(t, rollback, 1)
	got := rollback[0].Op.(mailops.SetRemoteDomain).RemoteDomain
	assert.Equal(t, before, got)
	assert.Contains(t, rollback[0].Op.PowerShell()[0], "-AutoForwardEnabled $false", "the value read before the change")
}

// A loop through ForwardingAddress (what the classic admin center sets, and
// what wins over ForwardingSmtpAddress) is found and fixed like one through
// ForwardingSmtpAddress; the fix clears both fields.
func TestPreflightFindsLoopsThroughEitherForwardingField(t *testing.T) {
	_, uni, _, d := preflightWorld(t)
	ctx := context.Background()
	require.NoError(t, d.CreateRecipient(ctx, mailops.Recipient{Address: "carol@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "carol"}))
	// bob forwards (ForwardingAddress) to alice; alice's ignored
	// ForwardingSmtpAddress names the departmental address.
	require.NoError(t, d.SetForwarding(ctx, "bob@example.ac.jp", mailops.Forwarding{Address: "alice@example.ac.jp"}))
	require.NoError(t, d.SetForwarding(ctx, "alice@example.ac.jp", mailops.Forwarding{Address: "it@example.ac.jp", SmtpAddress: "office@depta.example.org"}))
	pf, err := runbook.RunPreflight(ctx, d, deptSpec(), uni)
	require.NoError(t, err)
	require.Contains(t, findingIDs(pf), "forwarding.loop", "an ignored ForwardingSmtpAddress comes back to life when ForwardingAddress is cleared")
	fixes := pf.LoopFixes["office@depta.example.org"]
	require.Len(t, fixes, 1)
	fix := fixes[0].(mailops.SetForwarding)
	assert.Equal(t, mailops.Address("alice@example.ac.jp"), fix.Address)
	assert.True(t, fix.Forwarding.IsZero(), "the fix clears both fields")
	assert.Contains(t, fix.PowerShell()[0], "-ForwardingAddress $null -ForwardingSmtpAddress $null")
}
