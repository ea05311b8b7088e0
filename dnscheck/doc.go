// Package dnscheck checks a domain's mail DNS against what Exchange Online
// needs and what the next migration step expects: the ownership TXT record,
// MX (the Exchange Online target forms, the host of the domain's Mx
// service record when the spec gives it, a single MX after the switch, the
// mixed legacy and Exchange Online hazard, targets without addresses or
// behind a CNAME, a high TTL ahead of a switch and the wait it implies),
// SPF (one record, syntax, the Exchange Online include, the legacy server
// while it still sends, the 10-lookup limit through includes and
// redirects, void lookups, +all and ?all), DKIM selector CNAMEs, DMARC and
// the autodiscover CNAME. Check returns a Report of findings with stable
// ids (docs/dnscheck.md lists them all); Report.Safe answers "is it safe to
// do the next step of this stage now?".
//
// It queries through an Exchanger: a real DNS server (NewClient: UDP with
// EDNS0, retried, TCP when truncated) or fake/dnsserver in-process. A
// lookup that fails (timeout, SERVFAIL, REFUSED) is reported as such,
// never as a missing record; NXDOMAIN is told apart too. WatchMX,
// WatchTXT and WatchCNAME ask several resolvers until they agree, sleeping
// on the caller's mailops.Clock (virtual time under fake/sim), and give the
// earliest safe time from the TTLs.
//
// miekg/dns appears only in exchanger.go (the network client) and
// lookup.go (messages to records and typed errors); the checks work on
// plain strings.
package dnscheck
