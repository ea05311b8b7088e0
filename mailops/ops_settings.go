package mailops

import (
	"context"
	"fmt"
	"slices"
)

// EnableEmail adds Email to a verified domain's supported services (Graph
// PATCH /domains/{id}), after which Exchange Online makes it an accepted
// domain: "Verifying a domain through Microsoft Graph doesn't configure the
// domain for use with Office 365 services like Exchange" (domain-verify).
// A plan follows it with a check that the accepted domain has appeared.
type EnableEmail struct {
	Name string
}

// Validate checks the name.
func (o EnableEmail) Validate() error { return Domain{Name: o.Name}.Validate() }

// Describe says what the operation does.
func (o EnableEmail) Describe() string {
	return "enable Email on " + o.Name + " (Exchange Online accepted domain)"
}

// PowerShell renders the Microsoft Graph PowerShell command.
func (o EnableEmail) PowerShell() []string {
	return []string{"Update-MgDomain -DomainId " + psQuote(o.Name) + " -SupportedServices @('Email')"}
}

// Check reports Done when the domain's supported services include Email.
func (o EnableEmail) Check(ctx context.Context, d Driver) (Status, error) {
	dom, err := d.GetDomain(ctx, o.Name)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, conflict("domain "+o.Name, "present", "absent")
	}
	if slices.Contains(dom.SupportedServices, "Email") {
		return Done, nil
	}
	return Ready, nil
}

// Apply enables Email.
func (o EnableEmail) Apply(ctx context.Context, d Driver) error { return d.EnableEmail(ctx, o.Name) }

// SetGroupSimpleDisplayName is Set-DistributionGroup -SimpleDisplayName: the
// ASCII name external recipients see for mail sent as the group, where the
// remote domain uses simple display names.
type SetGroupSimpleDisplayName struct {
	Group Address
	Name  string // "" clears it
	// From is the value observed when the plan was made; nil means any.
	From *string
}

// Validate checks the address and the name's character set.
func (o SetGroupSimpleDisplayName) Validate() error {
	if err := o.Group.validateField("SetGroupSimpleDisplayName.Group"); err != nil {
		return err
	}
	return checkSimpleDisplayName("SetGroupSimpleDisplayName.Name", o.Name)
}

// Describe says what the operation does.
func (o SetGroupSimpleDisplayName) Describe() string {
	if o.Name == "" {
		return "clear the simple display name of group " + string(o.Group)
	}
	return fmt.Sprintf("show group %s to external recipients as %q", o.Group, o.Name)
}

// PowerShell renders the cmdlet.
func (o SetGroupSimpleDisplayName) PowerShell() []string {
	c := groupCmd("Set-DistributionGroup", o.Group)
	if o.Name == "" {
		c.arg("SimpleDisplayName", "$null")
	} else {
		c.str("SimpleDisplayName", o.Name)
	}
	return []string{c.String()}
}

// Check compares the current name with Name and From.
func (o SetGroupSimpleDisplayName) Check(ctx context.Context, d Driver) (Status, error) {
	g, err := getGroupForOp(ctx, d, o.Group)
	if err != nil {
		return 0, err
	}
	if g.SimpleDisplayName == o.Name {
		return Done, nil
	}
	if o.From != nil && g.SimpleDisplayName != *o.From {
		return 0, conflict("simple display name of group "+string(o.Group), fmt.Sprintf("%q", *o.From), fmt.Sprintf("%q", g.SimpleDisplayName))
	}
	return Ready, nil
}

// Apply sets the name.
func (o SetGroupSimpleDisplayName) Apply(ctx context.Context, d Driver) error {
	return d.SetGroupSimpleDisplayName(ctx, o.Group, o.Name)
}

// SetOutboundSpamPolicy is Set-HostedOutboundSpamFilterPolicy
// -AutoForwardingMode: the setting that allows or blocks (5.7.520) automatic
// forwarding to external recipients.
type SetOutboundSpamPolicy struct {
	Policy OutboundSpamPolicy
	// From is the mode observed when the plan was made; "" means any.
	From AutoForwardingMode
}

// Validate checks the policy.
func (o SetOutboundSpamPolicy) Validate() error { return o.Policy.Validate() }

