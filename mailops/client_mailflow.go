package mailops

import (
	"context"
	"fmt"
)

// GetOutboundSpamPolicy reads a hosted outbound spam filter policy.
func (c *Client) GetOutboundSpamPolicy(ctx context.Context, name string) (OutboundSpamPolicy, error) {
	if err := checkName("OutboundSpamPolicy.Name", name, MaxNameLen, true); err != nil {
		return OutboundSpamPolicy{}, err
	}
	return doValue(ctx, c, call{op: "GetOutboundSpamPolicy", target: name, kind: kindRead},
		func(ctx context.Context) (OutboundSpamPolicy, error) { return c.d.GetOutboundSpamPolicy(ctx, name) })
}

// SetOutboundSpamPolicy sets a policy's automatic forwarding mode.
func (c *Client) SetOutboundSpamPolicy(ctx context.Context, p OutboundSpamPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetOutboundSpamPolicy", target: p.Name, kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetOutboundSpamPolicy(ctx, p) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "outbound spam policy "+p.Name, equalTo(func(ctx context.Context) (OutboundSpamPolicy, error) {
		return c.GetOutboundSpamPolicy(ctx, p.Name)
	}, p))
}

// GetDkimSigningConfig reads a domain's DKIM signing configuration.
func (c *Client) GetDkimSigningConfig(ctx context.Context, domain string) (DkimSigningConfig, error) {
	if err := checkDomainName("DkimSigningConfig.Domain", domain); err != nil {
		return DkimSigningConfig{}, err
	}
	return doValue(ctx, c, call{op: "GetDkimSigningConfig", target: domain, kind: kindRead},
		func(ctx context.Context) (DkimSigningConfig, error) { return c.d.GetDkimSigningConfig(ctx, domain) })
}

func (c *Client) dkimIs(domain string, pred func(DkimSigningConfig) bool) func(context.Context) (bool, error) {
	return matching(func(ctx context.Context) (DkimSigningConfig, error) { return c.GetDkimSigningConfig(ctx, domain) }, pred)
}

// CreateDkimSigningConfig is New-DkimSigningConfig. If the reply to an
// earlier attempt was lost and the retry finds a configuration, the create
// counts as done.
func (c *Client) CreateDkimSigningConfig(ctx context.Context, domain string, enabled bool) error {
	if err := checkDomainName("DkimSigningConfig.Domain", domain); err != nil {
		return err
	}
	exists := c.dkimIs(domain, func(DkimSigningConfig) bool { return true })
	err := c.do(ctx, call{op: "CreateDkimSigningConfig", target: domain, kind: kindCreate, readBack: exists},
		func(ctx context.Context) error { return c.d.CreateDkimSigningConfig(ctx, domain, enabled) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "DKIM signing configuration of "+domain, exists)
}

// SetDkimSigning is Set-DkimSigningConfig -Enabled.
func (c *Client) SetDkimSigning(ctx context.Context, domain string, enabled bool) error {
	if err := checkDomainName("DkimSigningConfig.Domain", domain); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetDkimSigning", target: domain, kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetDkimSigning(ctx, domain, enabled) })
	if err != nil {
		return err
	}
	return c.settle(ctx, fmt.Sprintf("DKIM signing of %s enabled %t", domain, enabled),
		c.dkimIs(domain, func(d DkimSigningConfig) bool { return d.Enabled == enabled }))
}

// MessageTrace reads message trace rows (Get-MessageTraceV2).
func (c *Client) MessageTrace(ctx context.Context, q TraceQuery) ([]TraceEntry, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return doValue(ctx, c, call{op: "MessageTrace", kind: kindRead},
		func(ctx context.Context) ([]TraceEntry, error) { return c.d.MessageTrace(ctx, q) })
}
