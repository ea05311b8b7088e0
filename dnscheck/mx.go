package dnscheck

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// EXOMXHost is the classic Exchange Online MX target for a domain:
// contoso.com → contoso-com.mail.protection.outlook.com.
func EXOMXHost(domain string) string {
	return mxToken(domain) + ".mail.protection.outlook.com"
}

// mxToken is the usual MX token of a domain: its name with dashes for dots.
func mxToken(domain string) string {
	return strings.ReplaceAll(hostName(domain), ".", "-")
}

// IsEXOMX reports whether host is an Exchange Online MX target (the classic
// mail.protection.outlook.com form or the newer mx.microsoft form).
func IsEXOMX(host string) bool {
	h := hostName(host)
	return strings.HasSuffix(h, ".mail.protection.outlook.com") || strings.HasSuffix(h, ".mx.microsoft")
}

// exoMXToken returns the token of an Exchange Online MX host in one of the
// two known forms: <token>.mail.protection.outlook.com and
// <token>.<x>-v1.mx.microsoft (DNSSEC/DANE). ok is false for any other shape.
func exoMXToken(host string) (token string, ok bool) {
	h := hostName(host)
	if t, found := strings.CutSuffix(h, ".mail.protection.outlook.com"); found && t != "" && !strings.Contains(t, ".") {
		return t, true
	}
	if rest, found := strings.CutSuffix(h, ".mx.microsoft"); found {
		t, region, cut := strings.Cut(rest, ".")
		if cut && t != "" && len(region) == 4 && region[0] >= 'a' && region[0] <= 'z' && region[1:] == "-v1" {
			return t, true
		}
	}
	return "", false
}

// isOldEXOMX reports an Exchange Online target Microsoft no longer supports.
func isOldEXOMX(host string) bool {
	h := hostName(host)
	return h == "mail.eo.outlook.com" || h == "mail.messaging.microsoft.com" || strings.HasSuffix(h, ".mail.eo.outlook.com")
}

// isVerificationMX reports the ownership-proof MX (msXXXXXXXX.msv1.invalid):
// not a mail server.
func isVerificationMX(host string) bool {
	return strings.HasSuffix(hostName(host), ".msv1.invalid")
}

func (c *checker) mx() {
	if errors.Is(c.mxErr, ErrNXDomain) {
		if !c.has("domain.nxdomain") {
			c.add("domain.nxdomain", Error, c.dom+" does not exist in DNS (NXDOMAIN)", nil, nil)
		}
		return
	}
	if c.failed("the MX records of "+c.dom, c.mxErr) {
		return
	}
	var seen []string
	var exo, other, verification []mxRec
	null := false
	for _, m := range c.mxs {
		seen = append(seen, fmt.Sprintf("MX %d %s (TTL %d)", m.Pref, m.Host, m.TTL))
		switch {
		case m.Host == "":
			null = true
		case isVerificationMX(m.Host):
			verification = append(verification, m)
		case IsEXOMX(m.Host):
			exo = append(exo, m)
		default:
			other = append(other, m)
		}
	}
	want := c.spec.EXOMX
	if want == "" {
		want = EXOMXHost(c.dom)
	}
	add := []string{fmt.Sprintf("@ 3600 MX 0 %s", want)}
	if null {
		c.add("mx.null", Error, "the domain publishes a null MX (RFC 7505): it says it accepts no mail", seen, add)
	}
	for _, m := range verification {
		if c.spec.Verified {
			c.add("mx.verification-record", Warning, "MX "+m.Host+" only proved ownership and is not a mail server: remove it now that the domain is verified", seen, nil)
		} else {
			c.add("mx.verification-record", Info, "MX "+m.Host+" is the ownership proof, not a mail server: remove it once the domain is verified", seen, nil)
		}
	}
	c.exoTargets(exo, other, seen)
	delivering := len(exo) + len(other)
	switch c.spec.Stage {
	case Before:
		if len(exo) > 0 && len(other) > 0 {
			c.add("mx.mixed", Error, "Exchange Online is an MX next to the legacy server: senders hosted in Exchange Online may deliver to the tenant whatever the preference, into mailboxes nobody reads yet; use the autodiscover CNAME for clients instead", seen, nil)
		} else if len(exo) > 0 {
			c.add("mx.exo-before-switch", Warning, "the MX already points at Exchange Online before the planned switch", seen, nil)
		}
		if delivering == 0 && !null {
			c.add("mx.missing", Error, "the domain has no MX: mail to it cannot be delivered", seen, nil)
		}
		for _, m := range other {
			if ttl := time.Duration(m.TTL) * time.Second; ttl > c.spec.MaxMXTTL {
				c.add("mx.ttl-high", Warning, fmt.Sprintf("MX %s has TTL %s: resolvers may keep it that long after the switch; lower it to 5 minutes now and switch no earlier than %s later", m.Host, ttl, ttl), seen, []string{fmt.Sprintf("@ 300 MX %d %s", m.Pref, m.Host)})
			}
		}
	default:
		switch {
		case len(exo) == 0:
			c.add("mx.not-exo", Error, "no MX points at Exchange Online", seen, add)
		case len(other) > 0:
			c.add("mx.mixed", Error, "Exchange Online shares the MX with other hosts: Exchange Online supports one MX, and senders in Exchange Online may ignore the preference", seen, add)
		case len(exo) > 1:
			c.add("mx.multiple-exo", Warning, "more than one Exchange Online MX: publish exactly one", seen, add)
		default:
			c.add("mx.exo", Info, "exactly one MX, at Exchange Online", seen, nil)
		}
	}
	for _, m := range other {
		c.mxHost(m.Host, seen)
	}
}

