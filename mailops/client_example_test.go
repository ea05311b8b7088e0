package mailops_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// The examples run over this package's small in-memory test driver on a
// virtual clock; with a real tenant the driver is mailops/graph's and the
// Clock is left to default to WallClock.

func ExampleNewClient() {
	clk := newStepClock() // a virtual clock: the examples never wait in real time
	d := newScriptDriver(clk)
	d.addVerified("depta.example.ac.jp")

	c := mailops.NewClient(d, mailops.Options{
		Clock:       clk,
		MaxSessions: 3,
		Retry:       mailops.RetryOptions{MaxAttempts: 8, Base: time.Second, Max: 2 * time.Minute},
	})
	ctx := context.Background()

	// The backend throttles the first call for 90 seconds: the Client waits
	// the Retry-After out and retries.
	d.script("GetDomain", fault{Err: &mailops.ThrottledError{Op: "GetDomain", RetryAfter: 90 * time.Second}})
	dom, err := c.GetDomain(ctx, "depta.example.ac.jp")
	fmt.Println(dom.Name, dom.Verified, err, clk.Now().Sub(epoch))

	// Invalid values never reach the backend.
	err = c.SetSimpleDisplayName(ctx, mailops.MustParseAddress("alice@depta.example.ac.jp"), "営業部 Alice")
	var ve *mailops.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	// Output:
	// depta.example.ac.jp true <nil> 1m30s
	// true Recipient.SimpleDisplayName
}

func ExampleClient_CreateGroup() {
	clk := newStepClock()
	d := newScriptDriver(clk)
	d.addVerified("depta.example.ac.jp")
	c := mailops.NewClient(d, mailops.Options{Clock: clk})
	ctx := context.Background()

	g := mailops.Group{
		PrimaryAddress: mailops.MustParseAddress("sales@depta.example.ac.jp"),
		Name:           "Sales",
		// Members are set in the creating call: a group created empty
		// drops the mail sent to it.
		Members: []mailops.Address{
			mailops.MustParseAddress("alice@depta.example.ac.jp"),
			mailops.MustParseAddress("partner@other.example.com"),
		},
		Owners:                      []mailops.Address{mailops.MustParseAddress("admins@depta.example.ac.jp")},
		RequireSenderAuthentication: false, // accept mail from outside
	}
	// An external member is refused by policy; nothing is created.
	err := c.CreateGroup(ctx, g)
	fmt.Println(errors.Is(err, mailops.ErrPolicy), err)

	// Allowed for one call.
	err = c.CreateGroup(mailops.WithExternalMembers(ctx), g)
	fmt.Println(err)
	got, _ := c.GetGroup(ctx, g.PrimaryAddress)
	fmt.Println(got.Members)
	// Output:
	// true mailops: policy refuses Group.Members[1] "partner@other.example.com": external address: other.example.com is not an accepted domain of the tenant (allow with Options.AllowExternalMembers or WithExternalMembers)
	// <nil>
	// [alice@depta.example.ac.jp partner@other.example.com]
}
