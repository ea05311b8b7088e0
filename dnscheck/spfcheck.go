package dnscheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// probeIP is an address nobody authorises (240.0.0.0/4 is reserved): an
// SPF record that passes it passes anyone.
var probeIP = netip.MustParseAddr("240.0.0.1")

func (c *checker) spf() {
	if !c.txtOK {
		return // the TXT lookup failed: already reported
	}
	var spfs []string
	for _, t := range c.txts {
		if isSPF(t) {
			spfs = append(spfs, t)
		}
	}
	suggest := []string{c.suggestSPF()}
	switch len(spfs) {
	case 0:
		c.add("spf.missing", c.stageSeverity(Warning, Error, Error), "no SPF record: receivers cannot tell the domain's servers from forgers", nil, suggest)
		return
	case 1:
	default:
		c.add("spf.multiple", Error, "more than one v=spf1 record: receivers return a permanent error (permerror)", spfs, suggest)
		return
	}
	terms, err := parseSPF(spfs[0])
	if err != nil {
		c.add("spf.syntax", Error, "SPF syntax: "+err.Error()+" (receivers return permerror)", spfs, suggest)
		return
	}
	w := newSPFWalker(c.ctx, c.q)
	w.walk(c.dom, terms, []string{c.dom})
	for _, e := range w.fails {
		c.failed("an SPF include or mechanism", e)
	}
	for _, p := range w.problems {
		c.add("spf.include-error", Error, "SPF: "+p+" (receivers return permerror)", spfs, nil)
	}
	if w.lookups > spfMaxLookups {
		c.add("spf.lookup-limit", Error, fmt.Sprintf("SPF needs more than %d DNS lookups, counted through includes and redirects (stopped counting at %d): receivers return permerror", spfMaxLookups, w.lookups), spfs, nil)
	} else {
		c.add("spf.lookups", Info, fmt.Sprintf("SPF needs %d of at most %d DNS lookups", w.lookups, spfMaxLookups), spfs, nil)
	}
	if w.voids > spfMaxVoid {
		c.add("spf.void-lookups", Error, fmt.Sprintf("SPF has %d void lookups (names that do not exist or have no record); more than %d is a permerror", w.voids, spfMaxVoid), spfs, nil)
	}
	c.spfAll(w, terms, spfs, suggest)
	for _, t := range terms {
		if !t.Modifier && t.Name == "ptr" {
			c.add("spf.ptr", Warning, "SPF uses ptr, which is slow and unreliable (RFC 7208 section 5.5: do not use it)", spfs, nil)
			break
		}
	}
	exo := contains(w.includes, exoSPF)
	switch {
	case exo:
	case c.spec.Stage == Before:
		c.add("spf.no-exo", Warning, "SPF does not yet include spf.protection.outlook.com: add it before Exchange Online sends for the domain", spfs, suggest)
	default:
		c.add("spf.no-exo", Error, "SPF does not include spf.protection.outlook.com while mail goes through Exchange Online", spfs, suggest)
	}
	c.spfLegacy(w, terms, spfs, suggest)
}

// spfAll reports records that authorise anyone (+all, or a pass for an
// address nobody owns through an include or a huge network) or nobody in
// particular (?all).
func (c *checker) spfAll(w *spfWalker, terms []spfTerm, spfs, suggest []string) {
	for _, t := range terms {
		if t.Modifier || t.Name != "all" {
			continue
		}
		switch t.Qualifier {
		case '+':
			c.add("spf.pass-all", Error, "SPF ends in +all: anyone may send as the domain", spfs, suggest)
			return
		case '?':
			c.add("spf.neutral-all", Warning, "SPF ends in ?all: it protects nothing", spfs, suggest)
		}
	}
	if w.authorises(probeIP, c.dom, terms) == spfPass {
		c.add("spf.pass-all", Error, "SPF passes any address (through an include or a network that covers everything): anyone may send as the domain", spfs, suggest)
	}
}

// spfLegacy checks the legacy servers: authorised while they still send
// (evaluated through includes and redirects for each of their addresses).
func (c *checker) spfLegacy(w *spfWalker, terms []spfTerm, spfs, suggest []string) {
	for _, h := range c.spec.LegacyHosts {
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(h); err == nil {
			ips = append(ips, ip)
		} else {
			addrs, err := w.ask("addr", h)
			if err != nil && !errors.Is(err, ErrNXDomain) {
				c.failed("the addresses of legacy host "+h, err)
				continue
			}
			for _, a := range addrs {
				if ip, err := netip.ParseAddr(a); err == nil {
					ips = append(ips, ip)
				}
			}
		}
		var denied []string
		for _, ip := range ips {
			if w.authorises(ip, c.dom, terms) != spfPass {
				denied = append(denied, ip.String())
			}
		}
		// A host without addresses is authorised by name (a:host).
		authorised := len(ips) > 0 && len(denied) == 0 || len(ips) == 0 && namesHost(terms, h)
		switch {
		case c.spec.LegacySends && !authorised:
			msg := "SPF does not authorise the legacy server " + h + ", which still sends"
			if len(denied) > 0 {
				msg += " (no pass for " + strings.Join(denied, ", ") + ")"
			}
			c.add("spf.legacy-missing", Error, msg, spfs, suggest)
		case !c.spec.LegacySends && authorised && c.spec.Stage == Final:
			c.add("spf.legacy-stale", Info, "SPF still authorises the legacy server "+h+", which no longer sends: remove it", spfs, suggest)
		}
	}
}

// namesHost reports whether the record names host in an a: mechanism.
func namesHost(terms []spfTerm, host string) bool {
	for _, t := range terms {
		if !t.Modifier && t.Qualifier == '+' && t.Name == "a" && hostName(t.Domain) == host {
			return true
		}
	}
	return false
}

// suggestSPF is the record to publish for the stage.
func (c *checker) suggestSPF() string {
	parts := []string{"v=spf1", "include:" + exoSPF}
	if c.spec.LegacySends {
		for _, h := range c.spec.LegacyHosts {
			if ip, err := netip.ParseAddr(h); err == nil {
				if ip.Is4() {
					parts = append(parts, "ip4:"+h)
				} else {
					parts = append(parts, "ip6:"+h)
				}
			} else {
				parts = append(parts, "a:"+h)
			}
		}
	}
	return "@ 3600 TXT \"" + strings.Join(append(parts, "-all"), " ") + "\""
}
