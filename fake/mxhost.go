package fake

import (
	"hash/fnv"
	"strings"
	"time"
)

// MXHost is the MX host Exchange Online gives a domain: the legacy form
// <token>.mail.protection.outlook.com, or since July 2026 (MC1048624)
// <token>.<region>-v1.mx.microsoft, where token is the domain with dashes
// for dots. Only the shape is documented; the region letter is the tenant's
// (see Tenant.MXRegion). Never build a host from this in a runbook: read the
// domain's service records.
func MXHost(domain string, newForm bool, region byte) string {
	token := strings.ReplaceAll(strings.TrimSuffix(domain, "."), ".", "-")
	if !newForm {
		return token + ".mail.protection.outlook.com"
	}
	return token + "." + string(region) + "-v1.mx.microsoft"
}

// mxForm reports whether a domain added at now gets the new MX form.
func (c *Cloud) mxForm(now time.Time) bool {
	return !now.Before(c.cfg.MXMicrosoftSince)
}

// mxRegion is the tenant's region letter in mx.microsoft hosts: derived from
// its name, so that it is stable across runs.
func (t *Tenant) mxRegion() byte {
	h := fnv.New32a()
	_, _ = h.Write([]byte(t.name))
	return byte('a' + h.Sum32()%26)
}

// MXRegion returns the region letter of the tenant's mx.microsoft hosts.
func (t *Tenant) MXRegion() byte { return t.mxRegion() }
