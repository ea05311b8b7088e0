package fake_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

func ExampleNewCloud() {
	s := sim.New(1)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.DefaultTenantConfig()
	cfg.Propagation.Group = fake.Fixed(30 * time.Minute)
	tenant := cloud.NewTenant("contoso", cfg)
	client := mailops.NewClient(tenant.Driver("admin@contoso.onmicrosoft.com"), mailops.Options{Clock: s})

	s.Go(func() {
		ctx := context.Background()
		dom, _ := client.AddDomain(ctx, "contoso.com")
		cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
		_, _ = client.VerifyDomain(ctx, "contoso.com")
		_ = client.CreateRecipient(ctx, mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "Alice"})
		err := client.CreateGroup(ctx, mailops.Group{PrimaryAddress: "sales@contoso.com", Name: "Sales",
			Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}})
		fmt.Println("created:", err == nil)
		_, seen := tenant.MailView().Group("sales@contoso.com")
		fmt.Println("mail flow sees it at once:", seen)
		_ = s.Sleep(ctx, 30*time.Minute)
		_, seen = tenant.MailView().Group("sales@contoso.com")
		fmt.Println("after 30 minutes:", seen)
	})
	if err := s.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// created: true
	// mail flow sees it at once: false
	// after 30 minutes: true
}
