package mailopstest

import (
	"context"
	"errors"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// External admin takeover. Source: learn.microsoft.com/entra/identity/users/domains-admin-takeover:
// "When you perform an "external" admin takeover of an unmanaged Azure
// directory, you add the DNS domain name of the unmanaged directory to your
// managed Azure directory. When you add the domain name, a mapping of users
// to resources is created in your managed Azure directory"; it is done by
// verifying with ForceTakeover (Confirm-MgDomain -ForceTakeover), and only an
// unmanaged directory can be taken over.
var takeoverCases = []testCase{
	{"Takeover/FromUnmanagedMovesUsers", func(f *fixture) {
		uh, ok := f.h.(UnmanagedDomainHarness)
		if !ok {
			f.t.Skip("the harness cannot make an unmanaged tenant hold a domain (no UnmanagedDomainHarness)")
		}
		name := f.newDomain()
		bob := addr("bob", name)
		err := uh.HoldUnmanaged(f.ctx, name, []mailops.Recipient{mailbox(bob)})
		if errors.Is(err, errors.ErrUnsupported) {
			f.t.Skipf("the harness cannot make an unmanaged tenant hold a domain: %v", err)
		}
		require.NoError(f.t, err, "harness: hold a domain in an unmanaged tenant")
		f.settle()
		dom := f.addDomain(name) // a domain an unmanaged tenant holds can be added
		// The moved user goes before the domain (clean-ups run last first).
		f.cleanup("recipient "+string(bob), func(ctx context.Context) error { return f.d.DeleteRecipient(ctx, bob) })
		assert.False(f.t, dom.Verified)
		f.hook(f.h.ProveOwnership(f.ctx, name, dom.VerificationRecords), "prove ownership")
		f.settle()
		_, err = f.d.VerifyDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrDomainTaken, "a plain verification does not take the domain")
		f.eventually("TakeOverDomain "+name, func(c *check) {
			got, err := f.d.TakeOverDomain(f.ctx, name)
			require.NoError(c, err)
			assert.True(c, got.Verified)
		})
		f.eventually("the taken-over domain reads verified", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.True(c, got.Verified)
		})
		f.eventually("the unmanaged tenant's user moved here", func(c *check) {
			_, err := f.d.GetRecipient(f.ctx, bob)
			require.NoError(c, err)
		})
	}},
	{"Takeover/FromManagedIsForbidden", func(f *fixture) {
		dom := f.unverifiedDomain()
		f.hook(f.h.HoldElsewhere(f.ctx, dom.Name), "hold a domain in another tenant")
		f.hook(f.h.ProveOwnership(f.ctx, dom.Name, dom.VerificationRecords), "prove ownership")
		f.settle()
		_, err := f.d.TakeOverDomain(f.ctx, dom.Name)
		assert.ErrorIs(f.t, err, mailops.ErrForbidden, "a managed tenant's domain cannot be taken over")
		f.afterSettle("the domain stays unverified here", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, dom.Name)
			require.NoError(c, err)
			assert.False(c, got.Verified)
		})
	}},
}
