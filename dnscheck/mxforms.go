package dnscheck

import "strings"

// Exchange Online MX host forms. Since July 2026 a new accepted domain gets
// its MX host under mx.microsoft (<token>.<x>-v1.mx.microsoft) and mail does
// not flow to the legacy <token>.mail.protection.outlook.com form; the only
// source of a domain's value is its Mx record in Microsoft Graph's
// serviceConfigurationRecords (Message Center MC1048624). Nothing in this
// package derives an MX host from a domain name except EXOMXHost, which the
// checks do not use.
const (
	legacyEXOMXSuffix = ".mail.protection.outlook.com"
	newEXOMXSuffix    = ".mx.microsoft"
)

// EXOMXHost is the LEGACY Exchange Online MX host pattern for a domain:
// contoso.com → contoso-com.mail.protection.outlook.com.
//
// Do not use it for domains added to a tenant after July 2026: their MX host
// is under mx.microsoft and the legacy form gets no mail flow (Message Center
// MC1048624). Take the host from the domain's Mx record in Microsoft Graph's
// serviceConfigurationRecords instead, and give it to Check as Spec.EXOMX.
// It stays for domains that already use the legacy form and for callers
// being migrated; dnscheck's own checks never call it.
func EXOMXHost(domain string) string {
	return mxToken(domain) + legacyEXOMXSuffix
}

// mxToken is the usual token of a domain in Exchange Online host names (MX,
// DKIM): its name with dashes for dots. The checks compare tokens with it;
// they never build an MX host from it.
func mxToken(domain string) string {
	return strings.ReplaceAll(hostName(domain), ".", "-")
}

// IsEXOMX reports whether host is an Exchange Online MX target: the legacy
// mail.protection.outlook.com form or the mx.microsoft form.
func IsEXOMX(host string) bool {
	h := hostName(host)
	return strings.HasSuffix(h, legacyEXOMXSuffix) || strings.HasSuffix(h, newEXOMXSuffix)
}

// exoMXToken returns the token of an Exchange Online MX host in one of the
// two known forms: <token>.mail.protection.outlook.com and
// <token>.<x>-v1.mx.microsoft (DNSSEC/DANE). ok is false for any other shape.
func exoMXToken(host string) (token string, ok bool) {
	h := hostName(host)
	if t, found := strings.CutSuffix(h, legacyEXOMXSuffix); found && t != "" && !strings.Contains(t, ".") {
		return t, true
	}
	if rest, found := strings.CutSuffix(h, newEXOMXSuffix); found {
		t, region, cut := strings.Cut(rest, ".")
		if cut && t != "" && len(region) == 4 && region[0] >= 'a' && region[0] <= 'z' && region[1:] == "-v1" {
			return t, true
		}
	}
	return "", false
}

// exoMXForm names the form of an Exchange Online MX host for messages: the
// legacy "mail.protection.outlook.com" or the newer "mx.microsoft".
func exoMXForm(host string) string {
	if strings.HasSuffix(hostName(host), newEXOMXSuffix) {
		return "mx.microsoft"
	}
	return "mail.protection.outlook.com"
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
