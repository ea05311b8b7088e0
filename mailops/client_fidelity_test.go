package mailops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// laggyTenant is a fake tenant whose admin reads always show the state of a
// minute ago, with the university's people on example.ac.jp.
func laggyTenant(t *testing.T) (*sim.Scheduler, *fake.Cloud, *fake.Tenant) {
	t.Helper()
	s := sim.New(3)
	t.Cleanup(s.Close)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.InstantTenantConfig()
	cfg.AdminLag = fake.AdminLag{Probability: 1, Lag: fake.Fixed(time.Minute)}
	tn := cloud.NewTenant("uni", cfg)
	return s, cloud, tn
}

func inSim(t *testing.T, s *sim.Scheduler, fn func(ctx context.Context)) {
	t.Helper()
	s.GoNamed("test", func() { fn(context.Background()) })
	require.NoError(t, s.Run())
}

// Right after a verification, reads that lag showed the domain unverified and
// the external-member policy refused internal members as external. The
// Client now reads its own verifications.
func TestExternalPolicyReadsItsOwnVerification(t *testing.T) {
	s, cloud, tn := laggyTenant(t)
	c := mailops.NewClient(tn.Driver("admin"), mailops.Options{Clock: s})
	inSim(t, s, func(ctx context.Context) {
		_ = s.Sleep(ctx, 2*time.Hour) // the lag window lies after the epoch
		dom, err := c.AddDomain(ctx, "depta.example.ac.jp")
		require.NoError(t, err)
		cloud.PublishProof("depta.example.ac.jp", dom.VerificationRecords[0].Value)
		_, err = c.VerifyDomain(ctx, "depta.example.ac.jp")
		require.NoError(t, err)
		require.NoError(t, c.EnableEmail(ctx, "depta.example.ac.jp"))
		require.NoError(t, c.CreateRecipient(ctx, mailops.Recipient{Address: "alice@depta.example.ac.jp", Kind: mailops.Mailbox, DisplayName: "Alice"}))
		require.NoError(t, c.CreateRecipient(ctx, mailops.Recipient{Address: "it@depta.example.ac.jp", Kind: mailops.Mailbox, DisplayName: "IT"}))

		got, err := c.GetDomain(ctx, "depta.example.ac.jp")
		require.ErrorIs(t, err, mailops.ErrNotFound, "reads still lag a minute behind: got %+v", got)

		err = c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "office@depta.example.ac.jp", Name: "office",
			Members: []mailops.Address{"alice@depta.example.ac.jp"}, Owners: []mailops.Address{"it@depta.example.ac.jp"}})
		assert.NoError(t, err, "a member in a domain this Client just verified is internal")
	})
}

// A distribution group cannot own a group, and a mail contact cannot be a
// SendAs trustee: the Client refuses both before any write, naming the
// field.
func TestClientRefusesOwnersThatAreNotSecurityPrincipals(t *testing.T) {
	s := sim.New(4)
	t.Cleanup(s.Close)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	tn := cloud.NewTenant("uni", fake.InstantTenantConfig())
	c := mailops.NewClient(tn.Driver("admin"), mailops.Options{Clock: s, AllowExternalMembers: true})
	inSim(t, s, func(ctx context.Context) {
		dom, err := c.AddDomain(ctx, "example.ac.jp")
		require.NoError(t, err)
		cloud.PublishProof("example.ac.jp", dom.VerificationRecords[0].Value)
		_, err = c.VerifyDomain(ctx, "example.ac.jp")
		require.NoError(t, err)
		require.NoError(t, c.EnableEmail(ctx, "example.ac.jp"))
		require.NoError(t, c.CreateRecipient(ctx, mailops.Recipient{Address: "it@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "IT"}))
		require.NoError(t, c.CreateRecipient(ctx, mailops.Recipient{Address: "friend@gmail.example", Kind: mailops.MailContact, DisplayName: "Friend"}))
		require.NoError(t, c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "dl@example.ac.jp", Name: "dl",
			Members: []mailops.Address{"it@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"}}))
		require.NoError(t, c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "admins@example.ac.jp", Name: "admins", Type: mailops.Security,
			Members: []mailops.Address{"it@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"}}))

		before := len(tn.CallLog())
		err = c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "a@example.ac.jp", Name: "a",
			Members: []mailops.Address{"it@example.ac.jp"}, Owners: []mailops.Address{"dl@example.ac.jp"}})
		var ve *mailops.ValidationError
		require.True(t, errors.As(err, &ve), "%v", err)
		assert.Equal(t, "Group.Owners[0]", ve.Field)
		for _, call := range tn.CallLog()[before:] {
			assert.NotEqual(t, "CreateGroup", call.Op, "refused before any write")
		}
		err = c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "b@example.ac.jp", Name: "b",
			Members: []mailops.Address{"friend@gmail.example"}, Owners: []mailops.Address{"admins@example.ac.jp"},
			SendAs: []mailops.Address{"friend@gmail.example"}})
		require.True(t, errors.As(err, &ve), "%v", err)
		assert.Equal(t, "Group.SendAs[0]", ve.Field)
		assert.NoError(t, c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "c@example.ac.jp", Name: "c",
			Members: []mailops.Address{"friend@gmail.example"}, Owners: []mailops.Address{"admins@example.ac.jp"}}),
			"a security group owns, and a contact is a member")
	})
}

// A refusal with a Retry-After says when to come back: it does not use up an
// attempt, so calls competing for a slow budget are not starved into giving
// up; throttling without end is still bounded (8 x MaxAttempts refusals).
func TestThrottlingDoesNotUseUpAttempts(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{Retry: mailops.RetryOptions{MaxAttempts: 3}})
	for range 10 {
		d.script("SetGroupSenderAuthentication", fault{Err: throttled(time.Second)})
	}
	d.putGroup(salesGroup())
	require.NoError(t, c.SetGroupSenderAuthentication(context.Background(), sales, true), "ten 429s, then success, with three attempts")
	assert.Equal(t, 11, d.count("SetGroupSenderAuthentication"))

	for range 100 {
		d.script("SetGroupSenderAuthentication", fault{Err: throttled(time.Second)})
	}
	err := c.SetGroupSenderAuthentication(context.Background(), sales, false)
	require.ErrorIs(t, err, mailops.ErrThrottled)
	assert.Equal(t, 11+24+3, d.count("SetGroupSenderAuthentication"), "24 refusals waited through, then three more attempts")
}
