package graphserver

import (
	"errors"
	"net/http"

	"github.com/mailops-dev/mailops/mailops"
)

func recipientType(k mailops.RecipientKind) string {
	switch k {
	case mailops.MailUser:
		return "MailUser"
	case mailops.MailContact:
		return "MailContact"
	}
	return "UserMailbox"
}

// mailboxObject is Get-Mailbox's, Get-MailUser's or Get-MailContact's
// output. ForwardingAddress is a recipient's Name, as Exchange shows it.
func (s *Server) mailboxObject(r *http.Request, x mailops.Recipient) map[string]any {
	var fwd, fwdTo any
	if x.ForwardingSmtpAddress != "" {
		fwd = "smtp:" + string(x.ForwardingSmtpAddress)
	}
	if x.ForwardingAddress != "" {
		fwdTo = s.ownerName(r, x.ForwardingAddress)
	}
	var sdn any
	if x.SimpleDisplayName != "" {
		sdn = x.SimpleDisplayName
	}
	m := map[string]any{
		"Identity": recipientName(x.Address), "Name": recipientName(x.Address), "Alias": x.Address.Local(),
		"DisplayName": x.DisplayName, "SimpleDisplayName": sdn,
		"PrimarySmtpAddress": string(x.Address),
		"EmailAddresses":     proxyAddresses(x.Address, x.ProxyAddresses),
		"RecipientType":      recipientType(x.Kind), "RecipientTypeDetails": recipientType(x.Kind),
		"ExternalDirectoryObjectId": objectID("user", string(x.Address)),
	}
	switch x.Kind {
	case mailops.Mailbox:
		m["UserPrincipalName"] = string(x.Address)
		m["ForwardingAddress"], m["ForwardingSmtpAddress"], m["DeliverToMailboxAndForward"] = fwdTo, fwd, x.DeliverToMailboxAndForward
	case mailops.MailUser:
		m["UserPrincipalName"] = string(x.Address)
		m["MicrosoftOnlineServicesID"] = string(x.Address)
		m["ExternalEmailAddress"] = "SMTP:" + string(x.ExternalAddress)
	case mailops.MailContact:
		m["ExternalEmailAddress"] = "SMTP:" + string(x.External())
		delete(m, "ExternalDirectoryObjectId")
	}
	return m
}

// getRecipients is Get-Mailbox, Get-MailUser or Get-MailContact.
func getRecipients(kind mailops.RecipientKind) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Identity", "ResultSize"); err != nil {
			return nil, err
		}
		if p.has("Identity") {
			a, err := s.identity(r, p, "Identity")
			if err != nil {
				return nil, err
			}
			x, err := s.d.GetRecipient(r.Context(), a)
			if err == nil && x.Kind != kind {
				err = errors.Join(mailops.ErrNotFound, errors.New(string(a)+" is not a "+string(kind)))
			}
			if err != nil {
				return nil, backing(string(a), err)
			}
			return []any{s.mailboxObject(r, x)}, nil
		}
		list, err := s.d.ListRecipients(r.Context())
		if err != nil {
			return nil, backing("", err)
		}
		var out []any
		for _, x := range list {
			if x.Kind == kind {
				out = append(out, s.mailboxObject(r, x))
			}
		}
		return out, nil
	}
}

// getRecipient is Get-Recipient -Identity: any recipient or group, by any
// of its addresses or its Name.
func getRecipient(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "ResultSize"); err != nil {
		return nil, err
	}
	a, err := s.identity(r, p, "Identity")
	if err != nil {
		return nil, err
	}
	if a == "" {
		return nil, cmdletErr("the fake Get-Recipient needs -Identity")
	}
	x, err := s.d.GetRecipient(r.Context(), a)
	if err == nil {
		return []any{map[string]any{"Identity": recipientName(x.Address), "Name": recipientName(x.Address), "DisplayName": x.DisplayName,
			"PrimarySmtpAddress": string(x.Address), "EmailAddresses": proxyAddresses(x.Address, x.ProxyAddresses),
			"RecipientType": recipientType(x.Kind), "RecipientTypeDetails": recipientType(x.Kind)}}, nil
	}
	if !errors.Is(err, mailops.ErrNotFound) {
		return nil, backing(string(a), err)
	}
	g, gerr := s.d.GetGroup(r.Context(), a)
	if gerr != nil {
		return nil, backing(string(a), gerr)
	}
	rt := groupRecipientType(g.Type)
	return []any{map[string]any{"Identity": g.Name, "Name": g.Name, "DisplayName": g.DisplayName,
		"PrimarySmtpAddress": string(g.PrimaryAddress), "EmailAddresses": proxyAddresses(g.PrimaryAddress, nil),
		"RecipientType": rt, "RecipientTypeDetails": rt}}, nil
}

