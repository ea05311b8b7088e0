package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// exoRecipient is the part of Get-Mailbox / Get-MailUser / Get-Recipient
// output the driver reads.
type exoRecipient struct {
	PrimarySmtpAddress         string   `json:"PrimarySmtpAddress"`
	DisplayName                string   `json:"DisplayName"`
	SimpleDisplayName          *string  `json:"SimpleDisplayName"`
	EmailAddresses             []string `json:"EmailAddresses"`
	ExternalEmailAddress       *string  `json:"ExternalEmailAddress"`
	ForwardingAddress          *string  `json:"ForwardingAddress"`
	ForwardingSmtpAddress      *string  `json:"ForwardingSmtpAddress"`
	DeliverToMailboxAndForward bool     `json:"DeliverToMailboxAndForward"`
	RecipientTypeDetails       string   `json:"RecipientTypeDetails"`
}

func stripPrefix(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 && i <= 5 {
		return s[i+1:]
	}
	return s
}

func (e exoRecipient) toRecipient(cmdlet string) (mailops.Recipient, error) {
	bad := func(field, v string, err error) error {
		return &ResponseError{Service: "Exchange", Op: cmdlet, Status: 200, ContentType: "application/json",
			Reason: fmt.Sprintf("%s %q is not an address: %v", field, v, err), Err: mailops.ErrUnavailable}
	}
	a, err := mailops.ParseAddress(e.PrimarySmtpAddress)
	if err != nil {
		return mailops.Recipient{}, bad("PrimarySmtpAddress", e.PrimarySmtpAddress, err)
	}
	r := mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: e.DisplayName, DeliverToMailboxAndForward: e.DeliverToMailboxAndForward}
	switch e.RecipientTypeDetails {
	case "MailUser":
		r.Kind = mailops.MailUser
	case "MailContact":
		r.Kind = mailops.MailContact
	}
	if e.SimpleDisplayName != nil {
		r.SimpleDisplayName = *e.SimpleDisplayName
	}
	for _, p := range e.EmailAddresses {
		if !strings.HasPrefix(strings.ToLower(p), "smtp:") {
			continue // X500:, SIP:, ...
		}
		pa, err := mailops.ParseAddress(stripPrefix(p))
		if err != nil {
			return mailops.Recipient{}, bad("EmailAddresses", p, err)
		}
		if pa != a {
			r.ProxyAddresses = append(r.ProxyAddresses, pa)
		}
	}
	if e.ExternalEmailAddress != nil && *e.ExternalEmailAddress != "" {
		x, err := mailops.ParseAddress(stripPrefix(*e.ExternalEmailAddress))
		if err != nil {
			return mailops.Recipient{}, bad("ExternalEmailAddress", *e.ExternalEmailAddress, err)
		}
		r.ExternalAddress = x
	}
	if e.ForwardingSmtpAddress != nil && *e.ForwardingSmtpAddress != "" {
		f, err := mailops.ParseAddress(stripPrefix(*e.ForwardingSmtpAddress))
		if err != nil {
			return mailops.Recipient{}, bad("ForwardingSmtpAddress", *e.ForwardingSmtpAddress, err)
		}
		r.ForwardingSmtpAddress = f
	}
	return r, nil
}

// CreateRecipient creates the recipient through Exchange, as the rendered
// PowerShell does: New-Mailbox -Name -DisplayName -MicrosoftOnlineServicesID
// -Password for a mailbox, New-MailUser with the same plus
// -ExternalEmailAddress for a mail user (-PrimarySmtpAddress is on-premises
// only), New-MailContact -Name -DisplayName -ExternalEmailAddress for a
// contact. Then Set-Mailbox / Set-MailUser / Set-MailContact sets proxy
// addresses and the simple display name. If that fails the new object is
// removed again, so nothing is left half made. The password is random per
// account (see newPassword) and never logged.
func (d *Driver) CreateRecipient(ctx context.Context, r mailops.Recipient) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if !r.Forwarding().IsZero() {
		return &mailops.ValidationError{Field: "Recipient.ForwardingSmtpAddress", Value: string(r.ForwardsTo()),
			Reason: "set forwarding with SetForwarding after creating the recipient"}
	}
	var params map[string]any
	switch r.Kind {
	case mailops.MailContact:
		params = map[string]any{"Name": recipientName(r), "DisplayName": r.DisplayName, "ExternalEmailAddress": "SMTP:" + string(r.External())}
	default:
		pw, err := newPassword()
		if err != nil {
			return err
		}
		params = map[string]any{"Name": recipientName(r), "DisplayName": r.DisplayName, "MicrosoftOnlineServicesID": string(r.Address), "Password": pw}
		if r.Kind == mailops.MailUser {
			params["ExternalEmailAddress"] = "SMTP:" + string(r.ExternalAddress)
		}
	}
	if _, err := d.exo.invoke(ctx, newCmd(r.Kind), params); err != nil {
		return err
	}
	set := map[string]any{"Identity": string(r.Address)}
	if r.SimpleDisplayName != "" {
		set["SimpleDisplayName"] = r.SimpleDisplayName
	}
	if len(r.ProxyAddresses) > 0 {
		add := make([]string, len(r.ProxyAddresses))
		for i, p := range r.ProxyAddresses {
			add[i] = "smtp:" + string(p)
		}
		set["EmailAddresses"] = hashAdd(add)
	}
	if len(set) == 1 {
		return nil
	}
	if _, err := d.exo.invoke(ctx, setCmd(r.Kind), set); err != nil {
		if derr := d.remove(ctx, removeCmd(r.Kind), "Recipient.Address", string(r.Address)); derr != nil {
			return fmt.Errorf("graph: recipient %s: created, but %w; deleting it again failed too: %v", r.Address, err, derr)
		}
		return fmt.Errorf("graph: recipient %s: %w (the new recipient was deleted again)", r.Address, err)
	}
	return nil
}

