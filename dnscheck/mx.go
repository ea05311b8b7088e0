package dnscheck

import (
	"errors"
	"fmt"
	"time"
)

// serviceRecordPlaceholder stands for the Exchange Online MX host in a
// record to add when the spec does not give it: dnscheck never derives it
// from the domain name.
const serviceRecordPlaceholder = "<mailExchange of the domain's Mx record in Graph serviceConfigurationRecords>"

// exoMXAdd is the Exchange Online MX record to publish: the tenant's host
// (Spec.EXOMX) or, when unknown, where to find it.
func (c *checker) exoMXAdd() []string {
	host := c.spec.EXOMX
	if host == "" {
		host = serviceRecordPlaceholder
	}
	return []string{"@ 3600 MX 0 " + host}
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
	add := c.exoMXAdd()
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
		case c.spec.EXOMX != "":
			c.add("mx.exo", Info, "exactly one MX, at Exchange Online: the host of the domain's service record", seen, nil)
		default:
			c.add("mx.exo", Info, "exactly one MX, at Exchange Online (its form only: give the host of the domain's Mx service record, Spec.EXOMX, to compare)", seen, nil)
		}
		// Mail flows to Exchange Online now: its hosts must resolve.
		for _, m := range exo {
			c.mxAddresses(m.Host, seen)
		}
	}
	for _, m := range other {
		c.mxHost(m.Host, seen)
	}
}
