package mailops

import (
	"context"
	"slices"
)

// CreateOutboundConnector creates an outbound connector after validating it.
// If the reply to an earlier attempt was lost and the retry finds an equal
// connector, the create counts as done.
func (c *Client) CreateOutboundConnector(ctx context.Context, oc OutboundConnector) error {
	if err := oc.Validate(); err != nil {
		return err
	}
	oc.RecipientDomains, oc.SmartHosts = slices.Clone(oc.RecipientDomains), slices.Clone(oc.SmartHosts)
	same := matching(c.outboundReader(oc.Name), func(have OutboundConnector) bool { return outboundEqual(have, oc) })
	err := c.do(ctx, call{op: "CreateOutboundConnector", target: oc.Name, kind: kindCreate, readBack: same},
		func(ctx context.Context) error { return c.d.CreateOutboundConnector(ctx, oc) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "outbound connector "+oc.Name+" created", same)
}

// GetOutboundConnector reads an outbound connector by name.
func (c *Client) GetOutboundConnector(ctx context.Context, name string) (OutboundConnector, error) {
	if err := checkName("OutboundConnector.Name", name, MaxNameLen, true); err != nil {
		return OutboundConnector{}, err
	}
	return doValue(ctx, c, call{op: "GetOutboundConnector", target: name, kind: kindRead},
		func(ctx context.Context) (OutboundConnector, error) { return c.d.GetOutboundConnector(ctx, name) })
}

func (c *Client) outboundReader(name string) func(context.Context) (OutboundConnector, error) {
	return func(ctx context.Context) (OutboundConnector, error) { return c.GetOutboundConnector(ctx, name) }
}

// ListOutboundConnectors reads every outbound connector.
func (c *Client) ListOutboundConnectors(ctx context.Context) ([]OutboundConnector, error) {
	return doValue(ctx, c, call{op: "ListOutboundConnectors", kind: kindRead}, c.d.ListOutboundConnectors)
}

// UpdateOutboundConnector replaces the settings of the named connector.
func (c *Client) UpdateOutboundConnector(ctx context.Context, oc OutboundConnector) error {
	if err := oc.Validate(); err != nil {
		return err
	}
	oc.RecipientDomains, oc.SmartHosts = slices.Clone(oc.RecipientDomains), slices.Clone(oc.SmartHosts)
	err := c.do(ctx, call{op: "UpdateOutboundConnector", target: oc.Name, kind: kindWrite},
		func(ctx context.Context) error { return c.d.UpdateOutboundConnector(ctx, oc) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "outbound connector "+oc.Name+" updated",
		matching(c.outboundReader(oc.Name), func(have OutboundConnector) bool { return outboundEqual(have, oc) }))
}

// DeleteOutboundConnector deletes an outbound connector. If the reply to an
// earlier attempt was lost and the retry finds none, the delete counts as
// done.
func (c *Client) DeleteOutboundConnector(ctx context.Context, name string) error {
	if err := checkName("OutboundConnector.Name", name, MaxNameLen, true); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "DeleteOutboundConnector", target: name, kind: kindDelete},
		func(ctx context.Context) error { return c.d.DeleteOutboundConnector(ctx, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "outbound connector "+name+" deleted", absent(c.outboundReader(name)))
}

// CreateInboundConnector creates an inbound connector after validating it.
// If the reply to an earlier attempt was lost and the retry finds an equal
// connector, the create counts as done.
func (c *Client) CreateInboundConnector(ctx context.Context, ic InboundConnector) error {
	if err := ic.Validate(); err != nil {
		return err
	}
	ic.SenderDomains, ic.SenderIPAddresses = slices.Clone(ic.SenderDomains), slices.Clone(ic.SenderIPAddresses)
	same := matching(c.inboundReader(ic.Name), func(have InboundConnector) bool { return inboundEqual(have, ic) })
	err := c.do(ctx, call{op: "CreateInboundConnector", target: ic.Name, kind: kindCreate, readBack: same},
		func(ctx context.Context) error { return c.d.CreateInboundConnector(ctx, ic) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "inbound connector "+ic.Name+" created", same)
}

// GetInboundConnector reads an inbound connector by name.
func (c *Client) GetInboundConnector(ctx context.Context, name string) (InboundConnector, error) {
	if err := checkName("InboundConnector.Name", name, MaxNameLen, true); err != nil {
		return InboundConnector{}, err
	}
	return doValue(ctx, c, call{op: "GetInboundConnector", target: name, kind: kindRead},
		func(ctx context.Context) (InboundConnector, error) { return c.d.GetInboundConnector(ctx, name) })
}

func (c *Client) inboundReader(name string) func(context.Context) (InboundConnector, error) {
	return func(ctx context.Context) (InboundConnector, error) { return c.GetInboundConnector(ctx, name) }
}

// ListInboundConnectors reads every inbound connector.
func (c *Client) ListInboundConnectors(ctx context.Context) ([]InboundConnector, error) {
	return doValue(ctx, c, call{op: "ListInboundConnectors", kind: kindRead}, c.d.ListInboundConnectors)
}

// DeleteInboundConnector deletes an inbound connector. If the reply to an
// earlier attempt was lost and the retry finds none, the delete counts as
// done.
func (c *Client) DeleteInboundConnector(ctx context.Context, name string) error {
	if err := checkName("InboundConnector.Name", name, MaxNameLen, true); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "DeleteInboundConnector", target: name, kind: kindDelete},
		func(ctx context.Context) error { return c.d.DeleteInboundConnector(ctx, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "inbound connector "+name+" deleted", absent(c.inboundReader(name)))
}
