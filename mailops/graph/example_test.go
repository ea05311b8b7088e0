package graph_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph"
)

// ExampleNew builds the real-tenant driver from an app registration's client
// secret and wraps it in a mailops.Client, which bounds sessions and retries
// throttled calls. Building it makes no network call.
func ExampleNew() {
	cred, err := graph.NewCredential(graph.Credentials{
		TenantID:     "00000000-0000-0000-0000-000000000001",
		ClientID:     "11111111-1111-1111-1111-111111111111",
		ClientSecret: "from a secret store, never a constant",
	})
	if err != nil {
		log.Fatal(err)
	}
	d, err := graph.New(graph.Config{
		TenantID:      "00000000-0000-0000-0000-000000000001",
		Credential:    cred,
		AnchorMailbox: "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	client := mailops.NewClient(d, mailops.Options{})
	_ = client // client.AddDomain(ctx, "dept-a.example.ac.jp"), ...
}

// ExampleNew_fromEnv reads the MAILOPS_* variables of docs/real-tenant.md.
func ExampleNew_fromEnv() {
	cfg, err := graph.ConfigFromEnv()
	if err != nil {
		fmt.Println("not configured:", err)
		return
	}
	d, err := graph.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	doms, err := d.ListDomains(context.Background())
	fmt.Println(len(doms), err)
}
