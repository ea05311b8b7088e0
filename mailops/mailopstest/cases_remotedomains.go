package mailopstest

import (
	"context"
	"slices"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func remoteNames(rs []mailops.RemoteDomain) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// createRemote creates r, registers its deletion and waits until it reads
// back.
func (f *fixture) createRemote(r mailops.RemoteDomain) {
	f.t.Helper()
	require.NoError(f.t, f.d.CreateRemoteDomain(f.ctx, r), "CreateRemoteDomain %s", r.Name)
	f.cleanup("remote domain "+r.Name, func(ctx context.Context) error { return f.d.DeleteRemoteDomain(ctx, r.Name) })
	f.eventually("remote domain "+r.Name+" reads back", func(c *check) {
		_, err := f.d.GetRemoteDomain(f.ctx, r.Name)
		require.NoError(c, err)
	})
}

var remoteDomainCases = []testCase{
	{"RemoteDomain/DefaultExistsAndStays", func(f *fixture) {
		var orig mailops.RemoteDomain
		f.eventually("the Default remote domain exists", func(c *check) {
			var err error
			orig, err = f.d.GetRemoteDomain(f.ctx, mailops.DefaultRemoteDomain)
			require.NoError(c, err)
			assert.Equal(c, mailops.DefaultRemoteDomain, orig.Name)
			assert.Equal(c, "*", orig.DomainName)
			list, err := f.d.ListRemoteDomains(f.ctx)
			require.NoError(c, err)
			assert.Contains(c, remoteNames(list), mailops.DefaultRemoteDomain)
		})
		assert.ErrorIs(f.t, f.d.DeleteRemoteDomain(f.ctx, mailops.DefaultRemoteDomain), mailops.ErrForbidden)
		// On a real tenant the Default remote domain is shared: put it back.
		f.t.Cleanup(func() {
			if err := f.d.SetRemoteDomain(f.ctx, orig); err != nil {
				f.t.Logf("clean-up: restoring the Default remote domain: %v", err)
			}
		})
		changed := orig
		changed.UseSimpleDisplayName = !orig.UseSimpleDisplayName
		require.NoError(f.t, f.d.SetRemoteDomain(f.ctx, changed), "the Default remote domain can be changed")
		f.eventually("the change reads back and Default is still there", func(c *check) {
			got, err := f.d.GetRemoteDomain(f.ctx, mailops.DefaultRemoteDomain)
			require.NoError(c, err)
			assert.Equal(c, changed, got)
		})
	}},
	{"RemoteDomain/CreateSetDelete", func(f *fixture) {
		dom := f.newDomain()
		r := mailops.RemoteDomain{Name: "partner " + dom, DomainName: dom, AutoForwardEnabled: mailops.BoolPtr(true)}
		f.createRemote(r)
		f.eventually("the remote domain reads back as created", func(c *check) {
			got, err := f.d.GetRemoteDomain(f.ctx, r.Name)
			require.NoError(c, err)
			assert.Equal(c, r, got)
		})
		assert.ErrorIs(f.t, f.d.CreateRemoteDomain(f.ctx, r), mailops.ErrExists)
		r.UseSimpleDisplayName, r.AutoForwardEnabled = true, mailops.BoolPtr(false)
		require.NoError(f.t, f.d.SetRemoteDomain(f.ctx, r))
		require.NoError(f.t, f.d.SetRemoteDomain(f.ctx, r), "the same settings again are fine")
		f.eventually("the new settings read back", func(c *check) {
			got, err := f.d.GetRemoteDomain(f.ctx, r.Name)
			require.NoError(c, err)
			assert.Equal(c, r, got)
		})
		require.NoError(f.t, f.d.DeleteRemoteDomain(f.ctx, r.Name))
		f.eventually("the deleted remote domain is gone", func(c *check) {
			_, err := f.d.GetRemoteDomain(f.ctx, r.Name)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
			list, err := f.d.ListRemoteDomains(f.ctx)
			require.NoError(c, err)
			assert.NotContains(c, remoteNames(list), r.Name)
		})
		assert.ErrorIs(f.t, f.d.DeleteRemoteDomain(f.ctx, r.Name), mailops.ErrNotFound, "deleting twice")
		assert.ErrorIs(f.t, f.d.SetRemoteDomain(f.ctx, r), mailops.ErrNotFound, "setting a deleted remote domain")
	}},
	{"RemoteDomain/MissingIsNotFound", func(f *fixture) {
		dom := f.newDomain()
		r := mailops.RemoteDomain{Name: "missing " + dom, DomainName: dom}
		_, err := f.d.GetRemoteDomain(f.ctx, r.Name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "GetRemoteDomain")
		assert.ErrorIs(f.t, f.d.SetRemoteDomain(f.ctx, r), mailops.ErrNotFound, "SetRemoteDomain creates nothing")
		assert.ErrorIs(f.t, f.d.DeleteRemoteDomain(f.ctx, r.Name), mailops.ErrNotFound, "DeleteRemoteDomain")
	}},
	{"RemoteDomain/InvalidIsRefused", func(f *fixture) {
		dom := f.newDomain()
		bad := []mailops.RemoteDomain{
			{Name: "", DomainName: dom},
			{Name: "embedded " + dom, DomainName: "a.*." + dom},
			{Name: "not a domain " + dom, DomainName: "not a domain"},
			{Name: "no domain " + dom},
		}
		for _, r := range bad {
			assert.ErrorIs(f.t, f.d.CreateRemoteDomain(f.ctx, r), mailops.ErrInvalid, "%+v", r)
		}
		f.afterSettle("a driver never stores an invalid remote domain", func(c *check) {
			list, err := f.d.ListRemoteDomains(f.ctx)
			require.NoError(c, err)
			for _, r := range bad[1:] {
				assert.NotContains(c, remoteNames(list), r.Name)
			}
		})
	}},
	{"RemoteDomain/ListSorted", func(f *fixture) {
		dom := f.newDomain()
		for _, n := range []string{"zulu", "alpha", "mike"} {
			f.createRemote(mailops.RemoteDomain{Name: n + " " + dom, DomainName: n + "." + dom})
		}
		f.eventually("every remote domain listed, sorted by name", func(c *check) {
			list, err := f.d.ListRemoteDomains(f.ctx)
			require.NoError(c, err)
			names := remoteNames(list)
			assert.Subset(c, names, []string{"alpha " + dom, "mike " + dom, "zulu " + dom, mailops.DefaultRemoteDomain})
			assert.True(c, slices.IsSorted(names), "sorted by name: %v", names)
		})
	}},
}
