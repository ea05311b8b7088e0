package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
)

// MXRecord is one MX record as the authority serves it.
type MXRecord struct {
	Host string `json:"host"`
	Pref uint16 `json:"pref"`
	TTL  uint32 `json:"ttl"`
}

// DNSChange is a change of a watched domain's MX set, seen at virtual time
// At (the lab looks after every virtual minute at most).
type DNSChange struct {
	At     time.Time  `json:"at"`
	Domain string     `json:"domain"`
	MX     []MXRecord `json:"mx"`
}

// PointsAtEXO reports whether any MX host is an Exchange Online host.
func (c DNSChange) PointsAtEXO() bool {
	return slices.ContainsFunc(c.MX, func(r MXRecord) bool { return dnscheck.IsEXOMX(r.Host) })
}

// TTL is the smallest TTL of the set (0 when empty).
func (c DNSChange) TTL() time.Duration {
	var m uint32
	for i, r := range c.MX {
		if i == 0 || r.TTL < m {
			m = r.TTL
		}
	}
	return time.Duration(m) * time.Second
}

// dnsHistory watches the MX sets of the migrated domains.
type dnsHistory struct {
	a       *dnsserver.Authority
	domains []string
	last    map[string]string
	changes []DNSChange
}

func newDNSHistory(a *dnsserver.Authority, domains []string) *dnsHistory {
	return &dnsHistory{a: a, domains: domains, last: map[string]string{}}
}

// look records the domains whose MX set changed since the last look.
func (h *dnsHistory) look(now time.Time) []DNSChange {
	var out []DNSChange
	for _, d := range h.domains {
		recs := h.mx(d)
		key := fmt.Sprint(recs)
		if prev, ok := h.last[d]; ok && prev == key {
			continue
		}
		h.last[d] = key
		c := DNSChange{At: now, Domain: d, MX: recs}
		h.changes = append(h.changes, c)
		out = append(out, c)
	}
	return out
}

// mx asks the authority in-process (no resolver cache, no world hooks).
func (h *dnsHistory) mx(domain string) []MXRecord {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(domain), dns.TypeMX)
	r, err := h.a.Exchange(context.Background(), q)
	if err != nil || r == nil {
		return nil
	}
	var out []MXRecord
	for _, rr := range r.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, MXRecord{Host: strings.TrimSuffix(mx.Mx, "."), Pref: mx.Preference, TTL: mx.Hdr.Ttl})
		}
	}
	slices.SortFunc(out, func(a, b MXRecord) int { return strings.Compare(a.Host, b.Host) })
	return out
}
