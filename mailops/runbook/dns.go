package runbook

import (
	"strings"

	"github.com/mailops-dev/mailops/dnscheck"

	"github.com/mailops-dev/mailops/mailops"
)

// EXOMXHost is the Exchange Online MX target for a domain:
// contoso.com → contoso-com.mail.protection.outlook.com.
func EXOMXHost(domain string) string { return dnscheck.EXOMXHost(domain) }

const exoSPFInclude = "include:spf.protection.outlook.com"

func mxRecord(host string, pref, ttl int) mailops.DNSRecord {
	return mailops.DNSRecord{Type: "MX", Label: "@", Value: host, Preference: pref, TTL: ttl}
}

func txtRecord(label, text string, ttl int) mailops.DNSRecord {
	return mailops.DNSRecord{Type: "TXT", Label: label, Value: text, TTL: ttl}
}

// spf builds an SPF record that authorises Exchange Online and, while it still
// sends, the legacy host.
func spf(legacy ...string) string {
	parts := []string{"v=spf1", exoSPFInclude}
	for _, l := range legacy {
		if l != "" {
			parts = append(parts, "a:"+l)
		}
	}
	return strings.Join(append(parts, "-all"), " ")
}

// dkimRecords are the two selector CNAMEs Exchange Online asks for.
func dkimRecords(domain, initialDomain string, ttl int) []mailops.DNSRecord {
	dashed := strings.ReplaceAll(domain, ".", "-")
	var out []mailops.DNSRecord
	for _, sel := range []string{"selector1", "selector2"} {
		out = append(out, mailops.DNSRecord{Type: "CNAME", Label: sel + "._domainkey", Value: sel + "-" + dashed + "._domainkey." + initialDomain, TTL: ttl})
	}
	return out
}
