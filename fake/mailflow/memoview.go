package mailflow

import (
	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

// memoView is a tenant's read-only mail view (fake.Tenant.ReadOnlyMailView)
// that remembers the answers of the hot path's lookups (recipients, groups,
// accepted domains, the connector and remote-domain lists, the outbound spam
// policy) while they cannot change: for each part of the view
// (fake.MailPart), from the moment every write to it so far has reached mail
// flow until the next write to it (fake.Tenant.MailSettled). A world in
// steady traffic asks the same few questions of a tenant at every hop; each
// answer from the tenant costs its lock, its clock and its indexes. While a
// write to a part is still propagating, lookups in that part go to the
// tenant, which answers for the moment it is asked. Used on the world's loop
// only, like the rest of the world.
type memoView struct {
	fake.MailView
	t     *fake.Tenant
	w     *World
	parts [4]memoPart // by fake.MailPart
	hits  int         // answers from memory (tests read it)
	// The remembered answers, by part.
	recips map[mailops.Address]*memoAnswer[mailops.Recipient]
	groups map[mailops.Address]*memoAnswer[mailops.Group]
	doms   map[string]*memoAnswer[mailops.Domain]
	lists  memoLists
}

// memoPart is what the view knows of one part of the tenant's mail view: the
// epoch its answers were read in, and whether that epoch has settled.
type memoPart struct {
	epoch   uint64
	settled bool
}

// memoLists are a tenant's routing lists as mail flow sees them, each read
// once while settled (have says which).
type memoLists struct {
	have     [4]bool
	outbound []mailops.OutboundConnector
	inbound  []mailops.InboundConnector
	remote   []mailops.RemoteDomain
	spam     mailops.OutboundSpamPolicy
}

// The lists' places in memoLists.have.
const (
	listOutbound = iota
	listInbound
	listRemote
	listSpam
)

// memoAnswer is one remembered lookup.
type memoAnswer[T any] struct {
	val T
	ok  bool
}

// view returns tenant t's mail view for the hot path (one per tenant).
func (w *World) view(t *fake.Tenant) fake.MailView {
	switch t {
	case w.tenant:
		if w.tenantView == nil {
			w.tenantView = newMemoView(w, t)
		}
		return w.tenantView
	case w.partner:
		if w.partnerView == nil {
			w.partnerView = newMemoView(w, t)
		}
		return w.partnerView
	}
	return t.ReadOnlyMailView()
}

func newMemoView(w *World, t *fake.Tenant) *memoView {
	return &memoView{MailView: t.ReadOnlyMailView(), t: t, w: w,
		recips: map[mailops.Address]*memoAnswer[mailops.Recipient]{},
		groups: map[mailops.Address]*memoAnswer[mailops.Group]{},
		doms:   map[string]*memoAnswer[mailops.Domain]{}}
}

// settled reports whether remembered answers of part p hold now, forgetting
// them when the part has been written since they were read. Once settled, a
// part stays settled until the next write to it: the world's clock only
// moves on.
func (m *memoView) settled(p fake.MailPart) bool {
	st := &m.parts[p]
	if epoch := m.t.MailEpoch(p); epoch != st.epoch {
		m.forget(p)
		st.epoch, st.settled = epoch, false
	}
	if !st.settled {
		epoch, settled := m.t.MailSettled(p, m.w.s.Now())
		st.settled = settled && epoch == st.epoch
	}
	return st.settled
}

// forget drops the remembered answers of part p. A map that holds any is
// replaced, not cleared: clearing costs the map's whole capacity, and a
// world whose runbook writes all the time (a university) would pay it at
// every write.
func (m *memoView) forget(p fake.MailPart) {
	switch p {
	case fake.MailRecipients:
		if len(m.recips) > 0 {
			m.recips = map[mailops.Address]*memoAnswer[mailops.Recipient]{}
		}
	case fake.MailGroups:
		if len(m.groups) > 0 {
			m.groups = map[mailops.Address]*memoAnswer[mailops.Group]{}
		}
	case fake.MailDomains:
		if len(m.doms) > 0 {
			m.doms = map[string]*memoAnswer[mailops.Domain]{}
		}
	case fake.MailRouting:
		m.lists = memoLists{}
	}
}

// recall answers a lookup from memo, or reads it and remembers the answer
// (up to maxInterned answers). The caller has checked that its part is
// settled (which may have replaced memo: pass the map after the check).
func recall[K comparable, T any](m *memoView, memo map[K]*memoAnswer[T], k K, read func(K) (T, bool)) (T, bool) {
	if x, ok := memo[k]; ok {
		m.hits++
		return x.val, x.ok
	}
	v, ok := read(k)
	if len(memo) < maxInterned {
		memo[k] = &memoAnswer[T]{v, ok}
	}
	return v, ok
}

// recallList is recall for a routing list (i: its place in
// memoLists.have, kept: where it is kept).
func recallList[T any](m *memoView, i int, kept *T, read func() T) T {
	if !m.settled(fake.MailRouting) {
		return read()
	}
	if !m.lists.have[i] {
		*kept, m.lists.have[i] = read(), true
	}
	return *kept
}

func (m *memoView) Recipient(a mailops.Address) (mailops.Recipient, bool) {
	if !m.settled(fake.MailRecipients) {
		return m.MailView.Recipient(a)
	}
	return recall(m, m.recips, a, m.MailView.Recipient)
}

func (m *memoView) Group(a mailops.Address) (mailops.Group, bool) {
	if !m.settled(fake.MailGroups) {
		return m.MailView.Group(a)
	}
	return recall(m, m.groups, a, m.MailView.Group)
}

func (m *memoView) AcceptedDomain(name string) (mailops.Domain, bool) {
	if !m.settled(fake.MailDomains) {
		return m.MailView.AcceptedDomain(name)
	}
	return recall(m, m.doms, name, m.MailView.AcceptedDomain)
}

func (m *memoView) OutboundConnectors() []mailops.OutboundConnector {
	return recallList(m, listOutbound, &m.lists.outbound, m.MailView.OutboundConnectors)
}

func (m *memoView) InboundConnectors() []mailops.InboundConnector {
	return recallList(m, listInbound, &m.lists.inbound, m.MailView.InboundConnectors)
}

func (m *memoView) RemoteDomains() []mailops.RemoteDomain {
	return recallList(m, listRemote, &m.lists.remote, m.MailView.RemoteDomains)
}

func (m *memoView) OutboundSpamPolicy() mailops.OutboundSpamPolicy {
	return recallList(m, listSpam, &m.lists.spam, m.MailView.OutboundSpamPolicy)
}

// ownersMemo is the cloud's TenantForDomain answers, kept while its
// OwnersEpoch stays the same.
type ownersMemo struct {
	epoch uint64
	m     map[string]*fake.Tenant // nil: no tenant holds the domain
}

// tenantOf is the cloud's TenantForDomain for the hot path.
func (w *World) tenantOf(domain string) (*fake.Tenant, bool) {
	o := &w.owners
	if e := w.cloud.OwnersEpoch(); e != o.epoch || o.m == nil {
		o.epoch, o.m = e, map[string]*fake.Tenant{}
	}
	if t, ok := o.m[domain]; ok {
		return t, t != nil
	}
	t, ok := w.cloud.TenantForDomain(domain)
	if !ok {
		t = nil
	}
	if len(o.m) < maxInterned {
		o.m[domain] = t
	}
	return t, ok
}
