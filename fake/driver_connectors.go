package fake

import (
	"context"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// put writes a new version of a named object after validating it. create
// says whether the name must be new (ErrExists) or must exist (ErrNotFound).
func putNamed[T any](d *driver, ctx context.Context, op, kind string, s *store[string, T], name string, val T, validate func() error, create bool, prop func(TenantConfig) Dist, clone func(T) T) error {
	return d.t.call(ctx, d.admin, op, name, func(now time.Time) error {
		t := d.t
		if err := validate(); err != nil {
			return err
		}
		_, live := s.get(name).latest()
		switch {
		case create && live:
			return wrapf(mailops.ErrExists, "%s %q", kind, name)
		case !create && !live:
			return wrapf(mailops.ErrNotFound, "%s %q", kind, name)
		}
		s.put(name, newVersion(t, now, prop(t.cfg), clone(val), false))
		return nil
	})
}

func deleteNamed[T any](d *driver, ctx context.Context, op, kind string, s *store[string, T], name string, prop func(TenantConfig) Dist) error {
	return d.t.call(ctx, d.admin, op, name, func(now time.Time) error {
		t := d.t
		v, live := s.get(name).latest()
		if !live {
			return wrapf(mailops.ErrNotFound, "%s %q", kind, name)
		}
		s.put(name, newVersion(t, now, prop(t.cfg), v, true))
		return nil
	})
}

func connectorProp(c TenantConfig) Dist { return c.Propagation.Connector }

func (d *driver) CreateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	return putNamed(d, ctx, "CreateOutboundConnector", "outbound connector", d.t.outbound, c.Name, c, c.Validate, true, connectorProp, cloneOutbound)
}

func (d *driver) GetOutboundConnector(ctx context.Context, name string) (mailops.OutboundConnector, error) {
	return getOne(d, ctx, "GetOutboundConnector", "outbound connector", d.t.outbound, name, cloneOutbound)
}

func (d *driver) ListOutboundConnectors(ctx context.Context) ([]mailops.OutboundConnector, error) {
	return listAll(d, ctx, "ListOutboundConnectors", d.t.outbound, cloneOutbound)
}

func (d *driver) UpdateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	return putNamed(d, ctx, "UpdateOutboundConnector", "outbound connector", d.t.outbound, c.Name, c, c.Validate, false, connectorProp, cloneOutbound)
}

func (d *driver) DeleteOutboundConnector(ctx context.Context, name string) error {
	return deleteNamed(d, ctx, "DeleteOutboundConnector", "outbound connector", d.t.outbound, name, connectorProp)
}

func (d *driver) CreateInboundConnector(ctx context.Context, c mailops.InboundConnector) error {
	return putNamed(d, ctx, "CreateInboundConnector", "inbound connector", d.t.inbound, c.Name, c, c.Validate, true, connectorProp, cloneInbound)
}

func (d *driver) GetInboundConnector(ctx context.Context, name string) (mailops.InboundConnector, error) {
	return getOne(d, ctx, "GetInboundConnector", "inbound connector", d.t.inbound, name, cloneInbound)
}

func (d *driver) ListInboundConnectors(ctx context.Context) ([]mailops.InboundConnector, error) {
	return listAll(d, ctx, "ListInboundConnectors", d.t.inbound, cloneInbound)
}

func (d *driver) DeleteInboundConnector(ctx context.Context, name string) error {
	return deleteNamed(d, ctx, "DeleteInboundConnector", "inbound connector", d.t.inbound, name, connectorProp)
}

func remoteProp(c TenantConfig) Dist { return c.Propagation.RemoteDomain }

func (d *driver) CreateRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	validate := func() error {
		if err := r.Validate(); err != nil {
			return err
		}
		var dup string
		d.t.remote.each(func(h *history[mailops.RemoteDomain]) (mailops.RemoteDomain, bool) { return h.latest() }, func(n string, o mailops.RemoteDomain) {
			if o.DomainName == r.DomainName && dup == "" {
				dup = n
			}
		})
		if dup != "" {
			return wrapf(mailops.ErrExists, "remote domain %q already covers %s", dup, r.DomainName)
		}
		return nil
	}
	if r.AutoForwardEnabled == nil {
		r.AutoForwardEnabled = mailops.BoolPtr(true) // the default for new remote domains
	}
	return putNamed(d, ctx, "CreateRemoteDomain", "remote domain", d.t.remote, r.Name, r, validate, true, remoteProp, cloneRemote)
}

func (d *driver) GetRemoteDomain(ctx context.Context, name string) (mailops.RemoteDomain, error) {
	return getOne(d, ctx, "GetRemoteDomain", "remote domain", d.t.remote, name, cloneRemote)
}

func (d *driver) ListRemoteDomains(ctx context.Context) ([]mailops.RemoteDomain, error) {
	return listAll(d, ctx, "ListRemoteDomains", d.t.remote, cloneRemote)
}

// SetRemoteDomain replaces the settings; an unset AutoForwardEnabled keeps
// the current value (Set-RemoteDomain changes only the parameters given).
func (d *driver) SetRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	return d.t.call(ctx, d.admin, "SetRemoteDomain", r.Name, func(now time.Time) error {
		t := d.t
		if err := r.Validate(); err != nil {
			return err
		}
		cur, ok := t.remote.get(r.Name).latest()
		if !ok {
			return wrapf(mailops.ErrNotFound, "remote domain %q", r.Name)
		}
		if cur.DomainName != r.DomainName {
			return &mailops.ValidationError{Field: "RemoteDomain.DomainName", Value: r.DomainName, Reason: "the domain of a remote domain cannot change (it is " + cur.DomainName + ")"}
		}
		if r.AutoForwardEnabled == nil {
			r.AutoForwardEnabled = cur.AutoForwardEnabled
		}
		t.remote.put(r.Name, newVersion(t, now, remoteProp(t.cfg), cloneRemote(r), false))
		return nil
	})
}

func (d *driver) DeleteRemoteDomain(ctx context.Context, name string) error {
	if name == mailops.DefaultRemoteDomain {
		return d.t.call(ctx, d.admin, "DeleteRemoteDomain", name, func(time.Time) error {
			return wrapf(mailops.ErrForbidden, "the Default remote domain cannot be removed")
		})
	}
	return deleteNamed(d, ctx, "DeleteRemoteDomain", "remote domain", d.t.remote, name, remoteProp)
}
