package mailopstest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

// fixture is one case's harness and driver, with helpers that build the
// objects a case needs and register their clean-up.
type fixture struct {
	t   *testing.T
	ctx context.Context
	h   Harness
	d   mailops.Driver
}

func newFixture(t *testing.T, mk HarnessMaker) *fixture {
	t.Helper()
	// Not t.Context(): it is cancelled before the clean-ups run, and the
	// clean-ups delete what the case made.
	ctx := context.Background()
	h, err := mk(ctx, t)
	require.NoError(t, err, "making the harness")
	t.Cleanup(h.Close) // registered first: runs after every other clean-up
	d, err := h.MakeDriver(ctx)
	require.NoError(t, err, "making the driver")
	return &fixture{t: t, ctx: ctx, h: h, d: d}
}

// hook fails the case on a harness error, or skips it when the harness
// cannot do what the case needs (errors.ErrUnsupported).
func (f *fixture) hook(err error, what string) {
	f.t.Helper()
	if errors.Is(err, errors.ErrUnsupported) {
		f.t.Skipf("the harness cannot %s: %v", what, err)
	}
	require.NoError(f.t, err, "harness: %s", what)
}

func (f *fixture) settle() {
	f.t.Helper()
	f.hook(f.h.Settle(f.ctx), "settle")
}

// cleanup deletes something the case made when the case ends, best effort:
// against a real tenant the suite leaves nothing behind. A thing already
// gone is fine.
func (f *fixture) cleanup(what string, del func(ctx context.Context) error) {
	f.t.Cleanup(func() {
		if err := del(f.ctx); err != nil && !errors.Is(err, mailops.ErrNotFound) {
			f.t.Logf("clean-up: deleting %s: %v", what, err)
		}
	})
}

func (f *fixture) newDomain() string {
	f.t.Helper()
	n, err := f.h.NewDomain(f.ctx)
	f.hook(err, "hand out a domain")
	return n
}

// addDomain adds name to the tenant and registers its removal.
func (f *fixture) addDomain(name string) mailops.Domain {
	f.t.Helper()
	dom, err := f.d.AddDomain(f.ctx, name)
	require.NoError(f.t, err, "AddDomain %s", name)
	f.cleanup("domain "+name, func(ctx context.Context) error { return f.d.RemoveDomain(ctx, name) })
	return dom
}

// unverifiedDomain adds a fresh domain that stays unverified; the case is
// skipped if the harness hands out domains verified at once.
func (f *fixture) unverifiedDomain() mailops.Domain {
	f.t.Helper()
	dom := f.addDomain(f.newDomain())
	if dom.Verified {
		f.t.Skipf("the harness hands out domains verified at once (%s): this case needs an unverified domain", dom.Name)
	}
	return dom
}

// verifiedDomain adds a fresh domain, proves and verifies it, enables Email
// on it, and waits until reads show it an accepted domain.
func (f *fixture) verifiedDomain() string {
	f.t.Helper()
	name := f.newDomain()
	dom := f.addDomain(name)
	if !dom.Verified {
		f.hook(f.h.ProveOwnership(f.ctx, name, dom.VerificationRecords), "prove ownership")
		f.eventually("VerifyDomain "+name, func(c *check) {
			_, err := f.d.VerifyDomain(f.ctx, name)
			require.NoError(c, err)
		})
	}
	f.eventually("domain "+name+" reads verified", func(c *check) {
		got, err := f.d.GetDomain(f.ctx, name)
		require.NoError(c, err)
		require.True(c, got.Verified)
	})
	require.NoError(f.t, f.d.EnableEmail(f.ctx, name), "EnableEmail %s", name)
	f.eventually("domain "+name+" reads as an accepted domain", func(c *check) {
		got, err := f.d.GetDomain(f.ctx, name)
		require.NoError(c, err)
		require.True(c, got.Accepted(), "Type %q", got.Type)
	})
	return name
}

func addr(local, domain string) mailops.Address { return mailops.Address(local + "@" + domain) }

// createRecipient creates r, registers its deletion and waits until it
// reads back.
func (f *fixture) createRecipient(r mailops.Recipient) {
	f.t.Helper()
	require.NoError(f.t, f.d.CreateRecipient(f.ctx, r), "CreateRecipient %s", r.Address)
	f.cleanup("recipient "+string(r.Address), func(ctx context.Context) error { return f.d.DeleteRecipient(ctx, r.Address) })
	f.eventually("recipient "+string(r.Address)+" reads back", func(c *check) {
		_, err := f.d.GetRecipient(f.ctx, r.Address)
		require.NoError(c, err)
	})
}

func mailbox(a mailops.Address) mailops.Recipient {
	return mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: "User " + a.Local()}
}

// people makes a verified domain with a mailbox for each local part.
func (f *fixture) people(locals ...string) (string, []mailops.Address) {
	f.t.Helper()
	dom := f.verifiedDomain()
	var out []mailops.Address
	for _, l := range locals {
		a := addr(l, dom)
		f.createRecipient(mailbox(a))
		out = append(out, a)
	}
	return dom, out
}

// group is a valid group value (not created) that requires authenticated
// senders, as Exchange Online's default does.
func group(dom, local string, members, owners []mailops.Address) mailops.Group {
	return mailops.Group{PrimaryAddress: addr(local, dom), Name: local + "-" + dom, Members: members, Owners: owners, RequireSenderAuthentication: true}
}

// createGroup creates g, registers its deletion and waits until it reads
// back.
func (f *fixture) createGroup(g mailops.Group) {
	f.t.Helper()
	require.NoError(f.t, f.d.CreateGroup(f.ctx, g), "CreateGroup %s", g.PrimaryAddress)
	f.cleanup("group "+string(g.PrimaryAddress), func(ctx context.Context) error { return f.d.DeleteGroup(ctx, g.PrimaryAddress) })
	f.eventually("group "+string(g.PrimaryAddress)+" reads back", func(c *check) {
		_, err := f.d.GetGroup(f.ctx, g.PrimaryAddress)
		require.NoError(c, err)
	})
}

// acceptedNotYet adds a fresh domain, proves and verifies it, and waits
// until reads show it verified, without enabling Email: the domain is
// verified but not an Exchange Online accepted domain.
func (f *fixture) acceptedNotYet() string {
	f.t.Helper()
	name := f.newDomain()
	dom := f.addDomain(name)
	if !dom.Verified {
		f.hook(f.h.ProveOwnership(f.ctx, name, dom.VerificationRecords), "prove ownership")
		f.eventually("VerifyDomain "+name, func(c *check) {
			_, err := f.d.VerifyDomain(f.ctx, name)
			require.NoError(c, err)
		})
	}
	f.eventually("domain "+name+" reads verified", func(c *check) {
		got, err := f.d.GetDomain(f.ctx, name)
		require.NoError(c, err)
		require.True(c, got.Verified)
	})
	return name
}

// contact is a mail contact value (not created) for an external address.
func contact(a mailops.Address) mailops.Recipient {
	return mailops.Recipient{Address: a, Kind: mailops.MailContact, DisplayName: "Contact " + a.Local()}
}

// external is an address in a fresh domain that no tenant holds.
func (f *fixture) external(local string) mailops.Address {
	f.t.Helper()
	return addr(local, f.newDomain())
}
