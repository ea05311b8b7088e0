package graphserver

import (
	"errors"
	"net/http"

	"github.com/mailops-dev/mailops/mailops"
)

func recipientType(k mailops.RecipientKind) string {
	if k == mailops.MailUser {
		return "MailUser"
	}
	return "UserMailbox"
}

// mailboxObject is Get-Mailbox's or Get-MailUser's output.
func mailboxObject(x mailops.Recipient) map[string]any {
	var fwd any
	if x.ForwardingSmtpAddress != "" {
		fwd = "smtp:" + string(x.ForwardingSmtpAddress)
	}
	var sdn any
	if x.SimpleDisplayName != "" {
		sdn = x.SimpleDisplayName
	}
	m := map[string]any{
		"Identity": x.Address.Local(), "Name": x.Address.Local(), "Alias": x.Address.Local(),
		"DisplayName": x.DisplayName, "SimpleDisplayName": sdn,
		"PrimarySmtpAddress": string(x.Address), "UserPrincipalName": string(x.Address),
		"EmailAddresses":        proxyAddresses(x.Address, x.ProxyAddresses),
		"ForwardingAddress":     nil,
		"ForwardingSmtpAddress": fwd, "DeliverToMailboxAndForward": x.DeliverToMailboxAndForward,
		"RecipientType": recipientType(x.Kind), "RecipientTypeDetails": recipientType(x.Kind),
		"ExternalDirectoryObjectId": objectID("user", string(x.Address)),
	}
	if x.Kind == mailops.MailUser {
		m["ExternalEmailAddress"] = "SMTP:" + string(x.ExternalAddress)
		m["RecipientType"] = "MailUser"
	}
	return m
}

// getRecipients is Get-Mailbox (kind Mailbox) or Get-MailUser.
func getRecipients(kind mailops.RecipientKind) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Identity", "ResultSize"); err != nil {
			return nil, err
		}
		if p.has("Identity") {
			a, err := p.address("Identity")
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
			return []any{mailboxObject(x)}, nil
		}
		list, err := s.d.ListRecipients(r.Context())
		if err != nil {
			return nil, backing("", err)
		}
		var out []any
		for _, x := range list {
			if x.Kind == kind {
				out = append(out, mailboxObject(x))
			}
		}
		return out, nil
	}
}

// getRecipient is Get-Recipient -Identity: any recipient or group, by any
// of its addresses.
func getRecipient(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "ResultSize"); err != nil {
		return nil, err
	}
	a, err := p.address("Identity")
	if err != nil {
		return nil, err
	}
	if a == "" {
		return nil, cmdletErr("the fake Get-Recipient needs -Identity")
	}
	x, err := s.d.GetRecipient(r.Context(), a)
	if err == nil {
		return []any{map[string]any{"Identity": x.Address.Local(), "Name": x.Address.Local(), "DisplayName": x.DisplayName,
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
	return []any{map[string]any{"Identity": g.Name, "Name": g.Name, "DisplayName": g.DisplayName,
		"PrimarySmtpAddress": string(g.PrimaryAddress), "EmailAddresses": proxyAddresses(g.PrimaryAddress, nil),
		"RecipientType": "MailUniversalDistributionGroup", "RecipientTypeDetails": "MailUniversalDistributionGroup"}}, nil
}

// newMailUser is New-MailUser.
func newMailUser(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Name", "DisplayName", "ExternalEmailAddress", "PrimarySmtpAddress", "Alias"); err != nil {
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
	prim, err := p.address("PrimarySmtpAddress")
	if err != nil {
		return nil, err
	}
	if prim == "" || ext == "" {
		return nil, cmdletErr("the fake New-MailUser needs -PrimarySmtpAddress and -ExternalEmailAddress")
	}
	x := mailops.Recipient{Address: prim, Kind: mailops.MailUser, DisplayName: dn, ExternalAddress: ext}
	if err := s.d.CreateRecipient(r.Context(), x); err != nil {
		return nil, backing(string(prim), err)
	}
	return []any{mailboxObject(x)}, nil
}

// setRecipient is Set-Mailbox (kind Mailbox) or Set-MailUser: SimpleDisplayName,
// ForwardingSmtpAddress with DeliverToMailboxAndForward, and
// EmailAddresses @{Add=...}.
func setRecipient(kind mailops.RecipientKind) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Identity", "SimpleDisplayName", "ForwardingSmtpAddress", "DeliverToMailboxAndForward", "EmailAddresses", "Confirm"); err != nil {
			return nil, err
		}
		ctx := r.Context()
		a, err := p.address("Identity")
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
		if p.has("ForwardingSmtpAddress") || p.has("DeliverToMailboxAndForward") {
			fwd, err := p.address("ForwardingSmtpAddress")
			if err != nil {
				return nil, err
			}
			keep, err := p.boolean("DeliverToMailboxAndForward", x.DeliverToMailboxAndForward)
			if err != nil {
				return nil, err
			}
			if !p.has("ForwardingSmtpAddress") {
				fwd = x.ForwardingSmtpAddress
			}
			f := x.Forwarding()
			f.SmtpAddress, f.KeepCopy = fwd, keep
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
			return backing(string(a), errors.Join(mailops.ErrExists, errors.New("the proxy address \"SMTP:"+string(a)+"\" is already being used")))
		} else if !errors.Is(err, mailops.ErrNotFound) {
			return backing(string(a), err)
		}
		if _, err := s.d.GetGroup(ctx, a); err == nil {
			return backing(string(a), errors.Join(mailops.ErrExists, errors.New("the proxy address \"SMTP:"+string(a)+"\" is already being used")))
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
