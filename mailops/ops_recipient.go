package mailops

import (
	"context"
	"fmt"
)

// CreateRecipient creates a mailbox or mail user (New-Mailbox / New-MailUser),
// then sets its further addresses, simple display name and forwarding.
type CreateRecipient struct {
	Recipient Recipient
}

// Validate checks the recipient.
func (o CreateRecipient) Validate() error { return o.Recipient.Validate() }

// Describe says what the operation does.
func (o CreateRecipient) Describe() string {
	return fmt.Sprintf("create %s %s", kindNoun(o.Recipient.Kind), o.Recipient.Address)
}

func kindNoun(k RecipientKind) string {
	switch k {
	case MailUser:
		return "mail user"
	case MailContact:
		return "mail contact"
	}
	return "mailbox"
}

func setRecipientCmdlet(k RecipientKind) string {
	switch k {
	case MailUser:
		return "Set-MailUser"
	case MailContact:
		return "Set-MailContact"
	}
	return "Set-Mailbox"
}

// PowerShell renders the cmdlets. The password is read at the prompt, never
// written into the script.
func (o CreateRecipient) PowerShell() []string {
	r := o.Recipient
	var c *psCmd
	switch r.Kind {
	case MailContact:
		// New-MailContact: the contact's primary address is its external
		// address; no sign-in, no password.
		c = cmdlet("New-MailContact").str("Name", r.DisplayName).str("DisplayName", r.DisplayName).
			str("ExternalEmailAddress", string(r.External()))
	case MailUser:
		// New-MailUser in Exchange Online takes MicrosoftOnlineServicesID;
		// -PrimarySmtpAddress "is functional only in on-premises Exchange"
		// (New-MailUser).
		c = cmdlet("New-MailUser").str("Name", r.DisplayName).str("DisplayName", r.DisplayName).
			str("ExternalEmailAddress", string(r.ExternalAddress))
		c.str("MicrosoftOnlineServicesID", string(r.Address)).arg("Password", "(Read-Host -AsSecureString)")
	default:
		// New-Mailbox through the admin API: the same path the graph driver
		// takes. "After you create a new mailbox using Exchange Online
		// PowerShell, you have to assign it an Exchange Online license or it
		// will be disabled when the 30-day grace period ends."
		c = cmdlet("New-Mailbox").str("Name", r.DisplayName).str("DisplayName", r.DisplayName)
		c.str("MicrosoftOnlineServicesID", string(r.Address)).arg("Password", "(Read-Host -AsSecureString)")
	}
	out := []string{c.String()}
	set := cmdlet(setRecipientCmdlet(r.Kind)).str("Identity", string(r.Address))
	changed := false
	if len(r.ProxyAddresses) > 0 {
		adds := make([]string, len(r.ProxyAddresses))
		for i, a := range r.ProxyAddresses {
			adds[i] = "smtp:" + string(a)
		}
		set.arg("EmailAddresses", "@{Add="+psList(adds)+"}")
		changed = true
	}
	if r.SimpleDisplayName != "" {
		set.str("SimpleDisplayName", r.SimpleDisplayName)
		changed = true
	}
	if changed {
		out = append(out, set.String())
	}
	if !r.Forwarding().IsZero() {
		out = append(out, SetForwarding{Address: r.Address, Forwarding: r.Forwarding()}.PowerShell()...)
	}
	return out
}

func recipientsMatch(have, want Recipient) bool {
	return have.Address == want.Address && have.Kind == want.Kind && have.DisplayName == want.DisplayName &&
		have.SimpleDisplayName == want.SimpleDisplayName && sameAddresses(have.ProxyAddresses, want.ProxyAddresses) &&
		have.External() == want.External() && have.Forwarding() == want.Forwarding()
}

