package fake_test

import (
	"fmt"
	"testing"

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
}
