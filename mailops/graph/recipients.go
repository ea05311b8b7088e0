package graph

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

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
	if e.RecipientTypeDetails == "MailUser" {
		r.Kind = mailops.MailUser
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

// CreateRecipient creates a mailbox as a Graph user (POST /users; a real
// tenant provisions the mailbox when a licence is assigned) or a mail user
// with New-MailUser, then sets proxy addresses and the simple display name
// with Set-Mailbox / Set-MailUser. If the second step fails the new object
// is deleted again, so nothing is left half made.
func (d *Driver) CreateRecipient(ctx context.Context, r mailops.Recipient) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.ForwardingSmtpAddress != "" {
		return &mailops.ValidationError{Field: "Recipient.ForwardingSmtpAddress", Value: string(r.ForwardingSmtpAddress),
			Reason: "set forwarding with SetForwarding after creating the recipient"}
	}
	setCmd := "Set-Mailbox"
	if r.Kind == mailops.Mailbox {
		if err := d.createUser(ctx, r); err != nil {
			return err
		}
	} else {
		setCmd = "Set-MailUser"
		if _, err := d.exo.invoke(ctx, "New-MailUser", map[string]any{
			"Name": mailUserName(r), "DisplayName": r.DisplayName,
			"ExternalEmailAddress": "SMTP:" + string(r.ExternalAddress), "PrimarySmtpAddress": string(r.Address),
		}); err != nil {
			return err
		}
	}
	params := map[string]any{"Identity": string(r.Address)}
	if r.SimpleDisplayName != "" {
		params["SimpleDisplayName"] = r.SimpleDisplayName
	}
	if len(r.ProxyAddresses) > 0 {
		add := make([]string, len(r.ProxyAddresses))
		for i, p := range r.ProxyAddresses {
			add[i] = "smtp:" + string(p)
		}
		params["EmailAddresses"] = hashAdd(add)
	}
	if len(params) == 1 {
		return nil
	}
	if _, err := d.exo.invoke(ctx, setCmd, params); err != nil {
		if derr := d.DeleteRecipient(ctx, r.Address); derr != nil {
			return fmt.Errorf("graph: recipient %s: created, but %w; deleting it again failed too: %v", r.Address, err, derr)
		}
		return fmt.Errorf("graph: recipient %s: %w (the new recipient was deleted again)", r.Address, err)
	}
	return nil
}

// mailUserName is a unique Name for New-MailUser (at most 64 characters).
func mailUserName(r mailops.Recipient) string {
	n := string(r.Address)
	if len(n) > mailops.MaxNameLen {
		n = n[:mailops.MaxNameLen]
	}
	return n
}

func (d *Driver) createUser(ctx context.Context, r mailops.Recipient) error {
	var pw [24]byte
	_, _ = rand.Read(pw[:])
	u := models.NewUser()
	enabled := false
	u.SetAccountEnabled(&enabled)
	dn := r.DisplayName
	u.SetDisplayName(&dn)
	nick := r.Address.Local()
	u.SetMailNickname(&nick)
	upn := string(r.Address)
	u.SetUserPrincipalName(&upn)
	prof := models.NewPasswordProfile()
	p := base64.RawURLEncoding.EncodeToString(pw[:]) + "aA1!"
	force := true
	prof.SetPassword(&p)
	prof.SetForceChangePasswordNextSignIn(&force)
	u.SetPasswordProfile(prof)
	_, err := d.graph.Users().Post(ctx, u, nil)
	return d.graphErr(ctx, "POST /users", err, nil)
}

// recipientKind resolves an address (primary or proxy) with Get-Recipient.
func (d *Driver) recipientKind(ctx context.Context, a mailops.Address) (mailops.Address, mailops.RecipientKind, error) {
	raw, err := d.exo.invoke(ctx, "Get-Recipient", map[string]any{"Identity": string(a)})
	if err != nil {
		return "", "", err
	}
	e, err := decodeOne[exoRecipient]("Get-Recipient", string(a), raw)
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
	}
	return "", "", fmt.Errorf("graph: %s is a %s, not a mailbox or mail user: %w", a, e.RecipientTypeDetails, mailops.ErrNotFound)
}

func getCmd(k mailops.RecipientKind) string {
	if k == mailops.MailUser {
		return "Get-MailUser"
	}
	return "Get-Mailbox"
}

func setCmd(k mailops.RecipientKind) string {
	if k == mailops.MailUser {
		return "Set-MailUser"
	}
	return "Set-Mailbox"
}

// GetRecipient is Get-Recipient (any address) then Get-Mailbox or
// Get-MailUser.
func (d *Driver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	if err := a.Validate(); err != nil {
		return mailops.Recipient{}, err
	}
	prim, kind, err := d.recipientKind(ctx, a)
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
	return e.toRecipient(cmd)
}

// ListRecipients is Get-Mailbox and Get-MailUser, every page.
func (d *Driver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	var out []mailops.Recipient
	for _, cmd := range []string{"Get-Mailbox", "Get-MailUser"} {
		raw, err := d.exo.invoke(ctx, cmd, map[string]any{"ResultSize": "Unlimited"})
		if err != nil {
			return nil, err
		}
		list, err := decodeAll[exoRecipient](cmd, raw)
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			r, err := e.toRecipient(cmd)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b mailops.Recipient) int { return strings.Compare(string(a.Address), string(b.Address)) })
	return out, nil
}

// SetSimpleDisplayName is Set-Mailbox / Set-MailUser -SimpleDisplayName.
func (d *Driver) SetSimpleDisplayName(ctx context.Context, a mailops.Address, name string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := mailops.ValidateSimpleDisplayName(name); err != nil {
		return err
	}
	prim, kind, err := d.recipientKind(ctx, a)
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

// SetForwarding is -ForwardingSmtpAddress "smtp:..." with
// -DeliverToMailboxAndForward; an empty fwd clears both.
func (d *Driver) SetForwarding(ctx context.Context, a mailops.Address, fwd mailops.Address, keepCopy bool) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if fwd != "" {
		if err := fwd.Validate(); err != nil {
			return &mailops.ValidationError{Field: "ForwardingSmtpAddress", Value: string(fwd), Reason: err.Error()}
		}
		if fwd == a {
			return &mailops.ValidationError{Field: "ForwardingSmtpAddress", Value: string(fwd), Reason: "forwards to itself"}
		}
	} else {
		keepCopy = false // an empty address clears forwarding, whatever keepCopy says (Driver contract)
	}
	prim, kind, err := d.recipientKind(ctx, a)
	if err != nil {
		return err
	}
	if fwd == prim {
		return &mailops.ValidationError{Field: "ForwardingSmtpAddress", Value: string(fwd), Reason: "forwards to itself"}
	}
	var v any
	if fwd != "" {
		v = "smtp:" + string(fwd)
	}
	_, err = d.exo.invoke(ctx, setCmd(kind), map[string]any{"Identity": string(prim), "ForwardingSmtpAddress": v, "DeliverToMailboxAndForward": keepCopy})
	return err
}

// DeleteRecipient deletes the Entra user behind the recipient (DELETE
// /users/{upn}), which removes its mailbox or mail user.
func (d *Driver) DeleteRecipient(ctx context.Context, a mailops.Address) error {
	if err := a.Validate(); err != nil {
		return err
	}
	err := d.graph.Users().ByUserId(string(a)).Delete(ctx, nil)
	return d.graphErr(ctx, "DELETE /users/"+string(a), err, nil)
}
