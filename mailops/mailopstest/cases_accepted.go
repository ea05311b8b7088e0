package mailopstest

import (
	"context"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// Accepted domains. Sources: Graph domain-verify
// (learn.microsoft.com/graph/api/domain-verify): "Verifying a domain through
// Microsoft Graph doesn't configure the domain for use with Office 365
// services like Exchange"; the domain resource's supportedServices
// (learn.microsoft.com/graph/api/resources/domain), set by PATCH
// /domains/{id} (learn.microsoft.com/graph/api/domain-update); "When you add
// your domain to Microsoft 365 or Office 365, it's called an accepted
// domain", Authoritative being the default type
// (learn.microsoft.com/exchange/mail-flow-best-practices/manage-accepted-domains/manage-accepted-domains,
// Set-AcceptedDomain -DomainType).
var acceptedCases = []testCase{
	{"AcceptedDomain/VerifiedIsNotAcceptedUntilEmail", func(f *fixture) {
		name := f.acceptedNotYet()
		f.afterSettle("a verified domain without Email is not an accepted domain", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.True(c, got.Verified)
			assert.Equal(c, mailops.DomainType(""), got.Type)
			assert.False(c, got.Accepted())
			assert.NotContains(c, got.SupportedServices, "Email")
		})
		// Set-AcceptedDomain cannot find it; New-Mailbox cannot use it.
		assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay), mailops.ErrNotFound, "SetDomainType")
		a := addr("alice", name)
		err := f.d.CreateRecipient(f.ctx, mailbox(a))
		if err == nil {
			f.cleanup("recipient "+string(a), func(ctx context.Context) error { return f.d.DeleteRecipient(ctx, a) })
		}
		assert.ErrorIs(f.t, err, mailops.ErrNotVerified, "a mailbox in a domain that is not accepted")

		require.NoError(f.t, f.d.EnableEmail(f.ctx, name))
		f.eventually("after EnableEmail the domain becomes an Authoritative accepted domain", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.True(c, got.Accepted())
			assert.Equal(c, mailops.Authoritative, got.Type)
			assert.Contains(c, got.SupportedServices, "Email")
		})
		require.NoError(f.t, f.d.EnableEmail(f.ctx, name), "enabling Email twice is fine")
		f.createRecipient(mailbox(addr("bob", name)))
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay), "Set-AcceptedDomain finds it now")
	}},
	{"AcceptedDomain/EnableEmailNeedsVerified", func(f *fixture) {
		dom := f.unverifiedDomain()
		f.settle()
		assert.ErrorIs(f.t, f.d.EnableEmail(f.ctx, dom.Name), mailops.ErrNotVerified)
		f.afterSettle("the refused EnableEmail changed nothing", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, dom.Name)
			require.NoError(c, err)
			assert.False(c, got.Accepted())
			assert.NotContains(c, got.SupportedServices, "Email")
		})
		assert.ErrorIs(f.t, f.d.EnableEmail(f.ctx, f.newDomain()), mailops.ErrNotFound, "a domain not in the tenant")
	}},
}
