package dnscheck

import (
	"errors"
	"fmt"
	"strings"
)

// exoTargets checks the form of every Exchange Online MX against the
// tenant's service record when the spec gives it (Spec.EXOMX), else against
// the known forms and the domain's usual token; and spots unsupported old
// targets among the others.
func (c *checker) exoTargets(exo, other []mxRec, seen []string) {
	want := c.spec.EXOMX
	for _, m := range other {
		if isOldEXOMX(m.Host) {
			c.add("mx.exo-target", Error, "MX "+m.Host+" is an old Exchange Online target Microsoft no longer supports", seen, c.exoMXAdd())
		}
	}
	for _, m := range exo {
		token, ok := exoMXToken(m.Host)
		switch {
		case want != "" && m.Host != want:
			c.add("mx.exo-target", Error, c.notServiceRecord(m.Host), seen, c.exoMXAdd())
		case want != "":
		case !ok:
			c.add("mx.exo-target", Error, "MX "+m.Host+" is not a known Exchange Online target form (<token>.mail.protection.outlook.com or <token>.<x>-v1.mx.microsoft)", seen, c.exoMXAdd())
		case token != mxToken(c.dom) && !strings.HasPrefix(token, mxToken(c.dom)):
			c.add("mx.exo-target", Warning, fmt.Sprintf("MX %s has token %q, not %q: check it is the host of the domain's Mx service record", m.Host, token, mxToken(c.dom)), seen, c.exoMXAdd())
		}
	}
}

// notServiceRecord explains an Exchange Online MX that is not the host of
// the domain's service record.
func (c *checker) notServiceRecord(host string) string {
	want := c.spec.EXOMX
	have, need := exoMXForm(host), exoMXForm(want)
	switch {
	case have == need:
		return fmt.Sprintf("MX %s is not the host of the domain's Mx service record, %s: mail may go to another domain's tenant", host, want)
	case need == "mx.microsoft":
		return fmt.Sprintf("MX %s has the legacy %s form but the domain's Mx service record is %s: since July 2026 new accepted domains receive under mx.microsoft and get no mail through the legacy form (MC1048624)", host, have, want)
	default:
		return fmt.Sprintf("MX %s has the %s form but the domain's Mx service record is %s: publish the host the service record gives", host, have, want)
	}
}

// mxHost checks that a (non-Exchange Online) MX host is a host name with
// addresses, not a CNAME.
func (c *checker) mxHost(host string, seen []string) {
	if isOldEXOMX(host) {
		return
	}
	target, err := c.q.cname(c.ctx, host)
	if c.refused(host, err, seen) {
		return
	}
	if err != nil && !errors.Is(err, ErrNXDomain) {
		c.failed("MX host "+host, err)
		return
	}
	if target != "" {
		c.add("mx.cname", Error, "MX host "+host+" is a CNAME (to "+target+"): an MX must name a host with addresses (RFC 2181 section 10.3)", seen, nil)
		return
	}
	c.mxAddresses(host, seen)
}

// mxAddresses checks that an MX host resolves to an address. NXDOMAIN or no
// A and AAAA record is mx.no-address; a failed lookup is lookup-failed.
func (c *checker) mxAddresses(host string, seen []string) {
	addrs, err := c.q.addrs(c.ctx, host)
	var why string
	switch {
	case c.refused(host, err, seen):
		return
	case errors.Is(err, ErrNXDomain):
		why = "does not exist (NXDOMAIN)"
	case err == nil && len(addrs) == 0:
		why = "has no A or AAAA record"
	default:
		c.failed("MX host "+host, err)
		return
	}
	if !IsEXOMX(host) {
		c.add("mx.no-address", Error, "MX host "+host+" "+why+": senders cannot connect", seen, nil)
		return
	}
	msg := "Exchange Online MX host " + host + " " + why + ": senders cannot deliver"
	if c.spec.EXOMX == "" {
		msg += "; take the MX host from the domain's Mx service record (domains added since July 2026 receive under mx.microsoft, MC1048624)"
	}
	var add []string
	if host != c.spec.EXOMX {
		add = c.exoMXAdd()
	}
	c.add("mx.no-address", Error, msg, seen, add)
}

// refused handles a server that refuses to answer for an MX host while it
// answered for the domain: an authoritative-only server asked about another
// zone (Microsoft's, or the legacy host's). That is neither an absence nor a
// failure of the domain's DNS: mx.target-not-checked says so, and that a
// recursive resolver is needed to check the host. It reports whether err was
// such a refusal.
func (c *checker) refused(host string, err error, seen []string) bool {
	if !errors.Is(err, ErrRefused) {
		return false
	}
	c.add("mx.target-not-checked", Info, "MX host "+host+" not checked: the DNS server asked refused the query (it does not serve that zone); ask a recursive resolver to check that it resolves", seen, nil)
	return true
}
