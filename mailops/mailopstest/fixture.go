package mailopstest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// fixture is one case's harness and driver with helpers that build the
// objects a case needs.
type fixture struct {
	t   *testing.T
	ctx context.Context
	h   Harness
	d   mailops.Driver
}

func newFixture(t *testing.T, mk HarnessMaker) *fixture {
	t.Helper()
	ctx := context.Background()
	h, err := mk(ctx, t)
	require.NoError(t, err, "making the harness")
	t.Cleanup(h.Close)
	d, err := h.MakeDriver(ctx)
	require.NoError(t, err, "making the driver")
	return &fixture{t: t, ctx: ctx, h: h, d: d}
}

func (f *fixture) settle() {
	f.t.Helper()
	require.NoError(f.t, f.h.Settle(f.ctx), "settling")
}

func (f *fixture) newDomain() string {
	f.t.Helper()
	n, err := f.h.NewDomain(f.ctx)
	require.NoError(f.t, err)
	return n
}

// verifiedDomain adds a fresh domain and verifies it.
func (f *fixture) verifiedDomain() string {
	f.t.Helper()
	name := f.newDomain()
	dom, err := f.d.AddDomain(f.ctx, name)
	require.NoError(f.t, err, "AddDomain %s", name)
	if !dom.Verified {
		require.NoError(f.t, f.h.ProveOwnership(f.ctx, name, dom.VerificationRecords))
		f.settle()
		_, err = f.d.VerifyDomain(f.ctx, name)
		require.NoError(f.t, err, "VerifyDomain %s", name)
	}
	f.settle()
	return name
}

func addr(local, domain string) mailops.Address { return mailops.Address(local + "@" + domain) }

func (f *fixture) mailbox(a mailops.Address) mailops.Recipient {
	f.t.Helper()
	r := mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: "User " + a.Local()}
	require.NoError(f.t, f.d.CreateRecipient(f.ctx, r), "CreateRecipient %s", a)
	return r
}

// people makes a verified domain with mailboxes for the given local parts.
func (f *fixture) people(locals ...string) (string, []mailops.Address) {
	f.t.Helper()
	dom := f.verifiedDomain()
	var out []mailops.Address
	for _, l := range locals {
		out = append(out, f.mailbox(addr(l, dom)).Address)
	}
	f.settle()
	return dom, out
}

func (f *fixture) group(dom, local string, members, owners []mailops.Address) mailops.Group {
	return mailops.Group{PrimaryAddress: addr(local, dom), Name: local + "-" + dom, Members: members, Owners: owners, RequireSenderAuthentication: true}
}
