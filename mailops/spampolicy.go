package mailops

// AutoForwardingMode is the outbound spam filter policy's control of automatic
// external forwarding (Set-HostedOutboundSpamFilterPolicy -AutoForwardingMode).
//
// Source: learn.microsoft.com/defender-office-365/outbound-spam-policies-external-email-forwarding:
// "Automatic - System-controlled: … is now the same as Off", "Off: Automatic
// external forwarding is disabled and will result in a non-delivery report",
// "On: Automatic external forwarding isn't restricted". Disabling it
// "disables any Inbox rules (users) or mailbox forwarding (admins)"; the NDR
// is "5.7.520 Access denied, Your organization does not allow external
// forwarding".
type AutoForwardingMode string

// Automatic forwarding modes.
const (
	// AutoForwardAutomatic is the default: system-controlled, now the same as
	// Off.
	AutoForwardAutomatic AutoForwardingMode = "Automatic"
	// AutoForwardOn allows automatic external forwarding.
	AutoForwardOn AutoForwardingMode = "On"
	// AutoForwardOff blocks it with 5.7.520.
	AutoForwardOff AutoForwardingMode = "Off"
)

// Validate reports whether m is one of the three modes.
func (m AutoForwardingMode) Validate() error {
	switch m {
	case AutoForwardAutomatic, AutoForwardOn, AutoForwardOff:
		return nil
	}
	return invalid("AutoForwardingMode", string(m), "must be Automatic, On or Off")
}

// AllowsExternal reports whether automatic forwarding to external recipients
// is allowed: only On allows it (Automatic now means Off).
func (m AutoForwardingMode) AllowsExternal() bool { return m == AutoForwardOn }

// DefaultOutboundSpamPolicy is the identity of the built-in outbound spam
// filter policy that applies to every user no custom policy covers.
const DefaultOutboundSpamPolicy = "Default"

// OutboundSpamPolicy is a hosted outbound spam filter policy; mailops models
// only its automatic forwarding setting. Custom policies scoped to users by
// rules are not modelled: the Default policy applies to everyone.
type OutboundSpamPolicy struct {
	Name               string             `json:"name"`
	AutoForwardingMode AutoForwardingMode `json:"autoForwardingMode"`
}

// Validate checks the policy.
func (p OutboundSpamPolicy) Validate() error {
	if err := checkName("OutboundSpamPolicy.Name", p.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := p.AutoForwardingMode.Validate(); err != nil {
		return invalid("OutboundSpamPolicy.AutoForwardingMode", string(p.AutoForwardingMode), "must be Automatic, On or Off")
	}
	return nil
}
