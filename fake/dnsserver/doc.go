// Package dnsserver is mailops's fake DNS: authoritative zones that change at
// run time, answered by one miekg/dns Handler in-process (fast, no sockets)
// or over UDP and TCP on loopback (labs, real dig), and caching resolvers
// that honour TTLs against a mailops.Clock, each with its own cache, so
// different senders see a change at different times.
//
// An Authority holds zones (each with its SOA and NS) and their records of
// types MX, A, AAAA, CNAME, TXT and SRV (and, through the generic Add, any
// other type). Names are case-insensitive; internationalised names are kept
// as A-labels ("日本.example" is "xn--wgv71a.example."). Answers follow the
// RFCs where a client could tell: NXDOMAIN versus NODATA (empty
// non-terminals exist), the zone's SOA in the authority section of negative
// answers with the TTL negative caching uses (RFC 2308), CNAME chains chased
// inside the authority and bounded, REFUSED outside every zone, FORMERR and
// NOTIMP for what it cannot answer, and the TC bit over UDP when an answer
// exceeds the client's buffer (EDNS0 honoured), so clients retry over TCP.
// FailWith makes a name answer SERVFAIL or never answer.
//
// A Resolver caches what its upstream (an Authority, another Resolver, or a
// network client) answers, measured on the Clock: virtual time under
// fake/sim. Its lookups tell failures apart (*LookupError matching ErrNXDomain,
// ErrNoRecords, ErrServFail, ErrRefused, ErrTimeout or ErrCNAMELoop), so a
// failure is never taken for "no such record". The lookups only read
// answers, so they share them: an in-process Authority hands a resolver's
// lookups the answers it stores until its zones next change (stored.go),
// the resolver caches them as they are, and an expired lookup that finds the
// same records again keeps its result (memo.go). Exchange, of an Authority
// or a Resolver, hands out answers of the caller's own.
//
// miekg/dns stays in the wire files (wire.go, handler.go, server.go,
// stored.go, resolver.go, lookup.go, memo.go); the zones keep records in the
// package's own types (records.go, zone.go).
package dnsserver
