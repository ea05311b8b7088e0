package fake

import "time"

// TenantConfig sets a tenant's behaviour. DefaultTenantConfig gives values
// from reference/exo-facts.md; where that says a thing is undocumented the
// default is a stated guess, and configurable.
type TenantConfig struct {
	// Latency of every driver call.
	Latency Dist
	// AdminLag: with probability Probability a read sees the state as it was
	// Lag ago (eventual consistency of admin reads).
	AdminLag AdminLag
	// Propagation: how long until mail flow sees a change, per kind.
	// Changes to one object coalesce: a change made before the previous
	// one reached mail flow supersedes it, and mail flow never sees the
	// intermediate state.
	Propagation Propagation
	// SessionLimit is the number of concurrent calls one admin may have; a
	// call over it is refused as throttling (429, Retry-After 1 s). Exchange
	// Online documents no number since every cmdlet moved to REST in 2023
	// (the remote PowerShell limit went from three to five in 2020 and was
	// removed in July 2023: fidelity audit E1). 0 means no limit.
	SessionLimit int
	// Throttle is a token bucket per tenant; Rate 0 means no throttling.
	Throttle Throttle
	// Faults are seeded random failures.
	Faults RandomFaults
}

// AdminLag describes stale admin reads.
type AdminLag struct {
	Probability float64
	Lag         Dist
}

// Propagation holds a delay distribution per kind of object.
type Propagation struct {
	// Domain: verification and Set-AcceptedDomain -DomainType ("a few
	// minutes", exo-facts 1.4).
	Domain Dist
	// AcceptedDomain: from EnableEmail (Graph supportedServices) until
	// Exchange Online has made the domain an accepted domain, for admin
	// reads and mail flow alike. Undocumented: configurable.
	AcceptedDomain Dist
	// Recipient: new mailboxes and changes to them (up to an hour, 4.5).
	Recipient Dist
	// Group: new groups and membership changes (up to an hour, 4.5).
	Group Dist
	// Connector: connectors (no documented delay; "a few minutes" to an
	// hour, 2.1).
	Connector Dist
	// RemoteDomain: remote-domain settings (undocumented; like transport
	// rules, up to 30 minutes, 1.4).
	RemoteDomain Dist
}

// Throttle is a token bucket: Burst calls at once, refilled at Rate per
// second; an empty bucket refuses with 429 and Retry-After. Below
// MicroDelayBelow (a fraction of Burst) calls are slowed by MicroDelay
// instead: "WARNING: Micro delay applied" is how Exchange throttled before
// refusing (Exchange Team blog, 2015; Microsoft's support article on the
// warning says "This behavior is by design").
type Throttle struct {
	Rate            float64
	Burst           int
	MicroDelay      Dist
	MicroDelayBelow float64
}

// RandomFaults are per-call probabilities of failure.
type RandomFaults struct {
	Throttle    float64 // refused with ErrThrottled (RetryAfter drawn from ThrottleRetryAfter)
	Unavailable float64 // refused with ErrUnavailable, nothing applied
	ReplyLost   float64 // applied, but the caller gets ErrUnavailable
	// ThrottleRetryAfter is the Retry-After of a random throttle.
	ThrottleRetryAfter Dist
}

