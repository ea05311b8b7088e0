package soak

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

// The delegated kind's checks catch what they claim to: a change in one
// department's domain that no request made (the stable address of another
// department rewritten behind the service's back), a request that changed
// the tenant without being recorded done (a churn group created directly),
// and an audit entry edited after it was written.
func TestDelegatedChecksCatchTampering(t *testing.T) {
	const seed = 2
	clean, err := delegatedCase(seed, rand.New(rand.NewPCG(seed, 1)), nil)
	if err != nil || !clean.Clean() || clean.Requests == 0 {
		t.Fatalf("the untampered case: %+v %v", clean, err)
	}
	// rewrite runs a direct change on the tenant, as an admin outside the service.
	rewrite := func(t *testing.T, d *delegatedWorld, fn func(ctx context.Context, c *mailops.Client) error) {
		var err error
		d.w.Admin("rogue", mailops.Options{AllowExternalMembers: true, Retry: mailops.RetryOptions{MaxAttempts: 50}}, func(ctx context.Context, c *mailops.Client) { err = fn(ctx, c) })
		if rerr := d.s.Run(); rerr != nil || err != nil {
			t.Fatalf("tampering: %v %v", rerr, err)
		}
	}
	for name, tc := range map[string]struct {
		tamper func(t *testing.T, d *delegatedWorld)
		want   string
	}{
		"another domain's address changed": {func(t *testing.T, d *delegatedWorld) {
			office := mailops.Address("office@" + d.cfg.Domains[1].Name)
			rewrite(t, d, func(ctx context.Context, c *mailops.Client) error {
				return c.SetGroupMembers(ctx, office, []mailops.Address{d.outside})
			})
		}, "group office@dept1.example has members [friend@outside.example]"},
		"a group no done request made": {func(t *testing.T, d *delegatedWorld) {
			rewrite(t, d, func(ctx context.Context, c *mailops.Client) error {
				return c.CreateGroup(ctx, mailops.Group{PrimaryAddress: "stray@dept0.example", Name: "stray@dept0.example",
					Members: d.people[:1], Owners: []mailops.Address{d.cfg.Domains[0].AdminGroup}})
			})
		}, "group stray@dept0.example (members [p00@uni.example]) exists, no done request made it"},
		"an audit entry edited": {func(t *testing.T, d *delegatedWorld) {
			if _, err := d.db.ExecContext(context.Background(), `UPDATE delegate_audit SET detail = 'edited' WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
		}, "audit: "},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := delegatedCase(seed, rand.New(rand.NewPCG(seed, 1)), func(d *delegatedWorld) { tc.tamper(t, d) })
			if err != nil {
				t.Fatal(err)
			}
			if res.Clean() || !strings.Contains(res.Violation, tc.want) {
				t.Fatalf("violation %q, want one containing %q", res.Violation, tc.want)
			}
		})
	}
}
