package mailopstest

import (
	"context"
	"errors"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/mailops"
)

// failureCases check that a call that fails is never reported as absence:
// a read with a cancelled context fails, and not with ErrNotFound (nor a
// list with an empty result).
var failureCases = []testCase{
	{"Failure/CancelledReadIsNotNotFound", func(f *fixture) {
		dom, ps := f.people("alice", "admin")
		g := group(dom, "sales", ps[:1], ps[1:])
		f.createGroup(g)
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		gets := map[string]error{}
		_, gets["GetDomain"] = f.d.GetDomain(ctx, dom)
		_, gets["GetRecipient"] = f.d.GetRecipient(ctx, ps[0])
		_, gets["GetGroup"] = f.d.GetGroup(ctx, g.PrimaryAddress)
		_, gets["GetOutboundConnector"] = f.d.GetOutboundConnector(ctx, "To "+dom)
		_, gets["GetInboundConnector"] = f.d.GetInboundConnector(ctx, "From "+dom)
		_, gets["GetRemoteDomain"] = f.d.GetRemoteDomain(ctx, mailops.DefaultRemoteDomain)
		for op, err := range gets {
			assert.Error(f.t, err, "%s with a cancelled context", op)
			assert.NotErrorIs(f.t, err, mailops.ErrNotFound, "%s: a failure is not absence", op)
			assert.ErrorIs(f.t, err, context.Canceled, "%s: the cause is kept", op)
		}
	}},
	{"Failure/CancelledListIsNotEmpty", func(f *fixture) {
		f.verifiedDomain()
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		lists := map[string]func() (int, error){
			"ListDomains":            func() (int, error) { l, err := f.d.ListDomains(ctx); return len(l), err },
			"ListRecipients":         func() (int, error) { l, err := f.d.ListRecipients(ctx); return len(l), err },
			"ListGroups":             func() (int, error) { l, err := f.d.ListGroups(ctx); return len(l), err },
			"ListOutboundConnectors": func() (int, error) { l, err := f.d.ListOutboundConnectors(ctx); return len(l), err },
			"ListInboundConnectors":  func() (int, error) { l, err := f.d.ListInboundConnectors(ctx); return len(l), err },
			"ListRemoteDomains":      func() (int, error) { l, err := f.d.ListRemoteDomains(ctx); return len(l), err },
		}
		for op, list := range lists {
			n, err := list()
			assert.Error(f.t, err, "%s with a cancelled context must fail, not answer %d objects", op, n)
			assert.True(f.t, errors.Is(err, context.Canceled), "%s: the cause is kept: %v", op, err)
		}
	}},
	{"Failure/CancelledWriteAppliesNothing", func(f *fixture) {
		dom := f.verifiedDomain()
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		r := mailbox(addr("late", dom))
		err := f.d.CreateRecipient(ctx, r)
		assert.ErrorIs(f.t, err, context.Canceled)
		assert.NotErrorIs(f.t, err, mailops.ErrExists)
		f.afterSettle("a write cancelled before it was sent applied nothing", func(c *check) {
			_, err := f.d.GetRecipient(f.ctx, r.Address)
			assert.ErrorIs(c, err, mailops.ErrNotFound)
		})
	}},
}