// Check reports Done when an equal recipient exists and Ready when none does.
func (o CreateRecipient) Check(ctx context.Context, d Driver) (Status, error) {
	r, err := d.GetRecipient(ctx, o.Recipient.Address)
	return createStatus(err, func() bool { return recipientsMatch(r, o.Recipient) }, "recipient "+string(o.Recipient.Address),
		func() string { return fmt.Sprintf("%+v", o.Recipient) }, func() string { return fmt.Sprintf("%+v", r) })
}

// Apply creates the recipient.
func (o CreateRecipient) Apply(ctx context.Context, d Driver) error {
	return d.CreateRecipient(ctx, o.Recipient)
}

// SetSimpleDisplayName is Set-Mailbox/Set-MailUser -SimpleDisplayName: the
// ASCII name remote domains with UseSimpleDisplayName show.
type SetSimpleDisplayName struct {
	Address Address
	Kind    RecipientKind
	Name    string // "" clears it
	// From is the value observed when the plan was made; nil means any.
	From *string
}

// Validate checks the address and the name's character set.
func (o SetSimpleDisplayName) Validate() error {
	if err := o.Address.validateField("SetSimpleDisplayName.Address"); err != nil {
		return err
	}
	return checkSimpleDisplayName("SetSimpleDisplayName.Name", o.Name)
}

// Describe says what the operation does.
func (o SetSimpleDisplayName) Describe() string {
	if o.Name == "" {
		return "clear the simple display name of " + string(o.Address)
	}
	return fmt.Sprintf("show %s to external recipients as %q", o.Address, o.Name)
}

// PowerShell renders the cmdlet.
func (o SetSimpleDisplayName) PowerShell() []string {
	c := cmdlet(setRecipientCmdlet(o.Kind)).str("Identity", string(o.Address))
	if o.Name == "" {
		c.arg("SimpleDisplayName", "$null")
	} else {
		c.str("SimpleDisplayName", o.Name)
	}
	return []string{c.String()}
}

func getRecipientForOp(ctx context.Context, d Driver, a Address) (Recipient, error) {
	r, err := d.GetRecipient(ctx, a)
	found, err := absentOrErr(err)
	if err != nil {
		return Recipient{}, err
	}
	if !found {
		return Recipient{}, conflict("recipient "+string(a), "present", "absent")
	}
	return r, nil
}

// Check compares the current name with Name and From.
func (o SetSimpleDisplayName) Check(ctx context.Context, d Driver) (Status, error) {
	r, err := getRecipientForOp(ctx, d, o.Address)
	if err != nil {
		return 0, err
	}
	if r.SimpleDisplayName == o.Name {
		return Done, nil
	}
	if o.From != nil && r.SimpleDisplayName != *o.From {
		return 0, conflict("simple display name of "+string(o.Address), fmt.Sprintf("%q", *o.From), fmt.Sprintf("%q", r.SimpleDisplayName))
	}
	return Ready, nil
}

// Apply sets the name.
func (o SetSimpleDisplayName) Apply(ctx context.Context, d Driver) error {
	return d.SetSimpleDisplayName(ctx, o.Address, o.Name)
}

// CreateRemoteDomain is New-RemoteDomain followed by Set-RemoteDomain.
type CreateRemoteDomain struct {
	RemoteDomain RemoteDomain
}

// Validate checks the remote domain.
func (o CreateRemoteDomain) Validate() error { return o.RemoteDomain.Validate() }

// Describe says what the operation does.
func (o CreateRemoteDomain) Describe() string {
	return fmt.Sprintf("create remote domain %q for %s", o.RemoteDomain.Name, o.RemoteDomain.DomainName)
}

// PowerShell renders the cmdlets.
func (o CreateRemoteDomain) PowerShell() []string {
	r := o.RemoteDomain
	return []string{
		cmdlet("New-RemoteDomain").str("Name", r.Name).str("DomainName", r.DomainName).String(),
		remoteSetCmd(r),
	}
}

