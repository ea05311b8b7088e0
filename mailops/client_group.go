package mailops

import (
	"context"
	"fmt"
	"slices"
)

// CreateGroup creates a distribution group with its members, owners, SendAs
// grants and sender authentication in one call. It validates the whole group
// and applies the external-member policy first: a group with one invalid or
// refused address is never sent. If the reply to an earlier attempt was lost
// and the retry finds an equal group (see AwaitGroup for what is compared),
// the create counts as done.
func (c *Client) CreateGroup(ctx context.Context, g Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	g.Members, g.Owners, g.SendAs = slices.Clone(g.Members), slices.Clone(g.Owners), slices.Clone(g.SendAs)
	if err := c.checkExternal(ctx,
		addressField{"Group.Members", g.Members, true},
		addressField{"Group.Owners", g.Owners, true},
		addressField{"Group.SendAs", g.SendAs, true},
	); err != nil {
		return err
	}
	if err := c.checkPrincipals(ctx,
		addressField{"Group.Owners", g.Owners, true},
		addressField{"Group.SendAs", g.SendAs, true},
	); err != nil {
		return err
	}
	same := c.groupIs(g.PrimaryAddress, func(have Group) bool { return groupsMatch(have, g) })
	err := c.do(ctx, call{op: "CreateGroup", target: string(g.PrimaryAddress), kind: kindCreate, readBack: same},
		func(ctx context.Context) error { return c.d.CreateGroup(ctx, g) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "group "+string(g.PrimaryAddress)+" created", same)
}

// GetGroup reads a group by primary address.
func (c *Client) GetGroup(ctx context.Context, addr Address) (Group, error) {
	if err := addr.validateField("Group.PrimaryAddress"); err != nil {
		return Group{}, err
	}
	return doValue(ctx, c, call{op: "GetGroup", target: string(addr), kind: kindRead},
		func(ctx context.Context) (Group, error) { return c.d.GetGroup(ctx, addr) })
}

// ListGroups reads every group.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	return doValue(ctx, c, call{op: "ListGroups", kind: kindRead}, c.d.ListGroups)
}

// ListGroupAddresses returns the primary address of every group, sorted:
// one list call when the driver is a GroupIndexer, else from ListGroups.
func (c *Client) ListGroupAddresses(ctx context.Context) ([]Address, error) {
	return doValue(ctx, c, call{op: "ListGroupAddresses", kind: kindRead}, func(ctx context.Context) ([]Address, error) {
		if gi, ok := c.d.(GroupIndexer); ok {
			return gi.ListGroupAddresses(ctx)
		}
		gs, err := c.d.ListGroups(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Address, len(gs))
		for i, g := range gs {
			out[i] = g.PrimaryAddress
		}
		slices.Sort(out)
		return out, nil
	})
}

// SetGroupMembers replaces all members of a group, after validating the
// list and applying the external-member policy.
func (c *Client) SetGroupMembers(ctx context.Context, addr Address, members []Address) error {
	if err := addr.validateField("Group.PrimaryAddress"); err != nil {
		return err
	}
	if err := checkAddressList("Group.Members", members, MaxGroupMembers, addr); err != nil {
		return err
	}
	members = slices.Clone(members)
	if err := c.checkExternal(ctx, addressField{"Group.Members", members, true}); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetGroupMembers", target: string(addr), kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetGroupMembers(ctx, addr, members) })
	if err != nil {
		return err
	}
	return c.settle(ctx, fmt.Sprintf("members of %s", addr),
		c.groupIs(addr, func(g Group) bool { return sameAddresses(g.Members, members) }))
}

// SetGroupSenderAuthentication sets RequireSenderAuthenticationEnabled: true
// rejects external senders with 5.7.133.
func (c *Client) SetGroupSenderAuthentication(ctx context.Context, addr Address, require bool) error {
	if err := addr.validateField("Group.PrimaryAddress"); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetGroupSenderAuthentication", target: string(addr), kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetGroupSenderAuthentication(ctx, addr, require) })
	if err != nil {
		return err
	}
	return c.settle(ctx, fmt.Sprintf("sender authentication of %s", addr),
		c.groupIs(addr, func(g Group) bool { return g.RequireSenderAuthentication == require }))
}

// GrantSendAs lets trustee send as the group, after applying the
// external-member policy to the trustee.
func (c *Client) GrantSendAs(ctx context.Context, group, trustee Address) error {
	if err := checkSendAs(group, trustee); err != nil {
		return err
	}
	if err := c.checkExternal(ctx, addressField{"GrantSendAs.Trustee", []Address{trustee}, false}); err != nil {
		return err
	}
	if err := c.checkPrincipals(ctx, addressField{"GrantSendAs.Trustee", []Address{trustee}, false}); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "GrantSendAs", target: string(group) + " " + string(trustee), kind: kindWrite},
		func(ctx context.Context) error { return c.d.GrantSendAs(ctx, group, trustee) })
	if err != nil {
		return err
	}
	return c.settle(ctx, fmt.Sprintf("SendAs on %s for %s", group, trustee),
		c.groupIs(group, func(g Group) bool { return slices.Contains(g.SendAs, trustee) }))
}

// RevokeSendAs removes trustee's SendAs on the group. If the reply to an
// earlier attempt was lost and the retry gets ErrNotFound, the revoke counts
// as done.
func (c *Client) RevokeSendAs(ctx context.Context, group, trustee Address) error {
	if err := checkSendAs(group, trustee); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "RevokeSendAs", target: string(group) + " " + string(trustee), kind: kindDelete},
		func(ctx context.Context) error { return c.d.RevokeSendAs(ctx, group, trustee) })
	if err != nil {
		return err
	}
	return c.settle(ctx, fmt.Sprintf("no SendAs on %s for %s", group, trustee),
		c.groupIs(group, func(g Group) bool { return !slices.Contains(g.SendAs, trustee) }))
}

func checkSendAs(group, trustee Address) error {
	if err := group.validateField("Group.PrimaryAddress"); err != nil {
		return err
	}
	if err := trustee.validateField("SendAs.Trustee"); err != nil {
		return err
	}
	if trustee == group {
		return invalid("SendAs.Trustee", string(trustee), "an object cannot list itself")
	}
	return nil
}

// DeleteGroup deletes a group. If the reply to an earlier attempt was lost
// and the retry finds no group, the delete counts as done.
func (c *Client) DeleteGroup(ctx context.Context, addr Address) error {
	if err := addr.validateField("Group.PrimaryAddress"); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "DeleteGroup", target: string(addr), kind: kindDelete},
		func(ctx context.Context) error { return c.d.DeleteGroup(ctx, addr) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "group "+string(addr)+" deleted",
		absent(func(ctx context.Context) (Group, error) { return c.GetGroup(ctx, addr) }))
}

// SetGroupSimpleDisplayName sets (or, with "", clears) the ASCII name remote
// domains with UseSimpleDisplayName show for mail sent as the group.
func (c *Client) SetGroupSimpleDisplayName(ctx context.Context, addr Address, name string) error {
	if err := addr.validateField("Group.PrimaryAddress"); err != nil {
		return err
	}
	if err := checkSimpleDisplayName("Group.SimpleDisplayName", name); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetGroupSimpleDisplayName", target: string(addr), kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetGroupSimpleDisplayName(ctx, addr, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "simple display name of "+string(addr),
		c.groupIs(addr, func(g Group) bool { return g.SimpleDisplayName == name }))
}