// recipientName is a unique Name for a new recipient (at most 64
// characters): its address.
func recipientName(r mailops.Recipient) string {
	n := string(r.Address)
	if len(n) > mailops.MaxNameLen {
		n = n[:mailops.MaxNameLen]
	}
	return n
}

// recipientKind resolves an identity (an address, primary or proxy, or a
// Name) with Get-Recipient.
func (d *Driver) recipientKind(ctx context.Context, id string) (mailops.Address, mailops.RecipientKind, error) {
	raw, err := d.exo.invoke(ctx, "Get-Recipient", map[string]any{"Identity": id})
	if err != nil {
		return "", "", err
	}
	e, err := decodeOne[exoRecipient]("Get-Recipient", id, raw)
	if err != nil {
		return "", "", err
	}
	prim, err := mailops.ParseAddress(e.PrimarySmtpAddress)
	if err != nil {
		return "", "", &ResponseError{Service: "Exchange", Op: "Get-Recipient", Status: 200, ContentType: "application/json",
			Reason: "PrimarySmtpAddress is not an address: " + err.Error(), Err: mailops.ErrUnavailable}
	}
	switch e.RecipientTypeDetails {
	case "UserMailbox", "SharedMailbox":
		return prim, mailops.Mailbox, nil
	case "MailUser":
		return prim, mailops.MailUser, nil
	case "MailContact":
		return prim, mailops.MailContact, nil
	}
	return "", "", fmt.Errorf("graph: %s is a %s, not a mailbox, mail user or mail contact: %w", id, e.RecipientTypeDetails, mailops.ErrNotFound)
}

// recipientKinds lists the kinds in the order ListRecipients reads them.
var recipientKinds = []mailops.RecipientKind{mailops.Mailbox, mailops.MailUser, mailops.MailContact}

func newCmd(k mailops.RecipientKind) string    { return "New-" + exoNoun(k) }
func getCmd(k mailops.RecipientKind) string    { return "Get-" + exoNoun(k) }
func setCmd(k mailops.RecipientKind) string    { return "Set-" + exoNoun(k) }
func removeCmd(k mailops.RecipientKind) string { return "Remove-" + exoNoun(k) }

func exoNoun(k mailops.RecipientKind) string {
	switch k {
	case mailops.MailUser:
		return "MailUser"
	case mailops.MailContact:
		return "MailContact"
	}
	return "Mailbox"
}

// GetRecipient is Get-Recipient (any address) then Get-Mailbox,
// Get-MailUser or Get-MailContact. A ForwardingAddress (a recipient's
// name in Exchange's output) is resolved to its primary address with
// Get-Recipient.
func (d *Driver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	if err := a.Validate(); err != nil {
		return mailops.Recipient{}, err
	}
	prim, kind, err := d.recipientKind(ctx, string(a))
	if err != nil {
		return mailops.Recipient{}, err
	}
	cmd := getCmd(kind)
	raw, err := d.exo.invoke(ctx, cmd, map[string]any{"Identity": string(prim)})
	if err != nil {
		return mailops.Recipient{}, err
	}
	e, err := decodeOne[exoRecipient](cmd, string(prim), raw)
	if err != nil {
		return mailops.Recipient{}, err
	}
	return d.toRecipient(ctx, cmd, e)
}

