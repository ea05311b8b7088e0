package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Stage is where a migration stands; expectations differ per stage.
type Stage string

// Stages.
const (
	// Before: the MX still points at the legacy server.
	Before Stage = "before"
	// Switched: the MX points at Exchange Online; the legacy server may
	// still send and receive relayed mail.
	Switched Stage = "switched"
	// Final: Exchange Online only.
	Final Stage = "final"
)

// ParseStage parses "before", "switched" or "final".
func ParseStage(s string) (Stage, error) {
	switch Stage(s) {
	case Before, Switched, Final:
		return Stage(s), nil
	}
	return "", fmt.Errorf("dnscheck: unknown stage %q (want before, switched or final)", s)
}

// Spec says what to check.
type Spec struct {
	Domain string
	Stage  Stage
	// Verified: the domain is already verified in the tenant, so the
	// ownership TXT record is no longer needed.
	Verified bool
	// OwnershipToken is the expected "MS=ms..." value, when known.
	OwnershipToken string
	// InitialDomain is the tenant's contoso.onmicrosoft.com domain, for the
	// DKIM CNAME targets; empty skips the DKIM check.
	InitialDomain string
	// LegacyHosts are the legacy mail servers; LegacySends says they still
	// send mail for the domain (SPF must authorise them).
	LegacyHosts []string
	LegacySends bool
	// MaxMXTTL is the MX TTL above which a planned switch is slowed down
	// (default one hour).
	MaxMXTTL time.Duration
}

// ErrBadSpec means the spec itself is unusable.
var ErrBadSpec = errors.New("dnscheck: bad spec")

// Check runs every check for the spec's stage. It returns an error only when
// the check cannot run at all (a bad spec); lookups that fail become
// "lookup-failed" findings, never "missing" ones.
func Check(ctx context.Context, x Exchanger, spec Spec) (Report, error) {
	dom, err := mailops.ParseDomainName(spec.Domain)
	if err != nil {
		return Report{}, fmt.Errorf("%w: %w", ErrBadSpec, err)
	}
	if _, err := ParseStage(string(spec.Stage)); err != nil {
		return Report{}, fmt.Errorf("%w: %w", ErrBadSpec, err)
	}
	if spec.MaxMXTTL == 0 {
		spec.MaxMXTTL = time.Hour
	}
	c := &checker{ctx: ctx, q: &querier{x: x}, spec: spec, dom: dom}
	c.ownership()
	c.mx()
	c.spf()
	c.dkim()
	c.dmarc()
	c.autodiscover()
	return Report{Domain: dom, Stage: spec.Stage, Findings: c.out, Queries: c.q.queries}, nil
}

type checker struct {
	ctx  context.Context
	q    *querier
	spec Spec
	dom  string
	out  []Finding
}

func (c *checker) add(id string, sev Severity, msg string, seen, add []string) {
	c.out = append(c.out, Finding{ID: id, Severity: sev, Message: msg, Seen: seen, Add: add})
}

// failed reports a lookup that could not be answered. It returns true when
// err is such a failure (so the caller stops that check).
func (c *checker) failed(what string, err error) bool {
	if err == nil {
		return false
	}
	c.add("lookup-failed", Error, fmt.Sprintf("could not check %s: %v", what, err), nil, nil)
	return true
}

// EXOMXHost is the classic Exchange Online MX target for a domain.
func EXOMXHost(domain string) string {
	return strings.ReplaceAll(domain, ".", "-") + ".mail.protection.outlook.com"
}

// IsEXOMX reports whether host is an Exchange Online MX target (the classic
// mail.protection.outlook.com form or the newer mx.microsoft form).
func IsEXOMX(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(h, ".mail.protection.outlook.com") || strings.HasSuffix(h, ".mx.microsoft")
}

