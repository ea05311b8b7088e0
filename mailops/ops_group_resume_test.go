package mailops_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// TestCreateGroupFinishesAnInterruptedCreate: a group left part-made by a
// create killed after its first call (no SendAs yet) is finished by
// CreateGroup, not taken for a conflict; a group that differs in what the
// first call sets still is one.
func TestCreateGroupFinishesAnInterruptedCreate(t *testing.T) {
	s := sim.New(1)
	t.Cleanup(func() { s.Close() })
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	d := cloud.NewTenant("contoso", fake.InstantTenantConfig()).Driver("admin")
	ctx := context.Background()
	const dom = "contoso.example"
	got, err := d.AddDomain(ctx, dom)
	require.NoError(t, err)
	cloud.PublishProof(dom, got.VerificationRecords[0].Value)
	_, err = d.VerifyDomain(ctx, dom)
	require.NoError(t, err)
	require.NoError(t, d.EnableEmail(ctx, dom))
	for _, a := range []mailops.Address{"a@contoso.example", "b@contoso.example", "it@contoso.example"} {
		require.NoError(t, d.CreateRecipient(ctx, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}))
	}
	want := mailops.Group{PrimaryAddress: "sales@contoso.example", Name: "Sales", Members: []mailops.Address{"a@contoso.example", "b@contoso.example"},
		Owners: []mailops.Address{"it@contoso.example"}, SendAs: []mailops.Address{"a@contoso.example", "b@contoso.example"}}
	partial := want
	partial.SendAs = nil
	require.NoError(t, d.CreateGroup(ctx, partial))

	op := mailops.CreateGroup{Group: want}
	st, err := op.Check(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, mailops.Ready, st)
	require.NoError(t, op.Apply(ctx, d))
	st, err = op.Check(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, mailops.Done, st)

	other := want
	other.PrimaryAddress, other.Name = "hr@contoso.example", "HR"
	require.NoError(t, d.CreateGroup(ctx, mailops.Group{PrimaryAddress: other.PrimaryAddress, Name: "HR", Members: other.Members, Owners: []mailops.Address{"b@contoso.example"}}))
	_, err = mailops.CreateGroup{Group: other}.Check(ctx, d)
	assert.ErrorIs(t, err, mailops.ErrConflict)
}
