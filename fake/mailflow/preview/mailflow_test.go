package preview

import (
	"context"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// TenantMailFlow sees a group only once it has propagated.
func TestTenantMailFlowLags(t *testing.T) {
	s := sim.New(1)
	defer s.Close()
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.TenantConfig{}
	cfg.Propagation.Group = fake.Fixed(20 * time.Minute)
	tenant := cloud.NewTenant("t", cfg)
	d := tenant.Driver("admin")
	mf := TenantMailFlow{tenant}
	ctx := context.Background()
	var before, after bool
	var err error
	s.Go(func() {
		dom, e := d.AddDomain(ctx, "example.jp")
		if e != nil {
			err = e
			return
		}
		cloud.PublishProof("example.jp", dom.VerificationRecords[0].Value)
		if _, err = d.VerifyDomain(ctx, "example.jp"); err != nil {
			return
		}
		if err = d.EnableEmail(ctx, "example.jp"); err != nil {
			return
		}
		if err = d.CreateRecipient(ctx, mailops.Recipient{Address: "a@example.jp", Kind: mailops.Mailbox, DisplayName: "a"}); err != nil {
			return
		}
		if err = s.Sleep(ctx, time.Hour); err != nil {
			return
		}
		if err = d.CreateGroup(ctx, mailops.Group{PrimaryAddress: "g@example.jp", Name: "g", Members: []mailops.Address{"a@example.jp"}, Owners: []mailops.Address{"a@example.jp"}}); err != nil {
			return
		}
		_, before, _ = mf.MailGroup(ctx, "g@example.jp")
		_ = s.Sleep(ctx, 21*time.Minute)
		_, after, _ = mf.MailGroup(ctx, "g@example.jp")
	})
	if rerr := s.Run(); rerr != nil || err != nil {
		t.Fatal(rerr, err)
	}
	if before || !after {
		t.Fatalf("mail flow saw the group before propagation: %v, after: %v", before, after)
	}
}
