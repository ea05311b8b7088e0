package graphserver

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

var cmdlets = map[string]cmdlet{
	"get-accepteddomain":                 getAcceptedDomain,
	"set-accepteddomain":                 setAcceptedDomain,
	"get-recipient":                      getRecipient,
	"get-mailbox":                        getRecipients(mailops.Mailbox),
	"get-mailuser":                       getRecipients(mailops.MailUser),
	"get-mailcontact":                    getRecipients(mailops.MailContact),
	"new-mailbox":                        newAccount(mailops.Mailbox),
	"new-mailuser":                       newAccount(mailops.MailUser),
	"new-mailcontact":                    newMailContact,
	"set-mailbox":                        setRecipient(mailops.Mailbox),
	"set-mailuser":                       setRecipient(mailops.MailUser),
	"set-mailcontact":                    setRecipient(mailops.MailContact),
	"remove-mailbox":                     removeRecipient(mailops.Mailbox),
	"remove-mailuser":                    removeRecipient(mailops.MailUser),
	"remove-mailcontact":                 removeRecipient(mailops.MailContact),
	"get-hostedoutboundspamfilterpolicy": getSpamPolicy,
	"set-hostedoutboundspamfilterpolicy": setSpamPolicy,
	"get-dkimsigningconfig":              getDkim,
	"new-dkimsigningconfig":              newDkim,
	"set-dkimsigningconfig":              setDkim,
	"get-messagetracev2":                 getMessageTrace,
	"new-distributiongroup":              newDistributionGroup,
	"get-distributiongroup":              getDistributionGroup,
	"get-distributiongroupmember":        getDistributionGroupMember,
	"update-distributiongroupmember":     updateDistributionGroupMember,
	"add-distributiongroupmember":        addDistributionGroupMember,
	"set-distributiongroup":              setDistributionGroup,
	"remove-distributiongroup":           removeDistributionGroup,
	"add-recipientpermission":            recipientPermission(true),
	"remove-recipientpermission":         recipientPermission(false),
	"get-recipientpermission":            getRecipientPermission,
	"new-outboundconnector":              putOutbound(true),
	"set-outboundconnector":              putOutbound(false),
	"get-outboundconnector":              getOutbound,
	"remove-outboundconnector":           removeOutbound,
	"new-inboundconnector":               newInbound,
	"get-inboundconnector":               getInbound,
	"remove-inboundconnector":            removeInbound,
	"new-remotedomain":                   newRemoteDomain,
	"set-remotedomain":                   setRemoteDomain,
	"get-remotedomain":                   getRemoteDomain,
	"remove-remotedomain":                removeRemoteDomain,
}

func acceptedDomainObject(d mailops.Domain) map[string]any {
	t := d.Type
	if t == "" {
		t = mailops.Authoritative
	}
	return map[string]any{"Identity": d.Name, "Name": d.Name, "DomainName": d.Name, "DomainType": string(t),
		"Default": false, "MatchSubDomains": false, "SendingFromDomainDisabled": false}
}

// getAcceptedDomain lists accepted domains only: a verified domain becomes
// one after Email is among its supported services and Exchange has picked
// it up.
func getAcceptedDomain(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "ResultSize"); err != nil {
		return nil, err
	}
	if p.has("Identity") {
		id, err := p.str("Identity")
		if err != nil {
			return nil, err
		}
		d, err := s.d.GetDomain(r.Context(), strings.ToLower(id))
		if err == nil && !d.Accepted() {
			err = errors.Join(mailops.ErrNotFound, errors.New("domain "+id+" is not an accepted domain (yet)"))
		}
		if err != nil {
			return nil, backing(id, err)
		}
		return []any{acceptedDomainObject(d)}, nil
	}
	list, err := s.d.ListDomains(r.Context())
	if err != nil {
		return nil, backing("", err)
	}
	var out []any
	for _, d := range list {
		if d.Accepted() {
			out = append(out, acceptedDomainObject(d))
		}
	}
	return out, nil
}

func setAcceptedDomain(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "DomainType", "Confirm"); err != nil {
		return nil, err
	}
	id, err := p.str("Identity")
	if err != nil {
		return nil, err
	}
	t, err := p.str("DomainType")
	if err != nil {
		return nil, err
	}
	if t != string(mailops.Authoritative) && t != string(mailops.InternalRelay) {
		return nil, cmdletErr("Cannot process argument transformation on parameter 'DomainType'. Cannot convert value \"" + t +
			"\" to type \"Microsoft.Exchange.Data.AcceptedDomainType\". Valid values in Exchange Online: Authoritative, InternalRelay.")
	}
	err = s.d.SetDomainType(r.Context(), strings.ToLower(id), mailops.DomainType(t))
	if errors.Is(err, mailops.ErrNotVerified) {
		// Not an accepted domain yet: Exchange does not know it.
		err = errors.Join(mailops.ErrNotFound, err)
	}
	return nil, backing(id, err)
}

