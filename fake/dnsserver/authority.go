// Package dnsserver is mailops's fake DNS: authoritative zones that change at
// run time, answered by one miekg/dns Handler in-process (fast, no sockets) or
// over UDP and TCP on loopback (labs, real dig), and caching resolvers that
// honour TTLs against a mailops.Clock, each with its own cache, so different
// senders see a change at different times.
//
// The miekg/dns types stay inside this package's wire files (wire.go,
// handler.go, server.go); the rest speaks its own small record types.
package dnsserver

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// MX is one mail exchanger.
type MX struct {
	Host string
	Pref uint16
}

// Authority holds the zones and answers for them.
type Authority struct {
	mu    sync.RWMutex
	zones map[string]bool                // zone origins, fully qualified, lower case
	rrs   map[string]map[uint16][]dns.RR // owner name → type → records
	fail  map[string]failMode
}

type failMode int

const (
	failNone failMode = iota
	failServFail
	failSilent
)

// NewAuthority returns an authority for the given zones (e.g.
// "example.ac.jp"). Each zone gets an SOA (minimum TTL 300) and an NS record.
func NewAuthority(zones ...string) *Authority {
	a := &Authority{zones: map[string]bool{}, rrs: map[string]map[uint16][]dns.RR{}, fail: map[string]failMode{}}
	for _, z := range zones {
		a.AddZone(z)
	}
	return a
}

func canon(name string) string { return dns.CanonicalName(strings.TrimSpace(name)) }

// AddZone adds an empty zone with its SOA and NS; adding an existing zone
// changes nothing.
func (a *Authority) AddZone(origin string) {
	o := canon(origin)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.zones[o] {
		return
	}
	a.zones[o] = true
	a.put(&dns.SOA{Hdr: hdr(o, dns.TypeSOA, 3600), Ns: "ns1." + o, Mbox: "hostmaster." + o, Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 300})
	a.put(&dns.NS{Hdr: hdr(o, dns.TypeNS, 3600), Ns: "ns1." + o})
}

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: canon(name), Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

// put appends a record. Called with a.mu held.
func (a *Authority) put(rr dns.RR) {
	h := rr.Header()
	h.Name = canon(h.Name)
	if a.rrs[h.Name] == nil {
		a.rrs[h.Name] = map[uint16][]dns.RR{}
	}
	for _, x := range a.rrs[h.Name][h.Rrtype] {
		if dns.IsDuplicate(x, rr) {
			return
		}
	}
	a.rrs[h.Name][h.Rrtype] = append(a.rrs[h.Name][h.Rrtype], rr)
}

// Add adds a record (any type); a duplicate is ignored.
func (a *Authority) Add(rr dns.RR) error {
	if rr == nil || rr.Header() == nil {
		return fmt.Errorf("dnsserver: nil record")
	}
	if _, ok := dns.IsDomainName(rr.Header().Name); !ok {
		return fmt.Errorf("dnsserver: invalid owner name %q", rr.Header().Name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.zoneOf(canon(rr.Header().Name)) == "" {
		return fmt.Errorf("dnsserver: %s is in no zone of this authority", rr.Header().Name)
	}
	a.put(dns.Copy(rr))
	return nil
}

// Remove deletes every record of a type at a name.
func (a *Authority) Remove(name string, rrtype uint16) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.rrs[canon(name)], rrtype)
}

// SetMX replaces the MX records at name.
func (a *Authority) SetMX(name string, ttl uint32, mxs ...MX) error {
	var rrs []dns.RR
	for _, m := range mxs {
		rrs = append(rrs, &dns.MX{Hdr: hdr(name, dns.TypeMX, ttl), Preference: m.Pref, Mx: canon(m.Host)})
	}
	return a.set(name, dns.TypeMX, rrs)
}

// SetTXT replaces the TXT records at name (one record per value).
func (a *Authority) SetTXT(name string, ttl uint32, values ...string) error {
	var rrs []dns.RR
	for _, v := range values {
		rrs = append(rrs, &dns.TXT{Hdr: hdr(name, dns.TypeTXT, ttl), Txt: splitTXT(v)})
	}
	return a.set(name, dns.TypeTXT, rrs)
}