// toRecipient converts and resolves ForwardingAddress.
func (d *Driver) toRecipient(ctx context.Context, cmd string, e exoRecipient) (mailops.Recipient, error) {
	r, err := e.toRecipient(cmd)
	if err != nil {
		return r, err
	}
	if e.ForwardingAddress != nil && *e.ForwardingAddress != "" {
		fa, err := d.resolveAddress(ctx, *e.ForwardingAddress)
		if err != nil {
			return mailops.Recipient{}, fmt.Errorf("graph: %s: resolving ForwardingAddress %q: %w", r.Address, *e.ForwardingAddress, err)
		}
		r.ForwardingAddress = fa
	}
	return r, nil
}

// resolveAddress turns a recipient or group identity as Exchange shows it
// (a Name, rarely an address) into its PrimarySmtpAddress with
// Get-Recipient.
func (d *Driver) resolveAddress(ctx context.Context, id string) (mailops.Address, error) {
	raw, err := d.exo.invoke(ctx, "Get-Recipient", map[string]any{"Identity": id})
	if err != nil {
		return "", err
	}
	e, err := decodeOne[exoRecipient]("Get-Recipient", id, raw)
	if err != nil {
		return "", err
	}
	a, err := mailops.ParseAddress(e.PrimarySmtpAddress)
	if err != nil {
		return "", &ResponseError{Service: "Exchange", Op: "Get-Recipient", Status: 200, ContentType: "application/json",
			Reason: "PrimarySmtpAddress is not an address: " + err.Error(), Err: mailops.ErrUnavailable}
	}
	return a, nil
}

// ListRecipients is Get-Mailbox, Get-MailUser and Get-MailContact, every
// page.
func (d *Driver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	var out []mailops.Recipient
	for _, k := range recipientKinds {
		cmd := getCmd(k)
		raw, err := d.exo.invoke(ctx, cmd, map[string]any{"ResultSize": "Unlimited"})
		if err != nil {
			return nil, err
		}
		list, err := decodeAll[exoRecipient](cmd, raw)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			r, err := d.toRecipient(ctx, cmd, e)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b mailops.Recipient) int { return strings.Compare(string(a.Address), string(b.Address)) })
	return out, nil
}

// SetSimpleDisplayName is Set-Mailbox / Set-MailUser / Set-MailContact
// -SimpleDisplayName.
func (d *Driver) SetSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := mailops.ValidateSimpleDisplayName(name); err != nil {
		return err
	}
	prim, kind, err := d.recipientKind(ctx, string(a))
	if err != nil {
		return err
	}
	var v any
	if name != "" {
		v = name
	}
	_, err = d.exo.invoke(ctx, setCmd(kind), map[string]any{"Identity": string(prim), "SimpleDisplayName": v})
	return err
}

// SetForwarding is Set-Mailbox -ForwardingAddress -ForwardingSmtpAddress
// -DeliverToMailboxAndForward, all three always sent (an unset field is
// $null), so that an ignored ForwardingSmtpAddress cannot come back later.
// A mail user or contact is refused with ErrInvalid before any write:
// Set-MailUser and Set-MailContact have no forwarding parameters.
func (d *Driver) SetForwarding(ctx context.Context, a mailops.Address, f mailops.Forwarding) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := (mailops.SetForwarding{Address: a, Forwarding: f}).Validate(); err != nil {
		return err
	}
	prim, kind, err := d.recipientKind(ctx, string(a))
	if err != nil {
		return err
	}
	if kind != mailops.Mailbox {
		return fmt.Errorf("graph: %s is a %s: only a mailbox forwards (Set-%s has no forwarding parameters): %w", a, kind, exoNoun(kind), mailops.ErrInvalid)
	}
	if f.Effective() == prim {
		return &mailops.ValidationError{Field: "Forwarding", Value: string(prim), Reason: "forwards to itself"}
	}
	var fa, fs any
	if f.Address != "" {
		fa = string(f.Address)
	}
	if f.SmtpAddress != "" {
		fs = "smtp:" + string(f.SmtpAddress)
	}
	_, err = d.exo.invoke(ctx, "Set-Mailbox", map[string]any{"Identity": string(prim), "ForwardingAddress": fa, "ForwardingSmtpAddress": fs,
		"DeliverToMailboxAndForward": f.KeepCopy && f.Effective() != ""})
	return err
}

// DeleteRecipient is Remove-Mailbox (which removes the mailbox and its
// user account), Remove-MailUser or Remove-MailContact.
func (d *Driver) DeleteRecipient(ctx context.Context, a mailops.Address) error {
	if err := a.Validate(); err != nil {
		return err
	}
	prim, kind, err := d.recipientKind(ctx, string(a))
	if err != nil {
		return err
	}
	return d.remove(ctx, removeCmd(kind), "Recipient.Address", string(prim))
}
