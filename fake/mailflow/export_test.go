package mailflow

import "github.com/mailops-dev/mailops/fake"

// HotView is the mail view the world's hot path reads tenant t through
// (memoview.go), and MemoHits how many of its answers came from memory.
func (w *World) HotView(t *fake.Tenant) fake.MailView { return w.view(t) }

// TenantOf is the hot path's TenantForDomain (remembered per owners epoch).
func (w *World) TenantOf(domain string) (*fake.Tenant, bool) { return w.tenantOf(domain) }

// MemoHits counts the answers tenant t's hot-path view gave from memory.
func (w *World) MemoHits(t *fake.Tenant) int {
	if m, ok := w.view(t).(*memoView); ok {
		return m.hits
	}
	return 0
}
