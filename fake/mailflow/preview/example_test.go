package preview_test

import (
	"context"
	"fmt"

	"github.com/mailops-dev/mailops/fake/mailflow/preview"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// A department admin asks to delete an address that still receives mail:
// the preview predicts the bounces before IT approves.
func ExampleSimulator_Preview() {
	cfg := delegate.Config{
		Domains:  []delegate.DomainConfig{{Name: "dept.example.ac.jp", AdminGroup: "admins@dept.example.ac.jp"}},
		Internal: []string{"dept.example.ac.jp", "example.ac.jp"},
	}
	rep := delegate.Replica{
		Recipients: []mailops.Recipient{{Address: "sato@example.ac.jp", Kind: mailops.Mailbox, DisplayName: "Sato"}},
		Groups: []mailops.Group{
			{PrimaryAddress: "admins@dept.example.ac.jp", Name: "admins", Type: mailops.Security, Members: []mailops.Address{"sato@example.ac.jp"}},
			{PrimaryAddress: "office@dept.example.ac.jp", Name: "office", Members: []mailops.Address{"sato@example.ac.jp"}},
		},
	}
	r := delegate.Request{ID: "example", Kind: delegate.DeleteAddress, Domain: "dept.example.ac.jp", Local: "office"}
	plan, err := cfg.Plan(r)
	if err != nil {
		panic(err)
	}
	pv, err := preview.Simulator{}.Preview(context.Background(), delegate.PreviewInput{Request: r, Plan: plan, Replica: rep, Config: cfg})
	if err != nil {
		panic(err)
	}
	fmt.Println("no loss:", pv.NoLoss)
	for _, l := range pv.Losses {
		fmt.Println(l.Address, l.Class, l.Reason)
	}
	// Output:
	// no loss: false
	// office@dept.example.ac.jp bounced 550 5.4.1 Recipient address rejected: Access denied at exo
}
