package runbook

import "context"

// Gates answers the questions a runbook asks of DNS between steps. Each
// function returns nil when the gate is open. NewDNSGates builds them from
// dnscheck and a set of resolvers; a nil function leaves the step without an
// automated gate (its Gate text still says what to check by hand).
type Gates struct {
	// Ownership: every resolver sees the domain's MS=ms... TXT record.
	Ownership func(ctx context.Context, domain string) error
	// MX: every resolver sees exactly the wanted MX hosts for the domain.
	MX func(ctx context.Context, domain string, want []string) error
	// Stage: the domain's DNS has no error finding for the migration stage
	// ("before", "switched" or "final").
	Stage func(ctx context.Context, domain, stage string) error
}

// Ownership probes whether a domain is held by another (for example an
// unmanaged, self-service) tenant. In the simulator the fake cloud answers;
// against the real world, the public getuserrealm endpoint's IsViral flag.
type Ownership interface {
	HeldElsewhere(ctx context.Context, domain string) (bool, error)
}
