package fake_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// BenchmarkTenantOps measures driver calls on the fake tenant with no
// latency: one write and four reads per iteration.
func BenchmarkTenantOps(b *testing.B) {
	w := newWorld(b, fake.InstantTenantConfig())
	w.verifiedB(b, "contoso.com")
	if err := w.d.CreateRecipient(bg, mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "Alice"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := mailops.Address(fmt.Sprintf("g%d@contoso.com", i))
		if err := w.d.CreateGroup(bg, mailops.Group{PrimaryAddress: a, Name: string(a), Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}}); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 4; j++ {
			if _, err := w.d.GetGroup(bg, a); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(5*b.N)/b.Elapsed().Seconds(), "ops/s")
}

func (w *world) verifiedB(b *testing.B, name string) {
	dom, err := w.d.AddDomain(bg, name)
	if err != nil {
		b.Fatal(err)
	}
	w.cloud.PublishProof(name, dom.VerificationRecords[0].Value)
	if _, err := w.d.VerifyDomain(bg, name); err != nil {
		b.Fatal(err)
	}
	// Recipients need an accepted domain: enable Email and let it become
	// one (virtual time).
	if err := w.d.EnableEmail(bg, name); err != nil {
		b.Fatal(err)
	}
	for i := 0; ; i++ {
		if got, err := w.d.GetDomain(bg, name); err == nil && got.Accepted() {
			return
		}
		if i == 120 {
			b.Fatalf("domain %s is not an accepted domain two hours after EnableEmail", name)
		}
		if err := w.s.RunFor(time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTenantGroupLifecycle measures a group's whole life on the fake
// tenant with no latency: create, replace members, grant SendAs, delete (the
// deletion updates the groups that referred to it). The tenant keeps every
// version, so this also shows that calls do not slow down as deleted
// objects accumulate.
func BenchmarkTenantGroupLifecycle(b *testing.B) {
	w := newWorld(b, fake.InstantTenantConfig())
	w.verifiedB(b, "contoso.com")
	for _, a := range []mailops.Address{"alice@contoso.com", "bob@contoso.com"} {
		if err := w.d.CreateRecipient(bg, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}); err != nil {
			b.Fatal(err)
		}
	}
	parent := mailops.Group{PrimaryAddress: "all@contoso.com", Name: "All", Owners: []mailops.Address{"alice@contoso.com"}}
	if err := w.d.CreateGroup(bg, parent); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a := mailops.Address(fmt.Sprintf("g%d@contoso.com", i))
		g := mailops.Group{PrimaryAddress: a, Name: string(a), Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}}
		for _, err := range []error{
			w.d.CreateGroup(bg, g),
			w.d.SetGroupMembers(bg, a, []mailops.Address{"alice@contoso.com", "bob@contoso.com"}),
			w.d.GrantSendAs(bg, a, "bob@contoso.com"),
			w.d.SetGroupMembers(bg, parent.PrimaryAddress, []mailops.Address{a}),
			w.d.DeleteGroup(bg, a),
		} {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(5*b.N)/b.Elapsed().Seconds(), "ops/s")
}
