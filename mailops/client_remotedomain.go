package mailops

import "context"

// CreateRemoteDomain creates a remote domain after validating it. If the
// reply to an earlier attempt was lost and the retry finds an equal remote
// domain, the create counts as done.
func (c *Client) CreateRemoteDomain(ctx context.Context, r RemoteDomain) error {
	if err := r.Validate(); err != nil {
		return err
	}
	same := c.remoteIs(r)
	err := c.do(ctx, call{op: "CreateRemoteDomain", target: r.Name, kind: kindCreate, readBack: same},
		func(ctx context.Context) error { return c.d.CreateRemoteDomain(ctx, r) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "remote domain "+r.Name+" created", same)
}

// GetRemoteDomain reads a remote domain by name.
func (c *Client) GetRemoteDomain(ctx context.Context, name string) (RemoteDomain, error) {
	if err := checkName("RemoteDomain.Name", name, MaxNameLen, true); err != nil {
		return RemoteDomain{}, err
	}
	return doValue(ctx, c, call{op: "GetRemoteDomain", target: name, kind: kindRead},
		func(ctx context.Context) (RemoteDomain, error) { return c.d.GetRemoteDomain(ctx, name) })
}

// remoteIs waits for a read that matches r (an unset AutoForwardEnabled
// matches any value).
func (c *Client) remoteIs(r RemoteDomain) func(context.Context) (bool, error) {
	read := c.remoteReader(r.Name)
	return func(ctx context.Context) (bool, error) {
		have, err := read(ctx)
		if err != nil {
			return false, err
		}
		return remoteDomainsMatch(have, r), nil
	}
}

func (c *Client) remoteReader(name string) func(context.Context) (RemoteDomain, error) {
	return func(ctx context.Context) (RemoteDomain, error) { return c.GetRemoteDomain(ctx, name) }
}

// ListRemoteDomains reads every remote domain.
func (c *Client) ListRemoteDomains(ctx context.Context) ([]RemoteDomain, error) {
	return doValue(ctx, c, call{op: "ListRemoteDomains", kind: kindRead}, c.d.ListRemoteDomains)
}

// SetRemoteDomain replaces the settings of an existing remote domain.
func (c *Client) SetRemoteDomain(ctx context.Context, r RemoteDomain) error {
	if err := r.Validate(); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetRemoteDomain", target: r.Name, kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetRemoteDomain(ctx, r) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "remote domain "+r.Name+" updated", c.remoteIs(r))
}

// DeleteRemoteDomain deletes a remote domain (the Default one cannot be
// deleted). If the reply to an earlier attempt was lost and the retry finds
// none, the delete counts as done.
func (c *Client) DeleteRemoteDomain(ctx context.Context, name string) error {
	if err := checkName("RemoteDomain.Name", name, MaxNameLen, true); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "DeleteRemoteDomain", target: name, kind: kindDelete},
		func(ctx context.Context) error { return c.d.DeleteRemoteDomain(ctx, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "remote domain "+name+" deleted", absent(c.remoteReader(name)))
}
