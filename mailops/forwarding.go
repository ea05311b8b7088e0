package mailops

import (
	"context"
	"fmt"
)

// Forwarding is a mailbox's forwarding: Set-Mailbox -ForwardingAddress,
// -ForwardingSmtpAddress and -DeliverToMailboxAndForward. The zero value is
// "no forwarding".
//
// Source (Set-Mailbox, learn.microsoft.com/powershell/module/exchangepowershell/set-mailbox):
// "If you configure values for both the ForwardingAddress and
// ForwardingSmtpAddress parameters, the value of ForwardingSmtpAddress is
// ignored." Set-MailUser has neither parameter.
type Forwarding struct {
	// Address is -ForwardingAddress: a recipient of the tenant, by its
	// primary address. It wins over SmtpAddress.
	Address Address `json:"address,omitempty"`
	// SmtpAddress is -ForwardingSmtpAddress: any SMTP address.
	SmtpAddress Address `json:"smtpAddress,omitempty"`
	// KeepCopy is -DeliverToMailboxAndForward.
	KeepCopy bool `json:"keepCopy,omitempty"`
}

// ForwardTo is forwarding to an SMTP address (-ForwardingSmtpAddress).
func ForwardTo(a Address, keepCopy bool) Forwarding {
	return Forwarding{SmtpAddress: a, KeepCopy: keepCopy}
}

// IsZero reports no forwarding at all.
func (f Forwarding) IsZero() bool { return f == Forwarding{} }

// Effective is where mail goes: Address when set, else SmtpAddress.
func (f Forwarding) Effective() Address {
	if f.Address != "" {
		return f.Address
	}
	return f.SmtpAddress
}

// Targets lists every address the settings name (Address first). The loop
// preflight checks all of them: an ignored ForwardingSmtpAddress becomes
// effective as soon as someone clears ForwardingAddress.
func (f Forwarding) Targets() []Address {
	var out []Address
	for _, a := range []Address{f.Address, f.SmtpAddress} {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (f Forwarding) String() string {
	if f.IsZero() {
		return "none"
	}
	return fmt.Sprintf("{address %q smtp %q keepCopy %t}", f.Address, f.SmtpAddress, f.KeepCopy)
}

func (f Forwarding) validate(field string, self Address) error {
	for _, x := range []struct {
		name string
		a    Address
	}{{".ForwardingAddress", f.Address}, {".ForwardingSmtpAddress", f.SmtpAddress}} {
		if x.a == "" {
			continue
		}
		if err := x.a.validateField(field + x.name); err != nil {
			return err
		}
		if x.a == self {
			return invalid(field+x.name, string(x.a), "forwards to itself")
		}
	}
	if f.KeepCopy && f.Effective() == "" {
		return invalid(field+".DeliverToMailboxAndForward", "true", "requires a forwarding address")
	}
	return nil
}

// SetForwarding makes a mailbox's forwarding exactly Forwarding (Set-Mailbox
// with both forwarding parameters, so that an ignored ForwardingSmtpAddress
// cannot come back to life later). The zero Forwarding removes forwarding.
// Only mailboxes forward: Set-MailUser has no forwarding parameters.
type SetForwarding struct {
	Address    Address
	Forwarding Forwarding
	// From is the forwarding observed when the plan was made; nil means any.
	From *Forwarding
}

// Validate checks the addresses.
func (o SetForwarding) Validate() error {
	if err := o.Address.validateField("SetForwarding.Address"); err != nil {
		return err
	}
	return o.Forwarding.validate("SetForwarding", o.Address)
}

// Describe says what the operation does.
func (o SetForwarding) Describe() string {
	to := o.Forwarding.Effective()
	if to == "" {
		return "remove forwarding from " + string(o.Address)
	}
	keep := ""
	if o.Forwarding.KeepCopy {
		keep = ", keeping a copy"
	}
	return "forward " + string(o.Address) + " to " + string(to) + keep
}

// PowerShell renders Set-Mailbox with both forwarding parameters.
func (o SetForwarding) PowerShell() []string {
	f := o.Forwarding
	c := cmdlet("Set-Mailbox").str("Identity", string(o.Address))
	if f.Address == "" {
		c.arg("ForwardingAddress", "$null")
	} else {
		c.str("ForwardingAddress", string(f.Address))
	}
	if f.SmtpAddress == "" {
		c.arg("ForwardingSmtpAddress", "$null")
	} else {
		c.str("ForwardingSmtpAddress", "smtp:"+string(f.SmtpAddress))
	}
	c.arg("DeliverToMailboxAndForward", psBool(f.KeepCopy))
	return []string{c.String()}
}

// Check compares the current forwarding with the wanted and planned-from one.
func (o SetForwarding) Check(ctx context.Context, d Driver) (Status, error) {
	r, err := getRecipientForOp(ctx, d, o.Address)
	if err != nil {
		return 0, err
	}
	have := r.Forwarding()
	if have == o.Forwarding {
		return Done, nil
	}
	if o.From != nil && have != *o.From {
		return 0, conflict("forwarding of "+string(o.Address), o.From.String(), have.String())
	}
	return Ready, nil
}

// Apply sets forwarding.
func (o SetForwarding) Apply(ctx context.Context, d Driver) error {
	return d.SetForwarding(ctx, o.Address, o.Forwarding)
}
