package runbook

import "time"

// Timing holds the waits a runbook builds in. Exchange Online documents no way
// to observe when a change reaches mail flow, so each wait is an upper bound:
// the documented or observed figure (reference/exo-facts.md), configurable.
type Timing struct {
	// DomainType: Set-AcceptedDomain "might require a few minutes".
	DomainType time.Duration
	// Connector: connectors are used once saved, but propagation is
	// undocumented; a few minutes observed, an hour allowed.
	Connector time.Duration
	// Group: a new group or membership change can take up to an hour.
	Group time.Duration
	// Recipient: a new mailbox can take up to an hour to receive mail.
	Recipient time.Duration
	// SenderHorizon is how long senders keep retrying deferred mail (48 h
	// is common for internet MTAs): mail queued before a switch can arrive
	// that much later, through the new route.
	SenderHorizon time.Duration
	// DNSPoll is how often a DNS gate asks again; DNSTimeout bounds it.
	DNSPoll    time.Duration
	DNSTimeout time.Duration
}

// DefaultTiming returns the waits from reference/exo-facts.md.
func DefaultTiming() Timing {
	return Timing{
		DomainType:    5 * time.Minute,
		Connector:     time.Hour,
		Group:         time.Hour,
		Recipient:     time.Hour,
		SenderHorizon: 48 * time.Hour,
		DNSPoll:       5 * time.Minute,
		DNSTimeout:    72 * time.Hour,
	}
}

func (t Timing) orDefault() Timing {
	d := DefaultTiming()
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	return Timing{
		DomainType:    pick(t.DomainType, d.DomainType),
		Connector:     pick(t.Connector, d.Connector),
		Group:         pick(t.Group, d.Group),
		Recipient:     pick(t.Recipient, d.Recipient),
		SenderHorizon: pick(t.SenderHorizon, d.SenderHorizon),
		DNSPoll:       pick(t.DNSPoll, d.DNSPoll),
		DNSTimeout:    pick(t.DNSTimeout, d.DNSTimeout),
	}
}