// remoteSetCmd renders Set-RemoteDomain; AutoForwardEnabled only when set,
// so that a change of display names never switches forwarding as a side
// effect.
func remoteSetCmd(r RemoteDomain) string {
	c := cmdlet("Set-RemoteDomain").str("Identity", r.Name).arg("UseSimpleDisplayName", psBool(r.UseSimpleDisplayName))
	if r.AutoForwardEnabled != nil {
		c.arg("AutoForwardEnabled", psBool(*r.AutoForwardEnabled))
	}
	return c.String()
}

// remoteDomainsMatch compares have (as read) with want; a nil
// AutoForwardEnabled in want matches any value.
func remoteDomainsMatch(have, want RemoteDomain) bool {
	if have.Name != want.Name || have.DomainName != want.DomainName || have.UseSimpleDisplayName != want.UseSimpleDisplayName {
		return false
	}
	return want.AutoForwardEnabled == nil || have.AutoForward() == *want.AutoForwardEnabled
}

func remoteSummary(r RemoteDomain) string {
	af := "unset"
	if r.AutoForwardEnabled != nil {
		af = fmt.Sprint(*r.AutoForwardEnabled)
	}
	return fmt.Sprintf("{name %q domain %q useSimpleDisplayName %t autoForwardEnabled %s}", r.Name, r.DomainName, r.UseSimpleDisplayName, af)
}

// Check reports Done when an equal remote domain exists, Ready when none does.
func (o CreateRemoteDomain) Check(ctx context.Context, d Driver) (Status, error) {
	r, err := d.GetRemoteDomain(ctx, o.RemoteDomain.Name)
	return createStatus(err, func() bool { return remoteDomainsMatch(r, o.RemoteDomain) }, "remote domain "+o.RemoteDomain.Name,
		func() string { return remoteSummary(o.RemoteDomain) }, func() string { return remoteSummary(r) })
}

// Apply creates the remote domain.
func (o CreateRemoteDomain) Apply(ctx context.Context, d Driver) error {
	return d.CreateRemoteDomain(ctx, o.RemoteDomain)
}

// SetRemoteDomain is Set-RemoteDomain (for example UseSimpleDisplayName on
// the Default remote domain).
type SetRemoteDomain struct {
	RemoteDomain RemoteDomain
	// From is the remote domain observed when the plan was made; nil means any.
	From *RemoteDomain
}

// Validate checks the remote domain.
func (o SetRemoteDomain) Validate() error { return o.RemoteDomain.Validate() }

// Describe says what the operation does.
func (o SetRemoteDomain) Describe() string {
	r := o.RemoteDomain
	if r.AutoForwardEnabled == nil {
		return fmt.Sprintf("set remote domain %q: simple display names %t", r.Name, r.UseSimpleDisplayName)
	}
	return fmt.Sprintf("set remote domain %q: simple display names %t, automatic forwarding %t", r.Name, r.UseSimpleDisplayName, *r.AutoForwardEnabled)
}

// PowerShell renders the cmdlet.
func (o SetRemoteDomain) PowerShell() []string { return []string{remoteSetCmd(o.RemoteDomain)} }

// Check compares the remote domain with the wanted and planned-from state.
func (o SetRemoteDomain) Check(ctx context.Context, d Driver) (Status, error) {
	r, err := d.GetRemoteDomain(ctx, o.RemoteDomain.Name)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, conflict("remote domain "+o.RemoteDomain.Name, "present", "absent")
	}
	if remoteDomainsMatch(r, o.RemoteDomain) {
		return Done, nil
	}
	if o.From != nil && !remoteDomainsMatch(r, *o.From) {
		return 0, conflict("remote domain "+o.RemoteDomain.Name, remoteSummary(*o.From), remoteSummary(r))
	}
	return Ready, nil
}

// Apply changes the remote domain.
func (o SetRemoteDomain) Apply(ctx context.Context, d Driver) error {
	return d.SetRemoteDomain(ctx, o.RemoteDomain)
}
