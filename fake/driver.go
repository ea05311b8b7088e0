package fake

import (
	"context"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// driver is one admin's view of a tenant: mailops.Driver.
type driver struct {
	t     *Tenant
	admin string
}

var _ mailops.Driver = (*driver)(nil)

// read runs a read call: fn sees the snapshot time an admin read gets.
func (d *driver) read(ctx context.Context, op, target string, fn func(at time.Time) error) error {
	return d.t.call(ctx, d.admin, op, target, func(now time.Time) error { return fn(d.t.readTime(now)) })
}

// getOne reads one object from a store at the snapshot time.
func getOne[K ~string, T any](d *driver, ctx context.Context, op, kind string, s *store[K, T], k K, clone func(T) T) (T, error) {
	var out T
	err := d.read(ctx, op, string(k), func(at time.Time) error {
		v, ok := s.get(k).asOf(at)
		if !ok {
			return wrapf(mailops.ErrNotFound, "%s %s", kind, k)
		}
		out = clone(v)
		return nil
	})
	return out, err
}

// listAll reads every object of a store at the snapshot time, sorted by key.
func listAll[K ~string, T any](d *driver, ctx context.Context, op string, s *store[K, T], clone func(T) T) ([]T, error) {
	var out []T
	err := d.read(ctx, op, "", func(at time.Time) error {
		s.each(func(h *history[T]) (T, bool) { return h.asOf(at) }, func(_ K, v T) { out = append(out, clone(v)) })
		return nil
	})
	return out, err
}
