package mailopstest

import (
	"context"
	"slices"
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func domainNames(ds []mailops.Domain) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

var domainCases = []testCase{
	{"Domain/AddReturnsVerificationRecords", func(f *fixture) {
		dom := f.unverifiedDomain()
		assert.False(f.t, dom.Verified)
		// A domain added through Graph is not an Exchange accepted domain
		// until its supported services include Email
		// (learn.microsoft.com/graph/api/domain-verify).
		assert.Equal(f.t, mailops.DomainType(""), dom.Type, "a new domain is not an accepted domain")
		i := slices.IndexFunc(dom.VerificationRecords, func(r mailops.DNSRecord) bool {
			return r.Type == "TXT" && strings.HasPrefix(r.Value, "MS=ms")
		})
		assert.GreaterOrEqual(f.t, i, 0, "an MS=ms... TXT record proves ownership: %+v", dom.VerificationRecords)
		f.eventually("the added domain reads back unverified", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, dom.Name)
			require.NoError(c, err)
			assert.Equal(c, dom.Name, got.Name)
			assert.False(c, got.Verified)
			list, err := f.d.ListDomains(f.ctx)
			require.NoError(c, err)
			assert.Contains(c, domainNames(list), dom.Name)
		})
	}},
	{"Domain/AddInvalidIsInvalid", func(f *fixture) {
		for _, name := range []string{"", "not a domain", "localhost", "-bad.example", "a..example"} {
			_, err := f.d.AddDomain(f.ctx, name)
			assert.ErrorIs(f.t, err, mailops.ErrInvalid, "AddDomain(%q)", name)
		}
	}},
	{"Domain/AddTwiceIsExists", func(f *fixture) {
		name := f.newDomain()
		f.addDomain(name)
		f.eventually("the added domain reads back", func(c *check) {
			_, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
		})
		_, err := f.d.AddDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrExists)
	}},
	{"Domain/VerifyWithoutProofIsNotVerified", func(f *fixture) {
		dom := f.unverifiedDomain()
		f.settle()
		_, err := f.d.VerifyDomain(f.ctx, dom.Name)
		assert.ErrorIs(f.t, err, mailops.ErrNotVerified)
		f.afterSettle("a refused verification leaves the domain unverified", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, dom.Name)
			require.NoError(c, err)
			assert.False(c, got.Verified)
		})
	}},
	{"Domain/VerifyWithProofAndAgain", func(f *fixture) {
		name := f.verifiedDomain()
		dom, err := f.d.VerifyDomain(f.ctx, name)
		require.NoError(f.t, err, "verifying a verified domain is not an error")
		assert.True(f.t, dom.Verified)
		assert.Equal(f.t, name, dom.Name)
	}},
	{"Domain/HeldElsewhereIsTaken", func(f *fixture) {
		var name string
		if fd, ok := f.h.(ForeignDomainHarness); ok {
			n, err := fd.ForeignDomain(f.ctx)
			f.hook(err, "name a domain held by another tenant")
			name = n
		} else {
			name = f.newDomain()
			f.hook(f.h.HoldElsewhere(f.ctx, name), "hold a domain in another tenant")
			f.settle()
		}
		_, err := f.d.AddDomain(f.ctx, name)
		if err == nil {
			f.cleanup("domain "+name, func(ctx context.Context) error { return f.d.RemoveDomain(ctx, name) })
		}
		assert.ErrorIs(f.t, err, mailops.ErrDomainTaken)
		f.afterSettle("the refused domain is not in the tenant", func(c *check) {
			_, err := f.d.GetDomain(f.ctx, name)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
		})
	}},
	{"Domain/TakenBeforeVerifyIsTaken", func(f *fixture) {
		dom := f.unverifiedDomain()
		f.hook(f.h.HoldElsewhere(f.ctx, dom.Name), "hold a domain in another tenant")
		f.hook(f.h.ProveOwnership(f.ctx, dom.Name, dom.VerificationRecords), "prove ownership")
		f.settle()
		_, err := f.d.VerifyDomain(f.ctx, dom.Name)
		assert.ErrorIs(f.t, err, mailops.ErrDomainTaken, "another tenant verified it first")
		f.afterSettle("the domain stays unverified here", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, dom.Name)
			require.NoError(c, err)
			assert.False(c, got.Verified)
		})
	}},
	{"Domain/SubdomainOfVerifiedNeedsNoProof", func(f *fixture) {
		parent := f.verifiedDomain()
		sub := f.addDomain("sub." + parent)
		if !sub.Verified {
			f.eventually("VerifyDomain of a subdomain without proof", func(c *check) {
				var err error
				sub, err = f.d.VerifyDomain(f.ctx, "sub."+parent)
				require.NoError(c, err, "no proof is needed under a verified parent")
			})
		}
		assert.True(f.t, sub.Verified)
	}},
	{"Domain/SetTypeNeedsVerified", func(f *fixture) {
		dom := f.unverifiedDomain()
		f.settle()
		assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, dom.Name, mailops.InternalRelay), mailops.ErrNotVerified)
		f.afterSettle("the refused type change left the domain not accepted", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, dom.Name)
			require.NoError(c, err)
			assert.Equal(c, mailops.DomainType(""), got.Type)
		})
	}},
	{"Domain/SetTypeReadBack", func(f *fixture) {
		name := f.verifiedDomain()
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay))
		f.eventually("the domain reads back InternalRelay", func(c *check) {
			dom, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.Equal(c, mailops.InternalRelay, dom.Type)
			assert.True(c, dom.Verified)
		})
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay), "setting the same type again is fine")
		require.NoError(f.t, f.d.SetDomainType(f.ctx, name, mailops.Authoritative))
		f.eventually("the domain reads back Authoritative", func(c *check) {
			dom, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.Equal(c, mailops.Authoritative, dom.Type)
		})
	}},
	{"Domain/SetTypeInvalid", func(f *fixture) {
		name := f.verifiedDomain()
		for _, typ := range []mailops.DomainType{"ExternalRelay", "", "authoritative?"} {
			assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, name, typ), mailops.ErrInvalid, "type %q", typ)
		}
		f.afterSettle("refused types changed nothing", func(c *check) {
			dom, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.Equal(c, mailops.Authoritative, dom.Type)
		})
	}},
	{"Domain/MissingIsNotFound", func(f *fixture) {
		name := f.newDomain()
		_, err := f.d.GetDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "GetDomain")
		_, err = f.d.VerifyDomain(f.ctx, name)
		assert.ErrorIs(f.t, err, mailops.ErrNotFound, "VerifyDomain")
		assert.ErrorIs(f.t, f.d.SetDomainType(f.ctx, name, mailops.InternalRelay), mailops.ErrNotFound, "SetDomainType")
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, name), mailops.ErrNotFound, "RemoveDomain")
	}},
	{"Domain/ListSorted", func(f *fixture) {
		a, b := f.verifiedDomain(), f.verifiedDomain()
		f.eventually("both domains listed, sorted by name", func(c *check) {
			list, err := f.d.ListDomains(f.ctx)
			require.NoError(c, err)
			names := domainNames(list)
			assert.Contains(c, names, a)
			assert.Contains(c, names, b)
			assert.True(c, slices.IsSorted(names), "sorted by name: %v", names)
			for _, d := range list {
				if d.Name == a {
					assert.True(c, d.Verified)
				}
			}
		})
	}},
	{"Domain/RemoveThenNotFound", func(f *fixture) {
		name := f.verifiedDomain()
		require.NoError(f.t, f.d.RemoveDomain(f.ctx, name))
		f.eventually("the removed domain is gone", func(c *check) {
			_, err := f.d.GetDomain(f.ctx, name)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
			list, err := f.d.ListDomains(f.ctx)
			require.NoError(c, err)
			assert.NotContains(c, domainNames(list), name)
		})
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, name), mailops.ErrNotFound, "removing twice")
	}},
	{"Domain/RemoveUsedByRecipientIsForbidden", func(f *fixture) {
		dom, _ := f.people("alice")
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, dom), mailops.ErrForbidden)
		f.afterSettle("the refused removal left the domain", func(c *check) {
			_, err := f.d.GetDomain(f.ctx, dom)
			assert.NoError(c, err)
		})
	}},
	{"Domain/RemoveUsedByProxyOrGroupIsForbidden", func(f *fixture) {
		home, ps := f.people("alice", "admin")
		byProxy, byGroup := f.verifiedDomain(), f.verifiedDomain()
		r := mailbox(addr("bob", home))
		r.ProxyAddresses = []mailops.Address{addr("bob", byProxy)}
		f.createRecipient(r)
		f.createGroup(group(byGroup, "sales", ps[:1], ps[1:]))
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, byProxy), mailops.ErrForbidden, "a proxy address uses the domain")
		assert.ErrorIs(f.t, f.d.RemoveDomain(f.ctx, byGroup), mailops.ErrForbidden, "a group's address uses the domain")
		f.afterSettle("the refused removals left both domains", func(c *check) {
			for _, n := range []string{byProxy, byGroup} {
				_, err := f.d.GetDomain(f.ctx, n)
				assert.NoError(c, err, n)
			}
		})
	}},
	{"Domain/ReturnedValuesAreCopies", func(f *fixture) {
		name := f.verifiedDomain()
		var want []mailops.DNSRecord
		f.eventually("the domain reads back", func(c *check) {
			got, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			want = slices.Clone(got.VerificationRecords)
			for i := range got.VerificationRecords {
				got.VerificationRecords[i].Value = "changed"
			}
			list, err := f.d.ListDomains(f.ctx)
			require.NoError(c, err)
			for _, d := range list {
				for i := range d.VerificationRecords {
					d.VerificationRecords[i].Value = "changed"
				}
			}
		})
		f.eventually("changing a returned slice changes nothing in the tenant", func(c *check) {
			again, err := f.d.GetDomain(f.ctx, name)
			require.NoError(c, err)
			assert.Equal(c, want, again.VerificationRecords)
			for _, r := range again.VerificationRecords {
				assert.NotEqual(c, "changed", r.Value)
			}
		})
	}},
}