func outboundObject(c mailops.OutboundConnector) map[string]any {
	return map[string]any{"Identity": c.Name, "Name": c.Name, "ConnectorType": string(c.Type),
		"RecipientDomains": nonNil(c.RecipientDomains), "AllAcceptedDomains": c.AllAcceptedDomains,
		"SmartHosts": nonNil(c.SmartHosts), "UseMXRecord": c.UseMXRecord, "Enabled": c.Enabled,
		"IsTransportRuleScoped": false, "TlsSettings": nil, "RouteAllMessagesViaOnPremises": false}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// putOutbound is New-OutboundConnector (create) or Set-OutboundConnector:
// Set changes only the parameters given.
func putOutbound(create bool) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		idParam := "Identity"
		if create {
			idParam = "Name"
		}
		if err := p.check(idParam, "ConnectorType", "RecipientDomains", "AllAcceptedDomains", "SmartHosts", "UseMXRecord", "Enabled", "Confirm"); err != nil {
			return nil, err
		}
		name, err := p.str(idParam)
		if err != nil {
			return nil, err
		}
		c := mailops.OutboundConnector{Name: name, UseMXRecord: true, Enabled: true}
		if !create {
			if c, err = s.d.GetOutboundConnector(r.Context(), name); err != nil {
				return nil, backing(name, err)
			}
		}
		if p.has("ConnectorType") {
			t, err := p.str("ConnectorType")
			if err != nil {
				return nil, err
			}
			c.Type = mailops.ConnectorType(t)
		}
		for _, f := range []struct {
			name string
			dst  *[]string
		}{{"RecipientDomains", &c.RecipientDomains}, {"SmartHosts", &c.SmartHosts}} {
			if p.has(f.name) {
				if *f.dst, err = p.strs(f.name); err != nil {
					return nil, err
				}
			}
		}
		for _, f := range []struct {
			name string
			dst  *bool
		}{{"AllAcceptedDomains", &c.AllAcceptedDomains}, {"UseMXRecord", &c.UseMXRecord}, {"Enabled", &c.Enabled}} {
			if *f.dst, err = p.boolean(f.name, *f.dst); err != nil {
				return nil, err
			}
		}
		if create {
			err = s.d.CreateOutboundConnector(r.Context(), c)
		} else {
			err = s.d.UpdateOutboundConnector(r.Context(), c)
		}
		if err != nil {
			return nil, backing(name, err)
		}
		return []any{outboundObject(c)}, nil
	}
}

func getOutbound(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity"); err != nil {
		return nil, err
	}
	if p.has("Identity") {
		name, err := p.str("Identity")
		if err != nil {
			return nil, err
		}
		c, err := s.d.GetOutboundConnector(r.Context(), name)
		if err != nil {
			return nil, backing(name, err)
		}
		return []any{outboundObject(c)}, nil
	}
	list, err := s.d.ListOutboundConnectors(r.Context())
	if err != nil {
		return nil, backing("", err)
	}
	out := make([]any, len(list))
	for i, c := range list {
		out[i] = outboundObject(c)
	}
	return out, nil
}

func removeNamed(fn func(s *Server, r *http.Request, name string) error) cmdlet {
	return func(s *Server, r *http.Request, p params) ([]any, error) {
		if err := p.check("Identity", "Confirm"); err != nil {
			return nil, err
		}
		name, err := p.str("Identity")
		if err != nil {
			return nil, err
		}
		return nil, backing(name, fn(s, r, name))
	}
}

var removeOutbound = removeNamed(func(s *Server, r *http.Request, n string) error { return s.d.DeleteOutboundConnector(r.Context(), n) })
var removeInbound = removeNamed(func(s *Server, r *http.Request, n string) error { return s.d.DeleteInboundConnector(r.Context(), n) })
var removeRemoteDomain = removeNamed(func(s *Server, r *http.Request, n string) error { return s.d.DeleteRemoteDomain(r.Context(), n) })

// inboundObject is Get-InboundConnector's output; SenderDomains come as
// address spaces ("smtp:contoso.com;1"), as the real cmdlet shows them.
func inboundObject(c mailops.InboundConnector) map[string]any {
	doms := make([]string, len(c.SenderDomains))
	for i, d := range c.SenderDomains {
		doms[i] = "smtp:" + d + ";1"
	}
	ips := make([]string, len(c.SenderIPAddresses))
	for i, ip := range c.SenderIPAddresses {
		ips[i] = ip.String()
	}
	return map[string]any{"Identity": c.Name, "Name": c.Name, "ConnectorType": string(c.Type), "SenderDomains": doms,
		"SenderIPAddresses": ips, "RestrictDomainsToIPAddresses": c.RestrictDomainsToIPAddresses, "RequireTls": c.RequireTLS,
		"Enabled": c.Enabled, "RestrictDomainsToCertificate": false}
}