// Describe says what the operation does.
func (o SetOutboundSpamPolicy) Describe() string {
	return fmt.Sprintf("set automatic external forwarding of policy %q to %s", o.Policy.Name, o.Policy.AutoForwardingMode)
}

// PowerShell renders the cmdlet.
func (o SetOutboundSpamPolicy) PowerShell() []string {
	return []string{cmdlet("Set-HostedOutboundSpamFilterPolicy").str("Identity", o.Policy.Name).arg("AutoForwardingMode", string(o.Policy.AutoForwardingMode)).String()}
}

// Check compares the current mode with the wanted and planned-from one.
func (o SetOutboundSpamPolicy) Check(ctx context.Context, d Driver) (Status, error) {
	p, err := d.GetOutboundSpamPolicy(ctx, o.Policy.Name)
	if err != nil {
		return 0, err
	}
	if p.AutoForwardingMode == o.Policy.AutoForwardingMode {
		return Done, nil
	}
	if o.From != "" && p.AutoForwardingMode != o.From {
		return 0, conflict("outbound spam policy "+o.Policy.Name, string(o.From), string(p.AutoForwardingMode))
	}
	return Ready, nil
}

// Apply sets the mode.
func (o SetOutboundSpamPolicy) Apply(ctx context.Context, d Driver) error {
	return d.SetOutboundSpamPolicy(ctx, o.Policy)
}

// CreateDkimSigningConfig is New-DkimSigningConfig -DomainName -Enabled
// $false: it makes the selector keys whose CNAME targets the domain must
// publish before signing is enabled (SetDkimSigning). Source:
// learn.microsoft.com/defender-office-365/email-authentication-dkim-configure.
type CreateDkimSigningConfig struct {
	Domain string
}

// Validate checks the domain.
func (o CreateDkimSigningConfig) Validate() error { return Domain{Name: o.Domain}.Validate() }

// Describe says what the operation does.
func (o CreateDkimSigningConfig) Describe() string {
	return "create the DKIM signing keys of " + o.Domain + " (signing off until the CNAMEs are published)"
}

// PowerShell renders the cmdlet.
func (o CreateDkimSigningConfig) PowerShell() []string {
	return []string{cmdlet("New-DkimSigningConfig").str("DomainName", o.Domain).arg("Enabled", "$false").String()}
}

// Check reports Done when a configuration exists.
func (o CreateDkimSigningConfig) Check(ctx context.Context, d Driver) (Status, error) {
	_, err := d.GetDkimSigningConfig(ctx, o.Domain)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if found {
		return Done, nil
	}
	return Ready, nil
}

// Apply creates the configuration.
func (o CreateDkimSigningConfig) Apply(ctx context.Context, d Driver) error {
	return d.CreateDkimSigningConfig(ctx, o.Domain, false)
}

// SetDkimSigning is Set-DkimSigningConfig -Enabled.
type SetDkimSigning struct {
	Domain  string
	Enabled bool
}

// Validate checks the domain.
func (o SetDkimSigning) Validate() error { return Domain{Name: o.Domain}.Validate() }

// Describe says what the operation does.
func (o SetDkimSigning) Describe() string {
	if o.Enabled {
		return "sign mail from " + o.Domain + " with DKIM"
	}
	return "stop DKIM signing for " + o.Domain
}

// PowerShell renders the cmdlet.
func (o SetDkimSigning) PowerShell() []string {
	return []string{cmdlet("Set-DkimSigningConfig").str("Identity", o.Domain).arg("Enabled", psBool(o.Enabled)).String()}
}

// Check compares the current setting; the configuration must exist.
func (o SetDkimSigning) Check(ctx context.Context, d Driver) (Status, error) {
	c, err := d.GetDkimSigningConfig(ctx, o.Domain)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, conflict("DKIM signing configuration of "+o.Domain, "present", "absent")
	}
	if c.Enabled == o.Enabled {
		return Done, nil
	}
	return Ready, nil
}

// Apply sets signing.
func (o SetDkimSigning) Apply(ctx context.Context, d Driver) error {
	return d.SetDkimSigning(ctx, o.Domain, o.Enabled)
}