// exoTargets checks the form of every Exchange Online MX (and spots
// unsupported old targets among the others).
func (c *checker) exoTargets(exo, other []mxRec, seen []string) {
	want := c.spec.EXOMX
	for _, m := range other {
		if isOldEXOMX(m.Host) {
			c.add("mx.exo-target", Error, "MX "+m.Host+" is an old Exchange Online target Microsoft no longer supports", seen, []string{"@ 3600 MX 0 " + EXOMXHost(c.dom)})
		}
	}
	for _, m := range exo {
		token, ok := exoMXToken(m.Host)
		switch {
		case want != "" && m.Host != want:
			c.add("mx.exo-target", Error, fmt.Sprintf("MX %s is not the tenant's Exchange Online target %s: mail may go to another domain's tenant", m.Host, want), seen, []string{"@ 3600 MX 0 " + want})
		case want != "":
		case !ok:
			c.add("mx.exo-target", Error, "MX "+m.Host+" is not a known Exchange Online target form (<token>.mail.protection.outlook.com or <token>.<x>-v1.mx.microsoft)", seen, []string{"@ 3600 MX 0 " + EXOMXHost(c.dom)})
		case token != mxToken(c.dom) && !strings.HasPrefix(token, mxToken(c.dom)):
			c.add("mx.exo-target", Warning, fmt.Sprintf("MX %s has token %q, not %q: check it is the value the tenant shows for this domain", m.Host, token, mxToken(c.dom)), seen, nil)
		}
	}
}

// mxHost checks that a (non-Exchange Online) MX host is a host name with
// addresses, not a CNAME.
func (c *checker) mxHost(host string, seen []string) {
	if isOldEXOMX(host) {
		return
	}
	target, err := c.q.cname(c.ctx, host)
	if err != nil && !errors.Is(err, ErrNXDomain) {
		c.failed("MX host "+host, err)
		return
	}
	if target != "" {
		c.add("mx.cname", Error, "MX host "+host+" is a CNAME (to "+target+"): an MX must name a host with addresses (RFC 2181 section 10.3)", seen, nil)
		return
	}
	addrs, err := c.q.addrs(c.ctx, host)
	if errors.Is(err, ErrNXDomain) || (err == nil && len(addrs) == 0) {
		c.add("mx.no-address", Error, "MX host "+host+" has no A or AAAA record: senders cannot connect", seen, nil)
		return
	}
	c.failed("MX host "+host, err)
}
