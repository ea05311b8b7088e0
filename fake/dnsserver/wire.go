package dnsserver

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// toRR turns a plan's record (label relative to domain, "@" the apex) into a
// resource record.
func toRR(domain string, r mailops.DNSRecord) (dns.RR, error) {
	name := domain
	if r.Label != "" && r.Label != "@" {
		name = strings.TrimSuffix(r.Label, ".") + "." + domain
	}
	h := hdr(name, 0, uint32(max(r.TTL, 0)))
	switch strings.ToUpper(r.Type) {
	case "MX":
		h.Rrtype = dns.TypeMX
		return &dns.MX{Hdr: h, Preference: uint16(r.Preference), Mx: canon(r.Value)}, nil
	case "TXT":
		h.Rrtype = dns.TypeTXT
		return &dns.TXT{Hdr: h, Txt: splitTXT(r.Value)}, nil
	case "CNAME":
		h.Rrtype = dns.TypeCNAME
		return &dns.CNAME{Hdr: h, Target: canon(r.Value)}, nil
	case "A", "AAAA":
		ip, err := netip.ParseAddr(r.Value)
		if err != nil {
			return nil, fmt.Errorf("dnsserver: %s record %s: %w", r.Type, r.Value, err)
		}
		if ip.Is4() {
			h.Rrtype = dns.TypeA
			return &dns.A{Hdr: h, A: ip.AsSlice()}, nil
		}
		h.Rrtype = dns.TypeAAAA
		return &dns.AAAA{Hdr: h, AAAA: ip.AsSlice()}, nil
	case "SRV":
		// value: "priority weight port target"
		var prio, weight, port uint16
		var target string
		if _, err := fmt.Sscanf(r.Value, "%d %d %d %s", &prio, &weight, &port, &target); err != nil {
			return nil, fmt.Errorf("dnsserver: SRV value %q: want \"priority weight port target\"", r.Value)
		}
		h.Rrtype = dns.TypeSRV
		return &dns.SRV{Hdr: h, Priority: prio, Weight: weight, Port: port, Target: canon(target)}, nil
	}
	return nil, fmt.Errorf("dnsserver: unsupported record type %q", r.Type)
}
