// Package fake is mailops's in-memory Exchange Online: a Cloud (the shared
// directory that decides which tenant holds which domain) and Tenants that
// implement mailops.Driver.
//
// A Tenant versions every write. Admin reads may lag (eventual consistency),
// and mail flow reads a separate view (MailView) in which each change appears
// only after its propagation delay, drawn per kind of object from
// configurable distributions. Calls take time, are bounded per admin
// (sessions), throttled by a token bucket with Retry-After, and can fail at
// random (seeded) or on purpose ("the 3rd CreateGroup fails", "the call is
// applied but its reply is lost").
//
// The tenant takes only a mailops.Clock and a *rand.Rand, so it runs in
// virtual time under fake/sim or in real time under the wall executor.
package fake
