package graph

import (
	"context"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

type exoSpamPolicy struct {
	Name               string `json:"Name"`
	AutoForwardingMode string `json:"AutoForwardingMode"`
}

// GetOutboundSpamPolicy is Get-HostedOutboundSpamFilterPolicy -Identity.
func (d *Driver) GetOutboundSpamPolicy(ctx context.Context, name string) (mailops.OutboundSpamPolicy, error) {
	if err := checkIdentity("OutboundSpamPolicy.Name", name); err != nil {
		return mailops.OutboundSpamPolicy{}, err
	}
	raw, err := d.exo.invoke(ctx, "Get-HostedOutboundSpamFilterPolicy", map[string]any{"Identity": name})
	if err != nil {
		return mailops.OutboundSpamPolicy{}, err
	}
	e, err := decodeOne[exoSpamPolicy]("Get-HostedOutboundSpamFilterPolicy", name, raw)
	if err != nil {
		return mailops.OutboundSpamPolicy{}, err
	}
	return mailops.OutboundSpamPolicy{Name: e.Name, AutoForwardingMode: mailops.AutoForwardingMode(e.AutoForwardingMode)}, nil
}

// SetOutboundSpamPolicy is Set-HostedOutboundSpamFilterPolicy -Identity
// -AutoForwardingMode.
func (d *Driver) SetOutboundSpamPolicy(ctx context.Context, p mailops.OutboundSpamPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, "Set-HostedOutboundSpamFilterPolicy", map[string]any{"Identity": p.Name, "AutoForwardingMode": string(p.AutoForwardingMode)})
	return err
}

type exoDkim struct {
	Domain         string `json:"Domain"`
	Enabled        bool   `json:"Enabled"`
	Selector1CNAME string `json:"Selector1CNAME"`
	Selector2CNAME string `json:"Selector2CNAME"`
}

// GetDkimSigningConfig is Get-DkimSigningConfig -Identity <domain>; the
// selector CNAME targets are read from Selector1CNAME/Selector2CNAME, never
// built from a pattern.
func (d *Driver) GetDkimSigningConfig(ctx context.Context, domain string) (mailops.DkimSigningConfig, error) {
	if err := checkDomain(domain); err != nil {
		return mailops.DkimSigningConfig{}, err
	}
	raw, err := d.exo.invoke(ctx, "Get-DkimSigningConfig", map[string]any{"Identity": domain})
	if err != nil {
		return mailops.DkimSigningConfig{}, err
	}
	e, err := decodeOne[exoDkim]("Get-DkimSigningConfig", domain, raw)
	if err != nil {
		return mailops.DkimSigningConfig{}, err
	}
	dom := strings.ToLower(e.Domain)
	if dom == "" {
		dom = domain
	}
	return mailops.DkimSigningConfig{Domain: dom, Enabled: e.Enabled, Selector1CNAME: e.Selector1CNAME, Selector2CNAME: e.Selector2CNAME}, nil
}

// CreateDkimSigningConfig is New-DkimSigningConfig -DomainName -Enabled.
func (d *Driver) CreateDkimSigningConfig(ctx context.Context, domain string, enabled bool) error {
	if err := checkDomain(domain); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, "New-DkimSigningConfig", map[string]any{"DomainName": domain, "Enabled": enabled})
	return err
}

// SetDkimSigning is Set-DkimSigningConfig -Identity -Enabled. Exchange
// refuses enabling while the selector CNAMEs are not published ("CNAME
// record does not exist for this config"): ErrNotVerified.
func (d *Driver) SetDkimSigning(ctx context.Context, domain string, enabled bool) error {
	if err := checkDomain(domain); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, "Set-DkimSigningConfig", map[string]any{"Identity": domain, "Enabled": enabled})
	return err
}
