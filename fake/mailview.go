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

type mailView struct {
	t  *Tenant
	at time.Time
}

func (v mailView) AcceptedDomain(name string) (mailops.Domain, bool) {
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	d, ok := v.t.domains.get(name).mail(v.at)
	if !ok || !d.Verified || !d.Accepted() {
		return mailops.Domain{}, false
	}
	return cloneDomain(d), true
}

func (v mailView) AcceptedDomains() []mailops.Domain {
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	var out []mailops.Domain
	v.t.domains.each(func(h *history[mailops.Domain]) (mailops.Domain, bool) { return h.mail(v.at) }, func(_ string, d mailops.Domain) {
		if d.Verified && d.Accepted() {
			out = append(out, cloneDomain(d))
		}
	})
	return out
}

func (v mailView) Recipient(a mailops.Address) (mailops.Recipient, bool) {
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	r, ok := v.t.findRecipient(a, func(h *history[mailops.Recipient]) (mailops.Recipient, bool) { return h.mail(v.at) })
	if !ok {
		return mailops.Recipient{}, false
	}
	return cloneRecipient(r), true
}

func (v mailView) Group(a mailops.Address) (mailops.Group, bool) {
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	g, ok := v.t.groups.get(a).mail(v.at)
	if !ok {
		return mailops.Group{}, false
	}
	return cloneGroup(g), true
}

func mailList[K ~string, T any](v mailView, s *store[K, T], clone func(T) T) []T {
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	var out []T
	s.each(func(h *history[T]) (T, bool) { return h.mail(v.at) }, func(_ K, x T) { out = append(out, clone(x)) })
	return out
}

func (v mailView) OutboundConnectors() []mailops.OutboundConnector {
	return mailList(v, v.t.outbound, cloneOutbound)
}

func (v mailView) InboundConnectors() []mailops.InboundConnector {
	return mailList(v, v.t.inbound, cloneInbound)
}

func (v mailView) RemoteDomains() []mailops.RemoteDomain {
	return mailList(v, v.t.remote, cloneRemote)
}

func (v mailView) OutboundSpamPolicy() mailops.OutboundSpamPolicy {
	v.t.mu.Lock()
	defer v.t.mu.Unlock()
	p, ok := v.t.spam.get(mailops.DefaultOutboundSpamPolicy).mail(v.at)
	if !ok {
		return mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardAutomatic}
	}
	return p
}