// SetA replaces the A and AAAA records at name.
func (a *Authority) SetA(name string, ttl uint32, addrs ...netip.Addr) error {
	var v4, v6 []dns.RR
	for _, ip := range addrs {
		if ip.Is4() {
			v4 = append(v4, &dns.A{Hdr: hdr(name, dns.TypeA, ttl), A: ip.AsSlice()})
		} else {
			v6 = append(v6, &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA, ttl), AAAA: ip.AsSlice()})
		}
	}
	if err := a.set(name, dns.TypeA, v4); err != nil {
		return err
	}
	return a.set(name, dns.TypeAAAA, v6)
}

// SetCNAME makes name an alias of target.
func (a *Authority) SetCNAME(name string, ttl uint32, target string) error {
	return a.set(name, dns.TypeCNAME, []dns.RR{&dns.CNAME{Hdr: hdr(name, dns.TypeCNAME, ttl), Target: canon(target)}})
}

func (a *Authority) set(name string, t uint16, rrs []dns.RR) error {
	n := canon(name)
	if _, ok := dns.IsDomainName(n); !ok {
		return fmt.Errorf("dnsserver: invalid name %q", name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.zoneOf(n) == "" {
		return fmt.Errorf("dnsserver: %s is in no zone of this authority", name)
	}
	delete(a.rrs[n], t)
	for _, rr := range rrs {
		a.put(rr)
	}
	return nil
}

// splitTXT cuts a value into the 255-byte strings a TXT record holds.
func splitTXT(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}

// InZone reports whether name is inside one of the zones.
func (a *Authority) InZone(name string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.zoneOf(canon(name)) != ""
}

// zoneOf returns the longest zone that contains name, or "". Called with
// a.mu held.
func (a *Authority) zoneOf(name string) string {
	best := ""
	for z := range a.zones {
		if dns.IsSubDomain(z, name) && len(z) > len(best) {
			best = z
		}
	}
	return best
}

// FailWith makes queries for name answer SERVFAIL ("servfail"), never
// answer ("silent": in-process, block until the context ends; on the
// network, drop the packet), or behave again ("").
func (a *Authority) FailWith(name, mode string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch mode {
	case "servfail":
		a.fail[canon(name)] = failServFail
	case "silent":
		a.fail[canon(name)] = failSilent
	default:
		delete(a.fail, canon(name))
	}
}

// Publish applies a plan's DNS change (mailops.DNSPublisher): the records to
// remove, then the records to add.
func (a *Authority) Publish(_ context.Context, c mailops.DNSChange) error {
	if c.AddVerification {
		return fmt.Errorf("dnsserver: change for %s still asks for the verification record: the runner resolves it", c.Domain)
	}
	var add []dns.RR
	for _, r := range c.Add {
		rr, err := toRR(c.Domain, r)
		if err != nil {
			return err
		}
		add = append(add, rr)
	}
	var remove []dns.RR
	for _, r := range c.Remove {
		rr, err := toRR(c.Domain, r)
		if err != nil {
			return err
		}
		remove = append(remove, rr)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, rr := range append(append([]dns.RR(nil), remove...), add...) {
		if a.zoneOf(rr.Header().Name) == "" {
			return fmt.Errorf("dnsserver: %s is in no zone of this authority", rr.Header().Name)
		}
	}
	for _, rm := range remove {
		h := rm.Header()
		var keep []dns.RR
		for _, x := range a.rrs[h.Name][h.Rrtype] {
			if !dns.IsDuplicate(x, rm) {
				keep = append(keep, x)
			}
		}
		if a.rrs[h.Name] != nil {
			a.rrs[h.Name][h.Rrtype] = keep
		}
	}
	for _, rr := range add {
		a.put(rr)
	}
	return nil
}

// Names lists the owner names with records, sorted (for tests and labs).
func (a *Authority) Names() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []string
	for n, m := range a.rrs {
		if len(m) > 0 {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
