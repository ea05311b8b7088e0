package delegate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

func toAddresses(ss []string) []mailops.Address {
	out := make([]mailops.Address, len(ss))
	for i, s := range ss {
		out[i] = mailops.Address(s)
	}
	return out
}

func (a *API) accepted(r Request) *acceptedOut {
	return &acceptedOut{Location: "/v1/requests/" + r.ID, Body: a.svc.Config.view(r)}
}

func (a *API) submit(ctx context.Context, key string, r Request) (*acceptedOut, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, problemOf(err)
	}
	r.IdempotencyKey = key
	got, existing, err := a.svc.Submit(ctx, actor, r)
	if err != nil {
		return nil, problemOf(err)
	}
	if existing && (got.Kind != r.Kind || got.Domain != r.Domain || got.Local != r.Local) {
		return nil, problemOf(fmt.Errorf("%w: Idempotency-Key %q was used for request %s", ErrConflict, key, got.ID))
	}
	return a.accepted(got), nil
}

// readable checks that actor may read domain's table.
func readable(ctx context.Context, domain string) error {
	actor, err := actorOf(ctx)
	if err != nil {
		return err
	}
	return Allow(actor, ActRead, Request{Domain: domain})
}

func (a *API) listAddresses(ctx context.Context, in *domainIn) (*listOut, error) {
	if err := readable(ctx, in.Domain); err != nil {
		return nil, problemOf(err)
	}
	dc, ok := a.svc.Config.Domain(in.Domain)
	if !ok {
		return nil, problemOf(fmt.Errorf("delegate: domain %s: %w", in.Domain, mailops.ErrNotFound))
	}
	gs, err := a.book.ListGroups(ctx)
	if err != nil {
		return nil, problemOf(err)
	}
	out := []AddressView{}
	for _, g := range gs {
		if g.PrimaryAddress.Domain() == in.Domain && g.PrimaryAddress != dc.AdminGroup {
			out = append(out, addressView(g))
		}
	}
	slices.SortFunc(out, func(x, y AddressView) int { return cmpString(x.Local, y.Local) })
	return &listOut{Body: out}, nil
}

func cmpString(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (a *API) readAddress(ctx context.Context, domain, local string) (mailops.Group, error) {
	if err := readable(ctx, domain); err != nil {
		return mailops.Group{}, err
	}
	addr, err := mailops.ParseAddress(local + "@" + domain)
	if err != nil {
		return mailops.Group{}, err
	}
	return a.book.GetGroup(ctx, addr)
}

func (a *API) getAddress(ctx context.Context, in *addressIn) (*addressOut, error) {
	g, err := a.readAddress(ctx, in.Domain, in.Local)
	if err != nil {
		return nil, problemOf(err)
	}
	v := addressView(g)
	return &addressOut{ETag: v.ETag, Body: v}, nil
}

func (a *API) replaceTargets(ctx context.Context, in *targetsIn) (*acceptedOut, error) {
	g, err := a.readAddress(ctx, in.Domain, in.Local)
	if err != nil {
		return nil, problemOf(err)
	}
	if in.IfMatch != "" && in.IfMatch != "*" && in.IfMatch != etag(g.Members) {
		return nil, problemOf(fmt.Errorf("%w: If-Match %s, the targets are now %s", ErrPrecondition, in.IfMatch, etag(g.Members)))
	}
	return a.submit(ctx, in.Key, Request{Kind: ReplaceTargets, Domain: in.Domain, Local: in.Local,
		Targets: toAddresses(in.Body.Targets), From: g.Members})
}

// decide approves, rejects or cancels. Repeating a decision already taken by
// the same actor answers as the first time did.
func (a *API) decide(ctx context.Context, id string, act Action, reason string) (*acceptedOut, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, problemOf(err)
	}
	var r Request
	switch act {
	case ActApprove:
		r, err = a.svc.Approve(ctx, actor, id)
	case ActReject:
		r, err = a.svc.Reject(ctx, actor, id, reason)
	default:
		r, err = a.svc.Cancel(ctx, actor, id)
	}
	if errors.Is(err, ErrTransition) {
		if cur, gerr := a.svc.Get(ctx, actor, id); gerr == nil && repeated(cur, actor, act) {
			return a.accepted(cur), nil
		}
	}
	if err != nil {
		return nil, problemOf(err)
	}
	return a.accepted(r), nil
}

// repeated reports whether r already shows actor's decision act.
func repeated(r Request, actor Actor, act Action) bool {
	switch act {
	case ActApprove:
		return r.DecidedBy == actor.Subject && r.State != Rejected && r.State != Cancelled && r.NeedsApproval
	case ActReject:
		return r.DecidedBy == actor.Subject && r.State == Rejected
	}
	return r.State == Cancelled
}

// AuditPage is a page of the audit log.
type AuditPage struct {
	// Entries are the page's entries about requests of the caller's
	// domains, with their hashes (entries of other domains are left out,
	// so a page can have gaps in Seq).
	Entries []Entry `json:"entries"`
	// Next is the After of the next page; equal to the request's After at
	// the end of the log.
	Next int64 `json:"next"`
}

func (a *API) exportAudit(ctx context.Context, in *auditIn) (*auditOut, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, problemOf(err)
	}
	if !actor.Approver {
		return nil, problemOf(Allow(actor, ActAudit, Request{}))
	}
	es, err := a.svc.Store.Audit(ctx, in.After, in.Limit)
	if err != nil {
		return nil, problemOf(err)
	}
	page := AuditPage{Entries: []Entry{}, Next: in.After}
	domains := map[string]string{}
	for _, e := range es {
		page.Next = e.Seq
		d, ok := domains[e.RequestID]
		if dom, drift := strings.CutPrefix(e.RequestID, driftID("")); drift {
			d, ok = dom, true
		}
		if !ok {
			r, err := a.svc.Store.Get(ctx, e.RequestID)
			if err != nil {
				return nil, problemOf(err)
			}
			d, domains[e.RequestID] = r.Domain, r.Domain
		}
		if Allow(actor, ActAudit, Request{Domain: d}) == nil {
			page.Entries = append(page.Entries, e)
		}
	}
	return &auditOut{Body: page}, nil
}
