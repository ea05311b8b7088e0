package mailflow

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
)

// Exchange Online hands each accepted domain its MX host through the domain's
// service records (Graph serviceConfigurationRecords): the legacy form
// <token>.mail.protection.outlook.com, or, for domains added on or after
// 2026-07-01, <token>.<region>-v1.mx.microsoft (Message Center MC1048624,
// fake.MXHost). The world's DNS publishes an address record for every host a
// tenant has handed out, in the zones below, and for nothing else: a host
// built from the domain name in the wrong form does not resolve (NXDOMAIN),
// and senders defer until they give up. "If automation incorrectly configures
// a new domain with the old mail.protection.outlook.com format after July
// 2026, mail flow will not function until the MX record is corrected"
// (third-party summary of MC1048624, microsoftmessageid.com).
//
// [inference] The record appears when the domain becomes an accepted domain
// in mail flow (no source says when Microsoft creates it), and stays after
// the domain is removed (the edge then refuses with 5.4.1 relay denied).
var exoZones = []string{"mail.protection.outlook.com", "mx.microsoft"}

// exoHostTTL is the TTL of the published address records.
const exoHostTTL = time.Hour

// exoHosts is the set of Exchange Online MX hosts the world's DNS publishes.
type exoHosts struct {
	published map[string]bool
	n         int
}

// isEXOName reports whether a host name has the shape of an Exchange Online
// MX host (whether or not it exists).
func isEXOName(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	for _, z := range exoZones {
		if len(h) > len(z) && h[len(h)-len(z)-1] == '.' && strings.HasSuffix(h, z) {
			return true
		}
	}
	return false
}

// tenants are the tenants whose domains the world publishes hosts for.
func (w *World) tenants() []*fake.Tenant { return []*fake.Tenant{w.tenant, w.partner} }

// beforeDNSQuery makes sure that the authority holds every Exchange Online
// host handed out so far before it answers a question about one: to every
// resolver, a host exists from the moment its domain is accepted.
func (w *World) beforeDNSQuery(name string) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if isEXOName(name) && !w.exoHosts.published[name] {
		w.syncEXOHosts()
	}
}

// syncEXOHosts publishes an address record for the MX host of every domain a
// tenant accepts in mail flow now.
func (w *World) syncEXOHosts() {
	for _, t := range w.tenants() {
		for _, d := range t.ReadOnlyMailView().AcceptedDomains() {
			if h, ok := d.ServiceMX(); ok {
				w.publishEXOHost(h)
			}
		}
	}
}

func (w *World) publishEXOHost(h string) {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if w.exoHosts.published[h] {
		return
	}
	if w.exoHosts.published == nil {
		w.exoHosts.published = map[string]bool{}
	}
	w.exoHosts.published[h] = true
	w.exoHosts.n++
	// Addresses are arbitrary and distinct (documentation range).
	ip := netip.AddrFrom4([4]byte{198, 51, byte(100 + w.exoHosts.n/250), byte(1 + w.exoHosts.n%250)})
	for _, z := range exoZones {
		if strings.HasSuffix(h, "."+z) {
			w.dns.zone(z)
		}
	}
	if err := w.dns.a.SetA(h, uint32(exoHostTTL/time.Second), ip); err != nil {
		panic("mailflow: " + err.Error()) // service records hold valid names
	}
}

// resolvesEXO reports whether a sender finds an address for an Exchange Online
// host, through its own caching resolver (nil: the authority). h is in the
// form hostInfo.norm gives (lower case, no trailing dot).
func (w *World) resolvesEXO(r Resolver, h string) bool {
	if r == nil {
		r = w.authorityResolver()
	}
	if wr, ok := r.(*wireResolver); ok {
		addrs, err := wr.r.LookupHostShared(context.Background(), h)
		return err == nil && len(addrs) > 0
	}
	addrs, err := r.LookupHost(context.Background(), h)
	return err == nil && len(addrs) > 0
}

// authorityResolver answers from the authority with no cache, for senders
// that have no resolver of their own.
func (w *World) authorityResolver() Resolver {
	if w.noCache == nil {
		w.noCache = w.dns.NewResolver("authority")
	}
	return w.noCache
}

// ServiceMX returns the Exchange Online MX host of a domain: from the service
// records of the tenant that accepts it, never built from the name.
func (w *World) ServiceMX(domain string) (string, error) {
	t, ok := w.cloud.TenantForDomain(domain)
	if !ok {
		return "", fmt.Errorf("mailflow: no tenant holds %s", domain)
	}
	d, ok := t.ReadOnlyMailView().AcceptedDomain(domain)
	if !ok {
		return "", fmt.Errorf("mailflow: %s is not an accepted domain of tenant %s yet", domain, t.Name())
	}
	h, ok := d.ServiceMX()
	if !ok {
		return "", fmt.Errorf("mailflow: %s has no MX service record", domain)
	}
	return h, nil
}

// PointMXAtEXO publishes a domain's Exchange Online MX, the host named by the
// service records of the tenant that accepts it (see ServiceMX).
func (w *World) PointMXAtEXO(domain string, ttl time.Duration) error {
	h, err := w.ServiceMX(domain)
	if err != nil {
		return fmt.Errorf("mailflow: point the MX of %s at Exchange Online: %w", domain, err)
	}
	w.dns.SetMX(domain, ttl, MX{Host: h, Pref: 0})
	return nil
}
