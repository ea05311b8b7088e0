package fake

import (
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// MailView is a tenant's configuration as mail flow sees it at one instant:
// only changes that have propagated (see TenantConfig.Propagation), deletions
// included: a deleted connector keeps routing, and a deleted recipient keeps
// receiving, until the deletion has propagated. Values are copies.
type MailView interface {
	// AcceptedDomain returns a verified domain of the tenant.
	AcceptedDomain(name string) (mailops.Domain, bool)
	// AcceptedDomains returns the verified domains, sorted by name.
	AcceptedDomains() []mailops.Domain
	// Recipient looks up a recipient by its primary or a proxy address.
	Recipient(addr mailops.Address) (mailops.Recipient, bool)
	// Group looks up a group by its primary address.
	Group(addr mailops.Address) (mailops.Group, bool)
	// OutboundConnectors, InboundConnectors and RemoteDomains list what
	// mail flow uses, sorted by name (RemoteDomains always has Default).
	OutboundConnectors() []mailops.OutboundConnector
	InboundConnectors() []mailops.InboundConnector
	RemoteDomains() []mailops.RemoteDomain
	// OutboundSpamPolicy is the Default outbound spam filter policy: its
	// AutoForwardingMode decides external automatic forwarding (5.7.520).
	OutboundSpamPolicy() mailops.OutboundSpamPolicy
}

// MailView returns what mail flow sees now. The view reads the tenant under
// its lock on every call; values returned are copies.
func (t *Tenant) MailView() MailView { return mailView{t: t, at: t.clk.Now()} }

// MailViewAt returns what mail flow sees at time at.
func (t *Tenant) MailViewAt(at time.Time) MailView { return mailView{t: t, at: at} }

// ReadOnlyMailView is MailView without the copies, for fake/mailflow's hot
// path, which asks the tenant several questions at every hop and only reads
// the answers. The values it returns share the tenant's stored versions: the
// tenant never changes a version once written (every write stores a new one),
// so they stay valid, but the caller must treat them as read-only and never
// modify a returned value's slices. It answers at the tenant clock's time of
// each call. Everything else should use MailView.
func (t *Tenant) ReadOnlyMailView() MailView { return readOnlyView{t} }

// MailPart names a part of a tenant's mail view whose answers change
// together, for MailSettled.
type MailPart int

const (
	// MailRecipients is what Recipient answers.
	MailRecipients MailPart = iota
	// MailGroups is what Group answers.
	MailGroups
	// MailDomains is what AcceptedDomain and AcceptedDomains answer.
	MailDomains
	// MailRouting is the connector and remote-domain lists and the outbound
	// spam policy.
	MailRouting
	mailParts
)

// MailSettled reports the epoch of a part of the tenant's mail view, a count
// that every write to that part moves, and whether every write to it so far
// is visible to mail flow at time at. While the epoch stays the same, that
// part of the mail view answers the same at every time at which settled is
// true: a caller on the mail-flow hot path (fake/mailflow) may keep the
// answers it read at such a time until the epoch moves. It takes no lock and
// is safe from any goroutine.
func (t *Tenant) MailSettled(p MailPart, at time.Time) (epoch uint64, settled bool) {
	e := &t.epochs[p]
	epoch = e.gen.Load()
	return epoch, at.UnixNano() >= e.settled.Load()
}

// MailEpoch is MailSettled's epoch alone.
func (t *Tenant) MailEpoch(p MailPart) uint64 { return t.epochs[p].gen.Load() }

type mailView struct {
	t  *Tenant
	at time.Time
}

func (v mailView) AcceptedDomain(name string) (mailops.Domain, bool) {
	return acceptedDomain(v.t, v.at, name, cloneDomain)
}

func (v mailView) AcceptedDomains() []mailops.Domain { return acceptedDomains(v.t, v.at, cloneDomain) }

func (v mailView) Recipient(a mailops.Address) (mailops.Recipient, bool) {
	return recipient(v.t, v.at, a, cloneRecipient)
}

func (v mailView) Group(a mailops.Address) (mailops.Group, bool) {
	return group(v.t, v.at, a, cloneGroup)
}

func (v mailView) OutboundConnectors() []mailops.OutboundConnector {
	return mailList(v.t, v.at, v.t.outbound, cloneOutbound)
}

func (v mailView) InboundConnectors() []mailops.InboundConnector {
	return mailList(v.t, v.at, v.t.inbound, cloneInbound)
}

func (v mailView) RemoteDomains() []mailops.RemoteDomain {
	return mailList(v.t, v.at, v.t.remote, cloneRemote)
}

func (v mailView) OutboundSpamPolicy() mailops.OutboundSpamPolicy { return spamPolicy(v.t, v.at) }

// readOnlyView is ReadOnlyMailView: no copies, the clock read at each call.
// (One pointer: making a MailView of it allocates nothing.)
type readOnlyView struct{ t *Tenant }

func same[T any](x T) T { return x }

func (v readOnlyView) AcceptedDomain(name string) (mailops.Domain, bool) {
	return acceptedDomain(v.t, v.t.clk.Now(), name, same[mailops.Domain])
}

func (v readOnlyView) AcceptedDomains() []mailops.Domain {
	return acceptedDomains(v.t, v.t.clk.Now(), same[mailops.Domain])
}

func (v readOnlyView) Recipient(a mailops.Address) (mailops.Recipient, bool) {
	return recipient(v.t, v.t.clk.Now(), a, same[mailops.Recipient])
}

func (v readOnlyView) Group(a mailops.Address) (mailops.Group, bool) {
	return group(v.t, v.t.clk.Now(), a, same[mailops.Group])
}

func (v readOnlyView) OutboundConnectors() []mailops.OutboundConnector {
	return sharedMailList(v.t, v.t.clk.Now(), v.t.outbound)
}

func (v readOnlyView) InboundConnectors() []mailops.InboundConnector {
	return sharedMailList(v.t, v.t.clk.Now(), v.t.inbound)
}

func (v readOnlyView) RemoteDomains() []mailops.RemoteDomain {
	return sharedMailList(v.t, v.t.clk.Now(), v.t.remote)
}

func (v readOnlyView) OutboundSpamPolicy() mailops.OutboundSpamPolicy {
	return spamPolicy(v.t, v.t.clk.Now())
}

func acceptedDomain(t *Tenant, at time.Time, name string, clone func(mailops.Domain) mailops.Domain) (mailops.Domain, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.domains.get(name).mailVersion(at)
	if v == nil || v.deleted || !v.val.Verified || !v.val.Accepted() {
		return mailops.Domain{}, false
	}
	return clone(v.val), true
}

func acceptedDomains(t *Tenant, at time.Time, clone func(mailops.Domain) mailops.Domain) []mailops.Domain {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []mailops.Domain
	t.domains.each(func(h *history[mailops.Domain]) (mailops.Domain, bool) { return h.mail(at) }, func(_ string, d mailops.Domain) {
		if d.Verified && d.Accepted() {
			out = append(out, clone(d))
		}
	})
	return out
}

func recipient(t *Tenant, at time.Time, a mailops.Address, clone func(mailops.Recipient) mailops.Recipient) (mailops.Recipient, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.findMailRecipient(a, at)
	if r == nil {
		return mailops.Recipient{}, false
	}
	return clone(*r), true
}

func group(t *Tenant, at time.Time, a mailops.Address, clone func(mailops.Group) mailops.Group) (mailops.Group, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.groups.get(a).mailVersion(at)
	if v == nil || v.deleted {
		return mailops.Group{}, false
	}
	return clone(v.val), true
}

func mailList[K ~string, T any](t *Tenant, at time.Time, s *store[K, T], clone func(T) T) []T {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []T
	s.each(func(h *history[T]) (T, bool) { return h.mail(at) }, func(_ K, x T) { out = append(out, clone(x)) })
	return out
}

// sharedMailList is mailList without copies, for the read-only view: the
// store's cached list (store.viewList).
func sharedMailList[K ~string, T any](t *Tenant, at time.Time, s *store[K, T]) []T {
	t.mu.Lock()
	defer t.mu.Unlock()
	return s.viewList(at)
}

func spamPolicy(t *Tenant, at time.Time) mailops.OutboundSpamPolicy {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.spam.get(mailops.DefaultOutboundSpamPolicy).mail(at)
	if !ok {
		return mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardAutomatic}
	}
	return p
}
