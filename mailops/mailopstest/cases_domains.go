package mailopstest

import (
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

var domainCases = []testCase{
	{"Domain/AddReturnsVerificationRecords", func(f *fixture) {
		name := f.newDomain()
		dom, err := f.d.AddDomain(f.ctx, name)
		require.NoError(f.t, err)
		assert.Equal(f.t, name, dom.Name)
		assert.False(f.t, dom.Verified)
		assert.Equal(f.t, mailops.Authoritative, dom.Type, "a new domain is Authoritative")
		var txt bool
		for _, r := range dom.VerificationRecords {
			txt = txt || (r.Type == "TXT" && strings.HasPrefix(r.Value, "MS=ms"))
		}
		assert.True(f.t, txt, "an MS=ms... TXT record proves ownership: %+v", dom.VerificationRecords)
	}},
	{"Domain/AddTwiceIsExists", func(f *fixture) {
		name := f.newDomain()
		_, err := f.d.AddDomain(f.ctx, name)
		require.NoError(f.t, err)
		f.settle()
		_, err = f.d.AddDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrExists)
	}},
	{"Domain/VerifyWithoutProofIsNotVerified", func(f *fixture) {
		name := f.newDomain()
		_, err := f.d.AddDomain(f.ctx, name)
		require.NoError(f.t, err)
		f.settle()
		_, err = f.d.VerifyDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrNotVerified)
		f.settle()
		dom, err := f.d.GetDomain(f.ctx, name)
		require.NoError(f.t, err)
		assert.False(f.t, dom.Verified)
	}},
	{"Domain/VerifyWithProofAndAgain", func(f *fixture) {
		name := f.verifiedDomain()
		dom, err := f.d.GetDomain(f.ctx, name)
		require.NoError(f.t, err)
		assert.True(f.t, dom.Verified)
		dom, err = f.d.VerifyDomain(f.ctx, name)
		require.NoError(f.t, err, "verifying a verified domain is not an error")
		assert.True(f.t, dom.Verified)
	}},
	{"Domain/HeldElsewhereIsTaken", func(f *fixture) {
		name := f.newDomain()
		require.NoError(f.t, f.h.HoldElsewhere(f.ctx, name))
		_, err := f.d.AddDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrDomainTaken)
		assert.NotErrorIs(f.t, err, mailops.ErrNotFound)
	}},
	{"Domain/SubdomainOfVerifiedNeedsNoProof", func(f *fixture) {
		parent := f.verifiedDomain()
		sub, err := f.d.AddDomain(f.ctx, "sub."+parent)
		require.NoError(f.t, err)
		if !sub.Verified {
			f.settle()
			sub, err = f.d.VerifyDomain(f.ctx, "sub."+parent)
			require.NoError(f.t, err, "no proof is needed under a verified parent")
		}
		assert.True(f.t, sub.Verified)
	}},
	{"Domain/SetTypeNeedsVerified", func(f *fixture) {
		name := f.newDomain()
		_, err := f.d.AddDomain(f.ctx, name)
		require.NoError(f.t, err)
		f.settle()
		assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay), mailops.ErrNotVerified)
	}},
	{"Domain/SetTypeReadBack", func(f *fixture) {
		name := f.verifiedDomain()
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay))
		f.settle()
		dom, err := f.d.GetDomain(f.ctx, name)
		require.NoError(f.t, err)
		assert.Equal(f.t, mailops.InternalRelay, dom.Type)
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay), "setting the same type again is fine")
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.Authoritative))
		f.settle()
		dom, err = f.d.GetDomain(f.ctx, name)
		require.NoError(f.t, err)
		assert.Equal(f.t, mailops.Authoritative, dom.Type)
	}},
	{"Domain/SetTypeInvalid", func(f *fixture) {
		name := f.verifiedDomain()
		assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, name, "ExternalRelay"), mailops.ErrInvalid, "ExternalRelay is on-premises only")
	}},
	{"Domain/GetMissingIsNotFound", func(f *fixture) {
		_, err := f.d.GetDomain(f.ctx, f.newDomain())
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, f.newDomain(), mailops.InternalRelay), mailops.ErrNotFound)
	}},
	{"Domain/ListSortedAndComplete", func(f *fixture) {
		a, b := f.verifiedDomain(), f.verifiedDomain()
		list, err := f.d.ListDomains(f.ctx)
		require.NoError(f.t, err)
		var names []string
		for _, d := range list {
			names = append(names, d.Name)
		}
		assert.Contains(f.t, names, a)
		assert.Contains(f.t, names, b)
		assert.IsNonDecreasing(f.t, names, "sorted by name")
	}},
	{"Domain/RemoveThenNotFound", func(f *fixture) {
		name := f.verifiedDomain()
		require.NoError(f.t, f.d.RemoveDomain(f.ctx, name))
		f.settle()
		_, err := f.d.GetDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound)
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, name), mailops.ErrNotFound, "removing twice")
	}},
	{"Domain/RemoveInUseIsForbidden", func(f *fixture) {
		dom, _ := f.people("alice")
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, dom), mailops.ErrForbidden)
		f.settle()
		_, err := f.d.GetDomain(f.ctx, dom)
		assert.NoError(f.t, err, "the refused removal left the domain")
	}},
}
