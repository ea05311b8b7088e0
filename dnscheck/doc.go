// Package dnscheck checks a domain's mail DNS against what Exchange Online
// needs and what the next migration step expects: the ownership TXT record,
// MX (the Exchange Online target, a single MX after the switch, the mixed
// legacy and Exchange Online hazard, targets without addresses or behind a
// CNAME, a high TTL ahead of a switch), SPF (one record, syntax, the Exchange
// Online include, the legacy server while it still sends, the 10-lookup
// limit through includes and redirects, void lookups, +all and ?all), DKIM
// selector CNAMEs, DMARC and the autodiscover CNAME.
//
// It queries through an Exchanger: a real DNS server (NewClient, UDP with a
// TCP fall-back) or fake/dnsserver in-process. A lookup that fails (timeout,
// SERVFAIL, REFUSED) is reported as such, never as a missing record. Watch
// asks several resolvers until they agree, in the caller's Clock (virtual
// time under the simulator).
package dnscheck
