package fake

import (
	"context"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// checkRefs makes sure every member, owner and trustee that g adds over old
// exists, naming the first that does not. References a group already holds
// are not checked again: Exchange removes deleted objects from groups, and a
// stale one must not make the group refuse every later change. Called with
// t.mu held.
func (t *Tenant) checkRefs(g, old mailops.Group) error {
	for _, list := range []struct {
		role     string
		as, olds []mailops.Address
	}{{"member", g.Members, old.Members}, {"owner", g.Owners, old.Owners}, {"SendAs trustee", g.SendAs, old.SendAs}} {
		for _, a := range list.as {
			if indexOf(list.olds, a) >= 0 {
				continue
			}
			if !t.exists(a) {
				return wrapf(mailops.ErrNotFound, "group %s: %s %s is not a recipient or group of the tenant (an external address needs a mail contact)", g.PrimaryAddress, list.role, a)
			}
			if list.role != "member" {
				if kind := t.notPrincipal(a); kind != "" {
					return wrapf(mailops.ErrInvalid, "group %s: %s %s is a %s: the owner or trustee must be a mailbox, mail user or mail-enabled security group", g.PrimaryAddress, list.role, a, kind)
				}
			}
		}
	}
	return nil
}

// notPrincipal returns "" when a is a security principal (mailbox, mail user
// or mail-enabled security group), else what it is. Source:
// New-DistributionGroup -ManagedBy, "must be a mailbox, mail user or
// mail-enabled security group"; Add-RecipientPermission -Trustee. Called
// with t.mu held.
func (t *Tenant) notPrincipal(a mailops.Address) string {
	if r, ok := t.findRecipient(a, latestOf); ok {
		if r.SecurityPrincipal() {
			return ""
		}
		return "mail contact"
	}
	if g, ok := t.groups.get(a).latest(); ok && g.Type.Or() != mailops.Security {
		return "distribution group"
	}
	return ""
}

// dropReferences removes a deleted recipient or group (any of its
// addresses) from every group's members and SendAs trustees, as Exchange
// does. Called with t.mu held.
func (t *Tenant) dropReferences(now time.Time, gone ...mailops.Address) {
	isGone := func(a mailops.Address) bool { return indexOf(gone, a) >= 0 }
	for _, ga := range t.referrers(gone...) {
		g, _ := t.groups.get(ga).latest()
		if !slices.ContainsFunc(g.Members, isGone) && !slices.ContainsFunc(g.SendAs, isGone) {
			continue // an owner only
		}
		g = cloneGroup(g)
		g.Members = slices.DeleteFunc(g.Members, isGone)
		g.SendAs = slices.DeleteFunc(g.SendAs, isGone)
		t.putGroup(now, ga, g, false)
	}
}

func (d *driver) CreateGroup(ctx context.Context, g mailops.Group) error {
	return d.t.call(ctx, d.admin, "CreateGroup", string(g.PrimaryAddress), func(now time.Time) error {
		t := d.t
		if err := g.Validate(); err != nil {
			return err
		}
		if !t.accepted(g.PrimaryAddress.Domain()) {
			return wrapf(mailops.ErrNotVerified, "group %s: %s is not a verified domain of the tenant", g.PrimaryAddress, g.PrimaryAddress.Domain())
		}
		if by := t.taken(g.PrimaryAddress); by != "" {
			return wrapf(mailops.ErrExists, "address %s is used by %s", g.PrimaryAddress, by)
		}
		if dup, ok := t.groupName[g.Name]; ok {
			return wrapf(mailops.ErrExists, "group name %q is used by %s", g.Name, dup)
		}
		if err := t.checkRefs(g, mailops.Group{}); err != nil {
			return err
		}
		g = cloneGroup(g)
		if g.DisplayName == "" {
			g.DisplayName = g.Name
		}
		g.Type = g.Type.Or()
		t.putGroup(now, g.PrimaryAddress, g, false)
		return nil
	})
}

func (d *driver) GetGroup(ctx context.Context, a mailops.Address) (mailops.Group, error) {
	return getOne(d, ctx, "GetGroup", "group", d.t.groups, a, cloneGroup)
}

func (d *driver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	return listAll(d, ctx, "ListGroups", d.t.groups, cloneGroup)
}

// ListGroupAddresses implements mailops.GroupIndexer: one list call (the
// same call accounting as ListGroups).
func (d *driver) ListGroupAddresses(ctx context.Context) ([]mailops.Address, error) {
	gs, err := listAll(d, ctx, "ListGroupAddresses", d.t.groups, func(g mailops.Group) mailops.Group { return g })
	if err != nil {
		return nil, err
	}
	out := make([]mailops.Address, len(gs))
	for i, g := range gs {
		out[i] = g.PrimaryAddress
	}
	slices.Sort(out)
	return out, nil
}

// updateGroup applies fn to the current group, validates the result and its
// references, and writes a version.
func (d *driver) updateGroup(ctx context.Context, op string, a mailops.Address, fn func(*mailops.Group)) error {
	return d.t.call(ctx, d.admin, op, string(a), func(now time.Time) error {
		t := d.t
		g, ok := t.groups.get(a).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "group %s", a)
		}
		old := g
		g = cloneGroup(g)
		fn(&g)
		if err := g.Validate(); err != nil {
			return err
		}
		if err := t.checkRefs(g, old); err != nil {
			return err
		}
		t.putGroup(now, a, g, false)
		return nil
	})
}

func (d *driver) SetGroupMembers(ctx context.Context, a mailops.Address, members []mailops.Address) error {
	return d.updateGroup(ctx, "SetGroupMembers", a, func(g *mailops.Group) { g.Members = append([]mailops.Address(nil), members...) })
}

func (d *driver) SetGroupSenderAuthentication(ctx context.Context, a mailops.Address, require bool) error {
	return d.updateGroup(ctx, "SetGroupSenderAuthentication", a, func(g *mailops.Group) { g.RequireSenderAuthentication = require })
}

func (d *driver) GrantSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return d.updateGroup(ctx, "GrantSendAs", group, func(g *mailops.Group) {
		if indexOf(g.SendAs, trustee) < 0 {
			g.SendAs = append(g.SendAs, trustee)
		}
	})
}

func (d *driver) RevokeSendAs(ctx context.Context, group, trustee mailops.Address) error {
	return d.updateGroup(ctx, "RevokeSendAs", group, func(g *mailops.Group) {
		if i := indexOf(g.SendAs, trustee); i >= 0 {
			g.SendAs = append(g.SendAs[:i], g.SendAs[i+1:]...)
		}
	})
}

func (d *driver) DeleteGroup(ctx context.Context, a mailops.Address) error {
	return d.t.call(ctx, d.admin, "DeleteGroup", string(a), func(now time.Time) error {
		t := d.t
		g, ok := t.groups.get(a).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "group %s", a)
		}
		t.putGroup(now, a, g, true)
		t.dropReferences(now, a)
		return nil
	})
}