// DefaultTenantConfig returns the defaults. Sources (reference/exo-facts.md):
//   - Latency U[200ms,2s]: a guess (cmdlets and Graph calls take about a
//     second); not documented.
//   - AdminLag 10% of reads up to 30s stale: a guess at directory
//     replication between front ends; not documented.
//   - Propagation.Domain U[1m,5m]: "This setting might require a few minutes
//     to take effect" (switching to Internal Relay, 1.4).
//   - Propagation.AcceptedDomain U[1m,5m]: undocumented (Graph says only
//     that verification alone does not configure Exchange); a guess like
//     the domain type's "few minutes".
//   - Propagation.Recipient and .Group U[5m,60m]: "it can take up to one hour
//     before the changes are fully applied" for new mailboxes, new lists and
//     membership changes (third-party KB, 4.5).
//   - Propagation.Connector U[1m,60m]: no documented delay; "allow a few
//     minutes" (third-party, 2.1), bounded by the hour of 4.5.
//   - Propagation.RemoteDomain U[1m,30m]: undocumented; taken from mail flow
//     rules, "up to 30 minutes" (1.4).
//   - SessionLimit 5: a guess; the last documented figure (five remote
//     PowerShell connections, removed in 2023). Refusals are 429s.
//   - Throttle 200 per 5 seconds with a burst of 200: the budget snapshot
//     "PowerShellCmdletsLeft: 200/200, CmdletTimePeriod: 5", whose period
//     New-ThrottlingPolicy documents "in seconds" (the audit's E2: it was
//     read as minutes). A guess for the REST era: configurable. Below a
//     quarter of the bucket, calls get a micro delay of U[0.5s,2s] (a guess).
//   - No random faults; a random throttle's Retry-After is U[1s,30s] (a
//     guess; Graph's SDK caps its own waits at 180s, 7.5).
func DefaultTenantConfig() TenantConfig {
	return TenantConfig{
		Latency:  Uniform(200*time.Millisecond, 2*time.Second),
		AdminLag: AdminLag{Probability: 0.1, Lag: Uniform(0, 30*time.Second)},
		Propagation: Propagation{
			Domain:         Uniform(time.Minute, 5*time.Minute),
			AcceptedDomain: Uniform(time.Minute, 5*time.Minute),
			Recipient:      Uniform(5*time.Minute, time.Hour),
			Group:          Uniform(5*time.Minute, time.Hour),
			Connector:      Uniform(time.Minute, time.Hour),
			RemoteDomain:   Uniform(time.Minute, 30*time.Minute),
		},
		SessionLimit: 5,
		Throttle:     Throttle{Rate: 200.0 / 5.0, Burst: 200, MicroDelay: Uniform(500*time.Millisecond, 2*time.Second), MicroDelayBelow: 0.25},
		Faults:       RandomFaults{ThrottleRetryAfter: Uniform(time.Second, 30*time.Second)},
	}
}

// InstantTenantConfig has no latency, no lag, instant propagation, no
// session limit, no throttling and no faults: for tests of logic, and for
// the conformance suite.
func InstantTenantConfig() TenantConfig { return TenantConfig{} }

// CloudConfig sets behaviour shared by all tenants.
type CloudConfig struct {
	// ReleaseDelay is how long after a domain leaves one tenant (RemoveDomain,
	// or ReleaseUnmanaged) another may verify it ("You may have to wait one
	// hour after removing the domain from the old tenant", exo-facts 1.4).
	// Until then AddDomain succeeds but VerifyDomain fails with
	// ErrDomainTaken: the old tenant's hold has not been lifted everywhere
	// yet (ErrNotVerified would wrongly say the proof is missing).
	ReleaseDelay time.Duration
	// MXMicrosoftSince: domains added at or after this time get their MX
	// host under mx.microsoft (<token>.<x>-v1.mx.microsoft), earlier ones
	// the legacy <token>.mail.protection.outlook.com. "Starting July 1,
	// 2026, A records for new Accepted Domains will use subdomains under
	// mx.microsoft" (Message Center MC1048624, via third-party mirrors).
	// The zero time means every domain gets the new form.
	MXMicrosoftSince time.Time
}

// MXMicrosoftDate is the day new accepted domains started getting MX hosts
// under mx.microsoft (MC1048624).
var MXMicrosoftDate = time.Date(2026, time.July, 1, 0, 0, 0, 0, time.UTC)

// DefaultCloudConfig returns the defaults.
func DefaultCloudConfig() CloudConfig {
	return CloudConfig{ReleaseDelay: time.Hour, MXMicrosoftSince: MXMicrosoftDate}
}