func (c *checker) ownership() {
	if c.spec.Verified {
		return
	}
	txt, _, err := c.q.txt(c.ctx, c.dom)
	if errors.Is(err, ErrNXDomain) {
		c.add("domain.nxdomain", Error, c.dom+" does not exist in DNS", nil, nil)
		return
	}
	if c.failed("the ownership TXT record", err) {
		return
	}
	var ms []string
	for _, t := range txt {
		if strings.HasPrefix(t, "MS=ms") {
			ms = append(ms, t)
		}
	}
	want := c.spec.OwnershipToken
	switch {
	case len(ms) == 0:
		add := "@ TXT \"MS=ms...\" (the value the tenant shows)"
		if want != "" {
			add = "@ 3600 TXT \"" + want + "\""
		}
		c.add("ownership.missing", Error, "no MS=ms... TXT record: the domain cannot be verified", txt, []string{add})
	case want != "" && !contains(ms, want):
		c.add("ownership.mismatch", Error, "the MS=ms... TXT record is not the tenant's", ms, []string{"@ 3600 TXT \"" + want + "\""})
	default:
		c.add("ownership.present", Info, "the ownership TXT record is published", ms, nil)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (c *checker) mx() {
	mxs, err := c.q.mx(c.ctx, c.dom)
	if errors.Is(err, ErrNXDomain) {
		if !c.has("domain.nxdomain") {
			c.add("domain.nxdomain", Error, c.dom+" does not exist in DNS", nil, nil)
		}
		return
	}
	if c.failed("the MX records", err) {
		return
	}
	var seen []string
	var exo, other []mxRec
	for _, m := range mxs {
		seen = append(seen, fmt.Sprintf("MX %d %s (TTL %d)", m.Pref, m.Host, m.TTL))
		if IsEXOMX(m.Host) {
			exo = append(exo, m)
		} else {
			other = append(other, m)
		}
	}
	want := fmt.Sprintf("@ 3600 MX 0 %s", EXOMXHost(c.dom))
	switch c.spec.Stage {
	case Before:
		if len(exo) > 0 && len(other) > 0 {
			c.add("mx.mixed", Error, "Exchange Online is an MX next to the legacy server: senders hosted in Exchange Online may deliver to the tenant whatever the preference, into mailboxes nobody reads yet", seen, nil)
		} else if len(exo) > 0 {
			c.add("mx.exo-before-switch", Warning, "the MX already points at Exchange Online before the planned switch", seen, nil)
		}
		if len(mxs) == 0 {
			c.add("mx.missing", Error, "the domain has no MX: mail to it cannot be delivered", nil, nil)
		}
		for _, m := range other {
			if time.Duration(m.TTL)*time.Second > c.spec.MaxMXTTL {
				c.add("mx.ttl-high", Warning, fmt.Sprintf("MX %s has TTL %s: lower it to 5 minutes at least %s before the switch, or resolvers keep the old MX that long", m.Host, time.Duration(m.TTL)*time.Second, time.Duration(m.TTL)*time.Second), seen, []string{fmt.Sprintf("@ 300 MX %d %s", m.Pref, m.Host)})
			}
		}
	default:
		switch {
		case len(exo) == 0:
			c.add("mx.not-exo", Error, "no MX points at Exchange Online", seen, []string{want})
		case len(other) > 0:
			c.add("mx.mixed", Error, "Exchange Online shares the MX with other hosts: Exchange Online supports one MX, and senders in Exchange Online may ignore the preference", seen, []string{want})
		case len(exo) > 1:
			c.add("mx.multiple-exo", Warning, "more than one Exchange Online MX: publish exactly one", seen, []string{want})
		default:
			c.add("mx.exo", Info, "the MX points at Exchange Online", seen, nil)
		}
	}
	for _, m := range mxs {
		if IsEXOMX(m.Host) {
			continue // Microsoft's names; not ours to resolve
		}
		target, err := c.q.cname(c.ctx, m.Host)
		if err != nil && !errors.Is(err, ErrNXDomain) {
			c.failed("MX host "+m.Host, err)
			continue
		}
		if target != "" {
			c.add("mx.cname", Error, "MX host "+m.Host+" is a CNAME (to "+target+"): an MX must name a host with addresses (RFC 2181 10.3)", seen, nil)
			continue
		}
		addrs, err := c.q.addrs(c.ctx, m.Host)
		if errors.Is(err, ErrNXDomain) || (err == nil && len(addrs) == 0) {
			c.add("mx.no-address", Error, "MX host "+m.Host+" has no A or AAAA record: senders cannot connect", seen, nil)
			continue
		}
		c.failed("MX host "+m.Host, err)
	}
}

func (c *checker) has(id string) bool {
	for _, f := range c.out {
		if f.ID == id {
			return true
		}
	}
	return false
}

func (c *checker) spf() {
	txt, _, err := c.q.txt(c.ctx, c.dom)
	if errors.Is(err, ErrNXDomain) {
		return
	}
	if c.failed("the SPF record", err) {
		return
	}
	var spfs []string
	for _, t := range txt {
		if isSPF(t) {
			spfs = append(spfs, t)
		}
	}
	suggest := "@ 3600 TXT \"v=spf1 include:spf.protection.outlook.com -all\""
	if c.spec.LegacySends && len(c.spec.LegacyHosts) > 0 {
		suggest = "@ 3600 TXT \"v=spf1 include:spf.protection.outlook.com a:" + strings.Join(c.spec.LegacyHosts, " a:") + " -all\""
	}
	switch len(spfs) {
	case 0:
		sev := Warning
		if c.spec.Stage != Before {
			sev = Error
		}
		c.add("spf.missing", sev, "no SPF record", nil, []string{suggest})
		return
	case 1:
	default:
		c.add("spf.multiple", Error, "more than one v=spf1 record: receivers treat SPF as a permanent error", spfs, []string{suggest})
		return
	}
	terms, err := parseSPF(spfs[0])
	if err != nil {
		c.add("spf.syntax", Error, "SPF syntax: "+err.Error(), spfs, []string{suggest})
		return
	}
	res := &spfResult{}
	walkSPF(c.ctx, c.q, c.dom, terms, res, 0, map[string]bool{c.dom: true})
	for _, e := range res.LookupFails {
		c.failed("an SPF include", e)
	}
	for _, e := range res.Errors {
		c.add("spf.include-error", Error, "SPF: "+e, spfs, nil)
	}
	if res.Lookups > spfMaxLookups {
		c.add("spf.lookup-limit", Error, fmt.Sprintf("SPF needs more than %d DNS lookups (counted through includes and redirects): receivers fail it (permerror)", spfMaxLookups), spfs, nil)
	}
	if res.Void > spfMaxVoid {
		c.add("spf.void-lookups", Warning, fmt.Sprintf("SPF has %d void lookups (more than %d fail it)", res.Void, spfMaxVoid), spfs, nil)
	}
	for _, t := range terms {
		if !t.Modifier && t.Name == "all" {
			switch t.Qualifier {
			case '+':
				c.add("spf.pass-all", Error, "SPF ends in +all: anyone may send as the domain", spfs, []string{suggest})
			case '?':
				c.add("spf.neutral-all", Warning, "SPF ends in ?all: it protects nothing", spfs, []string{suggest})
			}
		}
	}
	exo := contains(res.Includes, "spf.protection.outlook.com")
	if !exo && c.spec.Stage != Before {
		c.add("spf.no-exo", Error, "SPF does not include spf.protection.outlook.com while mail goes through Exchange Online", spfs, []string{suggest})
	} else if !exo {
		c.add("spf.no-exo", Warning, "SPF does not yet include spf.protection.outlook.com: add it before Exchange Online sends for the domain", spfs, []string{suggest})
	}
	if c.spec.LegacySends {
		for _, h := range c.spec.LegacyHosts {
			if !c.spfAuthorises(terms, h) {
				c.add("spf.legacy-missing", Error, "SPF does not authorise the legacy server "+h+", which still sends", spfs, []string{suggest})
			}
		}
	}
}

// spfAuthorises reports whether the record's own terms authorise host: a:host,
// mx (when host is an MX), or ip4/ip6 covering one of its addresses.
func (c *checker) spfAuthorises(terms []spfTerm, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	var addrs []netip.Addr
	if as, err := c.q.addrs(c.ctx, host); err == nil {
		for _, a := range as {
			if ip, err := netip.ParseAddr(a); err == nil {
				addrs = append(addrs, ip)
			}
		}
	}
	for _, t := range terms {
		if t.Modifier || t.Qualifier != '+' {
			continue
		}
		switch t.Name {
		case "a":
			if strings.EqualFold(strings.TrimSuffix(t.Value, "."), host) {
				return true
			}
		case "mx":
			if mxs, err := c.q.mx(c.ctx, c.dom); err == nil {
				for _, m := range mxs {
					if m.Host == host {
						return true
					}
				}
			}
		case "ip4", "ip6":
			p, err := netip.ParsePrefix(t.Value)
			if err != nil {
				a, err2 := netip.ParseAddr(t.Value)
				if err2 != nil {
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			for _, a := range addrs {
				if p.Contains(a) {
					return true
				}
			}
		}
	}
	return false
}

func (c *checker) dkim() {
	if c.spec.InitialDomain == "" || c.spec.Stage == Before {
		return
	}
	dashed := strings.ReplaceAll(c.dom, ".", "-")
	for _, sel := range []string{"selector1", "selector2"} {
		name := sel + "._domainkey." + c.dom
		want := sel + "-" + dashed + "._domainkey." + strings.ToLower(c.spec.InitialDomain)
		target, err := c.q.cname(c.ctx, name)
		if err != nil && !errors.Is(err, ErrNXDomain) {
			c.failed("DKIM "+sel, err)
			continue
		}
		add := []string{fmt.Sprintf("%s._domainkey 3600 CNAME %s", sel, want)}
		sev := Warning
		if c.spec.Stage == Final {
			sev = Error
		}
		switch {
		case target == "":
			c.add("dkim.missing", sev, "no CNAME for DKIM "+sel+": Exchange Online cannot sign for the domain", nil, add)
		case target != want && !strings.HasPrefix(target, sel+"-"+dashed+"._domainkey."):
			c.add("dkim.wrong-target", sev, "DKIM "+sel+" points at "+target+", not the tenant's "+want, []string{target}, add)
		}
	}
}

func (c *checker) dmarc() {
	name := "_dmarc." + c.dom
	txt, _, err := c.q.txt(c.ctx, name)
	if err != nil && !errors.Is(err, ErrNXDomain) {
		c.failed("DMARC", err)
		return
	}
	var recs []string
	for _, t := range txt {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(t)), "V=DMARC1") {
			recs = append(recs, t)
		}
	}
	add := []string{"_dmarc 3600 TXT \"v=DMARC1; p=none; rua=mailto:dmarc@" + c.dom + "\""}
	if len(recs) == 0 {
		sev := Info
		if c.spec.Stage == Final {
			sev = Warning
		}
		c.add("dmarc.missing", sev, "no DMARC record", nil, add)
		return
	}
	if len(recs) > 1 {
		c.add("dmarc.multiple", Error, "more than one DMARC record: receivers ignore DMARC", recs, nil)
		return
	}
	tags := map[string]string{}
	for _, part := range strings.Split(recs[0], ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			tags[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	switch tags["p"] {
	case "none":
		c.add("dmarc.policy-none", Info, "DMARC policy is none: it reports but protects nothing", recs, nil)
	case "quarantine", "reject":
	default:
		c.add("dmarc.policy-invalid", Error, fmt.Sprintf("DMARC policy %q is not none, quarantine or reject", tags["p"]), recs, add)
	}
	for _, k := range []string{"rua", "ruf"} {
		v, ok := tags[k]
		if !ok {
			continue
		}
		for _, u := range strings.Split(v, ",") {
			u = strings.TrimSpace(u)
			addr := strings.TrimPrefix(u, "mailto:")
			if i := strings.IndexByte(addr, '!'); i >= 0 {
				addr = addr[:i] // size limit suffix
			}
			if !strings.HasPrefix(u, "mailto:") {
				c.add("dmarc.report-uri", Error, fmt.Sprintf("DMARC %s %q is not a mailto: URI", k, u), recs, nil)
			} else if _, err := mailops.ParseAddress(addr); err != nil {
				c.add("dmarc.report-uri", Error, fmt.Sprintf("DMARC %s address %q is not valid", k, addr), recs, nil)
			}
		}
	}
}

func (c *checker) autodiscover() {
	name := "autodiscover." + c.dom
	target, err := c.q.cname(c.ctx, name)
	if err != nil && !errors.Is(err, ErrNXDomain) {
		c.failed("the autodiscover CNAME", err)
		return
	}
	add := []string{"autodiscover 3600 CNAME autodiscover.outlook.com"}
	switch {
	case target == "autodiscover.outlook.com":
	case target == "":
		sev := Warning
		if c.spec.Stage == Final {
			sev = Error
		}
		c.add("autodiscover.missing", sev, "no autodiscover CNAME: clients will not configure themselves for Exchange Online", nil, add)
	default:
		c.add("autodiscover.wrong-target", Warning, "autodiscover points at "+target+", not autodiscover.outlook.com", []string{target}, add)
	}
}