func newInbound(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Name", "ConnectorType", "SenderDomains", "SenderIPAddresses", "RestrictDomainsToIPAddresses", "RequireTls", "Enabled", "Confirm"); err != nil {
		return nil, err
	}
	var c mailops.InboundConnector
	var err error
	if c.Name, err = p.str("Name"); err != nil {
		return nil, err
	}
	t, err := p.str("ConnectorType")
	if err != nil {
		return nil, err
	}
	c.Type = mailops.ConnectorType(t)
	if c.SenderDomains, err = p.strs("SenderDomains"); err != nil {
		return nil, err
	}
	ips, err := p.strs("SenderIPAddresses")
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		pf, err := netip.ParsePrefix(ip)
		if err != nil {
			a, aerr := netip.ParseAddr(ip)
			if aerr != nil {
				return nil, cmdletErr("Cannot bind parameter 'SenderIPAddresses'. '" + ip + "' is not an IP address or range.")
			}
			pf = netip.PrefixFrom(a, a.BitLen())
		}
		c.SenderIPAddresses = append(c.SenderIPAddresses, pf)
	}
	if c.RestrictDomainsToIPAddresses, err = p.boolean("RestrictDomainsToIPAddresses", false); err != nil {
		return nil, err
	}
	if c.RequireTLS, err = p.boolean("RequireTls", true); err != nil {
		return nil, err
	}
	if c.Enabled, err = p.boolean("Enabled", true); err != nil {
		return nil, err
	}
	if err := s.d.CreateInboundConnector(r.Context(), c); err != nil {
		return nil, backing(c.Name, err)
	}
	return []any{inboundObject(c)}, nil
}

func getInbound(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity"); err != nil {
		return nil, err
	}
	if p.has("Identity") {
		name, err := p.str("Identity")
		if err != nil {
			return nil, err
		}
		c, err := s.d.GetInboundConnector(r.Context(), name)
		if err != nil {
			return nil, backing(name, err)
		}
		return []any{inboundObject(c)}, nil
	}
	list, err := s.d.ListInboundConnectors(r.Context())
	if err != nil {
		return nil, backing("", err)
	}
	out := make([]any, len(list))
	for i, c := range list {
		out[i] = inboundObject(c)
	}
	return out, nil
}

func remoteDomainObject(rd mailops.RemoteDomain) map[string]any {
	return map[string]any{"Identity": rd.Name, "Name": rd.Name, "DomainName": rd.DomainName,
		"UseSimpleDisplayName": rd.UseSimpleDisplayName, "AutoForwardEnabled": rd.AutoForwardEnabled,
		"IsInternal": false, "AllowedOOFType": "External", "CharacterSet": nil}
}

// newRemoteDomain is New-RemoteDomain: only Name and DomainName; settings
// come with Set-RemoteDomain. New remote domains allow automatic
// forwarding by default in Exchange Online.
func newRemoteDomain(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Name", "DomainName", "Confirm"); err != nil {
		return nil, err
	}
	var rd mailops.RemoteDomain
	var err error
	if rd.Name, err = p.str("Name"); err != nil {
		return nil, err
	}
	if rd.DomainName, err = p.str("DomainName"); err != nil {
		return nil, err
	}
	rd.AutoForwardEnabled = mailops.BoolPtr(true)
	if err := s.d.CreateRemoteDomain(r.Context(), rd); err != nil {
		return nil, backing(rd.Name, err)
	}
	return []any{remoteDomainObject(rd)}, nil
}

func setRemoteDomain(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "UseSimpleDisplayName", "AutoForwardEnabled", "Confirm"); err != nil {
		return nil, err
	}
	name, err := p.str("Identity")
	if err != nil {
		return nil, err
	}
	rd, err := s.d.GetRemoteDomain(r.Context(), name)
	if err != nil {
		return nil, backing(name, err)
	}
	if rd.UseSimpleDisplayName, err = p.boolean("UseSimpleDisplayName", rd.UseSimpleDisplayName); err != nil {
		return nil, err
	}
	af, err := p.boolean("AutoForwardEnabled", rd.AutoForward())
	if err != nil {
		return nil, err
	}
	rd.AutoForwardEnabled = mailops.BoolPtr(af)
	return nil, backing(name, s.d.SetRemoteDomain(r.Context(), rd))
}

func getRemoteDomain(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity"); err != nil {
		return nil, err
	}
	if p.has("Identity") {
		name, err := p.str("Identity")
		if err != nil {
			return nil, err
		}
		rd, err := s.d.GetRemoteDomain(r.Context(), name)
		if err != nil {
			return nil, backing(name, err)
		}
		return []any{remoteDomainObject(rd)}, nil
	}
	list, err := s.d.ListRemoteDomains(r.Context())
	if err != nil {
		return nil, backing("", err)
	}
	out := make([]any, len(list))
	for i, rd := range list {
		out[i] = remoteDomainObject(rd)
	}
	return out, nil
}