// newAccount is New-Mailbox or New-MailUser in Exchange Online's
// MicrosoftOnlineServicesID parameter set: the sign-in (and primary
// address) is -MicrosoftOnlineServicesID, with -Password. New-MailUser
// -PrimarySmtpAddress is on-premises only and refused by the reference
// check before this runs.
func newAccount(kind mailops.RecipientKind) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Name", "DisplayName", "MicrosoftOnlineServicesID", "Password", "ExternalEmailAddress", "Alias"); err != nil {
			return nil, err
		}
		name, err := p.str("Name")
		if err != nil {
			return nil, err
		}
		dn, err := p.str("DisplayName")
		if err != nil {
			return nil, err
		}
		if dn == "" {
			dn = name
		}
		id, err := p.address("MicrosoftOnlineServicesID")
		if err != nil {
			return nil, err
		}
		pw, err := p.str("Password")
		if err != nil {
			return nil, err
		}
		ext, err := p.address("ExternalEmailAddress")
		if err != nil {
			return nil, err
		}
		switch {
		case name == "" || id == "" || pw == "":
			return nil, cmdletErr("the fake " + newCmd(kind) + " needs -Name, -MicrosoftOnlineServicesID and -Password")
		case kind == mailops.MailUser && ext == "":
			return nil, cmdletErr("New-MailUser needs -ExternalEmailAddress")
		case kind == mailops.Mailbox && ext != "":
			return nil, cmdletErr("A parameter cannot be found that matches parameter name 'ExternalEmailAddress'.")
		}
		x := mailops.Recipient{Address: id, Kind: kind, DisplayName: dn, ExternalAddress: ext}
		if err := s.d.CreateRecipient(r.Context(), x); err != nil {
			return nil, backing(string(id), err)
		}
		return []any{s.mailboxObject(r, x)}, nil
	}
}

func newCmd(kind mailops.RecipientKind) string {
	if kind == mailops.MailUser {
		return "New-MailUser"
	}
	return "New-Mailbox"
}

// newMailContact is New-MailContact -Name -DisplayName
// -ExternalEmailAddress: the contact's primary address is its external
// address.
func newMailContact(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Name", "DisplayName", "ExternalEmailAddress", "Alias"); err != nil {
		return nil, err
	}
	name, err := p.str("Name")
	if err != nil {
		return nil, err
	}
	dn, err := p.str("DisplayName")
	if err != nil {
		return nil, err
	}
	if dn == "" {
		dn = name
	}
	ext, err := p.address("ExternalEmailAddress")
	if err != nil {
		return nil, err
	}
	if name == "" || ext == "" {
		return nil, cmdletErr("New-MailContact needs -Name and -ExternalEmailAddress")
	}
	x := mailops.Recipient{Address: ext, Kind: mailops.MailContact, DisplayName: dn}
	if err := s.d.CreateRecipient(r.Context(), x); err != nil {
		return nil, backing(string(ext), err)
	}
	return []any{s.mailboxObject(r, x)}, nil
}

// removeRecipient is Remove-Mailbox, Remove-MailUser or Remove-MailContact.
func removeRecipient(kind mailops.RecipientKind) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Identity", "Confirm"); err != nil {
			return nil, err
		}
		a, err := s.identity(r, p, "Identity")
		if err != nil {
			return nil, err
		}
		x, err := s.d.GetRecipient(r.Context(), a)
		if err == nil && x.Kind != kind {
			err = errors.Join(mailops.ErrNotFound, errors.New(string(a)+" is not a "+string(kind)))
		}
		if err != nil {
			return nil, backing(string(a), err)
		}
		return nil, backing(string(a), s.d.DeleteRecipient(r.Context(), x.Address))
	}
}

