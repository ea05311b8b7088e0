package mailops

import (
	"context"
	"slices"
)

// CreateRecipient creates a mailbox or mail user after validating it. If the
// reply to an earlier attempt was lost and the retry finds an equal
// recipient, the create counts as done.
func (c *Client) CreateRecipient(ctx context.Context, r Recipient) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.ProxyAddresses = slices.Clone(r.ProxyAddresses)
	same := c.recipientIs(r.Address, func(have Recipient) bool { return recipientsMatch(have, r) })
	err := c.do(ctx, call{op: "CreateRecipient", target: string(r.Address), kind: kindCreate, readBack: same},
		func(ctx context.Context) error { return c.d.CreateRecipient(ctx, r) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "recipient "+string(r.Address)+" created", same)
}

// GetRecipient reads a recipient by primary or proxy address.
func (c *Client) GetRecipient(ctx context.Context, addr Address) (Recipient, error) {
	if err := addr.validateField("Recipient.Address"); err != nil {
		return Recipient{}, err
	}
	return doValue(ctx, c, call{op: "GetRecipient", target: string(addr), kind: kindRead},
		func(ctx context.Context) (Recipient, error) { return c.d.GetRecipient(ctx, addr) })
}

// ListRecipients reads every recipient.
func (c *Client) ListRecipients(ctx context.Context) ([]Recipient, error) {
	return doValue(ctx, c, call{op: "ListRecipients", kind: kindRead}, c.d.ListRecipients)
}

// SetSimpleDisplayName sets (or, with "", clears) a recipient's
// SimpleDisplayName, which must use only Exchange Online's ASCII set (see
// ValidateSimpleDisplayName).
func (c *Client) SetSimpleDisplayName(ctx context.Context, addr Address, name string) error {
	if err := addr.validateField("Recipient.Address"); err != nil {
		return err
	}
	if err := checkSimpleDisplayName("Recipient.SimpleDisplayName", name); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetSimpleDisplayName", target: string(addr), kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetSimpleDisplayName(ctx, addr, name) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "simple display name of "+string(addr),
		c.recipientIs(addr, func(r Recipient) bool { return r.SimpleDisplayName == name }))
}

// SetForwarding makes a mailbox's forwarding exactly f (see Forwarding); the
// zero Forwarding clears it. A mailbox cannot forward to itself.
func (c *Client) SetForwarding(ctx context.Context, addr Address, f Forwarding) error {
	if err := addr.validateField("Recipient.Address"); err != nil {
		return err
	}
	if err := f.validate("Recipient", addr); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "SetForwarding", target: string(addr), kind: kindWrite},
		func(ctx context.Context) error { return c.d.SetForwarding(ctx, addr, f) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "forwarding of "+string(addr), c.recipientIs(addr, func(r Recipient) bool {
		return r.Forwarding() == f
	}))
}

// DeleteRecipient deletes a recipient. If the reply to an earlier attempt
// was lost and the retry finds no recipient, the delete counts as done.
func (c *Client) DeleteRecipient(ctx context.Context, addr Address) error {
	if err := addr.validateField("Recipient.Address"); err != nil {
		return err
	}
	err := c.do(ctx, call{op: "DeleteRecipient", target: string(addr), kind: kindDelete},
		func(ctx context.Context) error { return c.d.DeleteRecipient(ctx, addr) })
	if err != nil {
		return err
	}
	return c.settle(ctx, "recipient "+string(addr)+" deleted",
		absent(func(ctx context.Context) (Recipient, error) { return c.GetRecipient(ctx, addr) }))
}
