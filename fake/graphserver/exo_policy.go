package graphserver

import (
	"net/http"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

func spamPolicyObject(p mailops.OutboundSpamPolicy) map[string]any {
	return map[string]any{"Identity": p.Name, "Name": p.Name, "AutoForwardingMode": string(p.AutoForwardingMode),
		"IsDefault": p.Name == mailops.DefaultOutboundSpamPolicy}
}

// getSpamPolicy is Get-HostedOutboundSpamFilterPolicy -Identity.
func getSpamPolicy(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity"); err != nil {
		return nil, err
	}
	name, err := p.str("Identity")
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = mailops.DefaultOutboundSpamPolicy
	}
	pol, err := s.d.GetOutboundSpamPolicy(r.Context(), name)
	if err != nil {
		return nil, backing(name, err)
	}
	return []any{spamPolicyObject(pol)}, nil
}

// setSpamPolicy is Set-HostedOutboundSpamFilterPolicy -Identity
// -AutoForwardingMode.
func setSpamPolicy(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "AutoForwardingMode", "Confirm"); err != nil {
		return nil, err
	}
	name, err := p.str("Identity")
	if err != nil {
		return nil, err
	}
	mode, err := p.str("AutoForwardingMode")
	if err != nil {
		return nil, err
	}
	if name == "" || mode == "" {
		return nil, cmdletErr("the fake Set-HostedOutboundSpamFilterPolicy needs -Identity and -AutoForwardingMode")
	}
	return nil, backing(name, s.d.SetOutboundSpamPolicy(r.Context(), mailops.OutboundSpamPolicy{Name: name, AutoForwardingMode: mailops.AutoForwardingMode(mode)}))
}

func dkimObject(c mailops.DkimSigningConfig) map[string]any {
	status := "Valid"
	if !c.Enabled {
		status = "Disabled"
	}
	return map[string]any{"Identity": c.Domain, "Name": c.Domain, "Domain": c.Domain, "Enabled": c.Enabled,
		"Selector1CNAME": c.Selector1CNAME, "Selector2CNAME": c.Selector2CNAME, "Status": status}
}

// getDkim is Get-DkimSigningConfig -Identity <domain>.
func getDkim(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity"); err != nil {
		return nil, err
	}
	dom, err := p.str("Identity")
	if err != nil {
		return nil, err
	}
	if dom == "" {
		return nil, cmdletErr("the fake Get-DkimSigningConfig needs -Identity")
	}
	c, err := s.d.GetDkimSigningConfig(r.Context(), strings.ToLower(dom))
	if err != nil {
		return nil, backing(dom, err)
	}
	return []any{dkimObject(c)}, nil
}

// newDkim is New-DkimSigningConfig -DomainName -Enabled.
func newDkim(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("DomainName", "Enabled"); err != nil {
		return nil, err
	}
	dom, err := p.str("DomainName")
	if err != nil {
		return nil, err
	}
	en, err := p.boolean("Enabled", false)
	if err != nil {
		return nil, err
	}
	if dom == "" || !p.has("Enabled") {
		return nil, cmdletErr("New-DkimSigningConfig needs -DomainName and -Enabled")
	}
	dom = strings.ToLower(dom)
	if err := s.d.CreateDkimSigningConfig(r.Context(), dom, en); err != nil {
		return nil, backing(dom, err)
	}
	c, err := s.d.GetDkimSigningConfig(r.Context(), dom)
	if err != nil {
		return nil, backing(dom, err)
	}
	return []any{dkimObject(c)}, nil
}

// setDkim is Set-DkimSigningConfig -Identity -Enabled.
func setDkim(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("Identity", "Enabled", "Confirm"); err != nil {
		return nil, err
	}
	dom, err := p.str("Identity")
	if err != nil {
		return nil, err
	}
	en, err := p.boolean("Enabled", false)
	if err != nil {
		return nil, err
	}
	if dom == "" || !p.has("Enabled") {
		return nil, cmdletErr("the fake Set-DkimSigningConfig needs -Identity and -Enabled")
	}
	return nil, backing(dom, s.d.SetDkimSigning(r.Context(), strings.ToLower(dom), en))
}