// setRecipient is Set-Mailbox, Set-MailUser or Set-MailContact:
// SimpleDisplayName and EmailAddresses @{Add=...}; only Set-Mailbox has
// ForwardingAddress, ForwardingSmtpAddress and DeliverToMailboxAndForward
// (the reference check refuses them for the others).
func setRecipient(kind mailops.RecipientKind) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		allowed := []string{"Identity", "SimpleDisplayName", "EmailAddresses", "Confirm"}
		if kind == mailops.Mailbox {
			allowed = append(allowed, "ForwardingAddress", "ForwardingSmtpAddress", "DeliverToMailboxAndForward")
		}
		if err := p.check(allowed...); err != nil {
			return nil, err
		}
		ctx := r.Context()
		a, err := s.identity(r, p, "Identity")
		if err != nil {
			return nil, err
		}
		x, err := s.d.GetRecipient(ctx, a)
		if err == nil && x.Kind != kind {
			err = errors.Join(mailops.ErrNotFound, errors.New(string(a)+" is not a "+string(kind)))
		}
		if err != nil {
			return nil, backing(string(a), err)
		}
		add, err := p.hashAdd("EmailAddresses")
		if err != nil {
			return nil, err
		}
		if len(add) > 0 {
			if err := s.addProxies(r, x, add); err != nil {
				return nil, err
			}
		}
		if p.has("SimpleDisplayName") {
			sdn, err := p.str("SimpleDisplayName")
			if err != nil {
				return nil, err
			}
			if err := s.d.SetSimpleDisplayName(ctx, x.Address, sdn); err != nil {
				return nil, backing(string(a), err)
			}
		}
		if p.has("ForwardingAddress") || p.has("ForwardingSmtpAddress") || p.has("DeliverToMailboxAndForward") {
			f := x.Forwarding()
			if p.has("ForwardingAddress") {
				if f.Address, err = s.identity(r, p, "ForwardingAddress"); err != nil {
					return nil, err
				}
			}
			if p.has("ForwardingSmtpAddress") {
				if f.SmtpAddress, err = p.address("ForwardingSmtpAddress"); err != nil {
					return nil, err
				}
			}
			if f.KeepCopy, err = p.boolean("DeliverToMailboxAndForward", f.KeepCopy); err != nil {
				return nil, err
			}
			if err := s.d.SetForwarding(ctx, x.Address, f); err != nil {
				return nil, backing(string(a), err)
			}
		}
		return nil, nil
	}
}

// addProxies adds proxy addresses. The backing Driver has no call for it,
// so the fake checks every new address, then deletes and re-creates the
// recipient with them (the server is the backing tenant's only writer).
func (s *Server) addProxies(r *http.Request, x mailops.Recipient, add []string) error {
	ctx := r.Context()
	nx := x
	nx.ProxyAddresses = append([]mailops.Address(nil), x.ProxyAddresses...)
	for _, s0 := range add {
		a, err := mailops.ParseAddress(stripSMTP(s0))
		if err != nil {
			return cmdletErr("Cannot bind parameter 'EmailAddresses'. " + err.Error())
		}
		if a == x.Address || contains(nx.ProxyAddresses, a) {
			continue
		}
		if _, err := s.d.GetRecipient(ctx, a); err == nil {
			return &exoFail{exType: exProxyExists, text: "The proxy address \"SMTP:" + string(a) + "\" is already being used by the proxy addresses or LegacyExchangeDN."}
		} else if !errors.Is(err, mailops.ErrNotFound) {
			return backing(string(a), err)
		}
		if _, err := s.d.GetGroup(ctx, a); err == nil {
			return &exoFail{exType: exProxyExists, text: "The proxy address \"SMTP:" + string(a) + "\" is already being used by the proxy addresses or LegacyExchangeDN."}
		} else if !errors.Is(err, mailops.ErrNotFound) {
			return backing(string(a), err)
		}
		nx.ProxyAddresses = append(nx.ProxyAddresses, a)
	}
	if err := nx.Validate(); err != nil {
		return backing(string(x.Address), err)
	}
	if len(nx.ProxyAddresses) == len(x.ProxyAddresses) {
		return nil
	}
	if err := s.d.DeleteRecipient(ctx, x.Address); err != nil {
		return backing(string(x.Address), err)
	}
	if err := s.d.CreateRecipient(ctx, nx); err != nil {
		// Put the old one back; the fake's single writer makes this safe.
		_ = s.d.CreateRecipient(ctx, x)
		return backing(string(x.Address), err)
	}
	return nil
}

func contains(as []mailops.Address, a mailops.Address) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
