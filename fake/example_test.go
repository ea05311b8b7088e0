package fake_test

import (
	"context"
	"errors"
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
		_ = client.EnableEmail(ctx, "contoso.com")
		_ = client.AwaitAccepted(ctx, "contoso.com")
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

// Targeted faults: the 2nd CreateRecipient is throttled, the 3rd is applied
// but its reply is lost. Driver calls with no latency can be made straight
// from the test goroutine.
func ExampleTenant_InjectFault() {
	s := sim.New(1)
	defer s.Close()
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("contoso", fake.InstantTenantConfig())
	d := tenant.Driver("admin")
	ctx := context.Background()
	dom, _ := d.AddDomain(ctx, "contoso.com")
	cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	_, _ = d.VerifyDomain(ctx, "contoso.com")
	_ = d.EnableEmail(ctx, "contoso.com") // no propagation: accepted at once

	tenant.InjectFault(fake.Fault{Op: "CreateRecipient", Nth: 2, Kind: fake.FaultError,
		Err: &mailops.ThrottledError{Op: "CreateRecipient", RetryAfter: time.Minute}})
	tenant.InjectFault(fake.Fault{Op: "CreateRecipient", Nth: 3, Kind: fake.FaultReplyLost})
	for _, a := range []mailops.Address{"a@contoso.com", "b@contoso.com", "c@contoso.com"} {
		err := d.CreateRecipient(ctx, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()})
		_, getErr := d.GetRecipient(ctx, a)
		fmt.Printf("%s: throttled=%v unavailable=%v exists=%v\n", a,
			errors.Is(err, mailops.ErrThrottled), errors.Is(err, mailops.ErrUnavailable), getErr == nil)
	}
	// Output:
	// a@contoso.com: throttled=false unavailable=false exists=true
	// b@contoso.com: throttled=true unavailable=false exists=false
	// c@contoso.com: throttled=false unavailable=true exists=true
}

// A domain held by an unmanaged (self-service) tenant: it can be added but
// not verified until it is released (and then only an hour later), or it
// can be taken over at once (Entra's external admin takeover), which brings
// the unmanaged tenant's users on the domain along.
func ExampleCloud_HoldUnmanaged() {
	s := sim.New(1)
	defer s.Close()
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	d := cloud.NewTenant("contoso", fake.InstantTenantConfig()).Driver("admin")
	ctx := context.Background()

	cloud.HoldUnmanaged("deptb.example.org")
	dom, err := d.AddDomain(ctx, "deptb.example.org")
	fmt.Println("added while held:", err == nil)
	cloud.PublishProof("deptb.example.org", dom.VerificationRecords[0].Value)
	_, err = d.VerifyDomain(ctx, "deptb.example.org")
	fmt.Println("verify while held:", errors.Is(err, mailops.ErrDomainTaken))

	cloud.ReleaseUnmanaged("deptb.example.org")
	_, err = d.VerifyDomain(ctx, "deptb.example.org")
	fmt.Println("just released:", errors.Is(err, mailops.ErrDomainTaken))

	_ = s.RunFor(time.Hour)
	dom, err = d.VerifyDomain(ctx, "deptb.example.org")
	fmt.Println("an hour later:", err == nil && dom.Verified)

	cloud.HoldUnmanaged("deptc.example.org", mailops.Recipient{Address: "sato@deptc.example.org", Kind: mailops.Mailbox, DisplayName: "Sato"})
	dom, _ = d.AddDomain(ctx, "deptc.example.org")
	cloud.PublishProof("deptc.example.org", dom.VerificationRecords[0].Value)
	dom, err = d.TakeOverDomain(ctx, "deptc.example.org")
	_, uerr := d.GetRecipient(ctx, "sato@deptc.example.org")
	fmt.Println("taken over:", err == nil && dom.Verified, "user moved:", uerr == nil)
	// Output:
	// added while held: true
	// verify while held: true
	// just released: true
	// an hour later: true
	// taken over: true user moved: true
}

// Mail flow sees a change only after its propagation delay; MailViewAt asks
// about another instant.
func ExampleTenant_MailView() {
	s := sim.New(1)
	defer s.Close()
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Domain = fake.Fixed(3 * time.Minute)
	cfg.Propagation.AcceptedDomain = fake.Fixed(3 * time.Minute)
	tenant := cloud.NewTenant("contoso", cfg)
	d := tenant.Driver("admin")
	ctx := context.Background()
	dom, _ := d.AddDomain(ctx, "contoso.com")
	cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	_, _ = d.VerifyDomain(ctx, "contoso.com")
	_ = d.EnableEmail(ctx, "contoso.com")

	_, ok := tenant.MailView().AcceptedDomain("contoso.com")
	fmt.Println("accepted now:", ok)
	_, ok = tenant.MailViewAt(s.Now().Add(3 * time.Minute)).AcceptedDomain("contoso.com")
	fmt.Println("accepted in 3 minutes:", ok)
	// Output:
	// accepted now: false
	// accepted in 3 minutes: true
}
