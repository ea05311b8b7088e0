package graph

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

type exoOutbound struct {
	Name               string   `json:"Name"`
	ConnectorType      string   `json:"ConnectorType"`
	RecipientDomains   []string `json:"RecipientDomains"`
	AllAcceptedDomains bool     `json:"AllAcceptedDomains"`
	SmartHosts         []string `json:"SmartHosts"`
	UseMXRecord        bool     `json:"UseMXRecord"`
	Enabled            bool     `json:"Enabled"`
}

func (e exoOutbound) connector() mailops.OutboundConnector {
	c := mailops.OutboundConnector{Name: e.Name, Type: mailops.ConnectorType(e.ConnectorType), AllAcceptedDomains: e.AllAcceptedDomains,
		UseMXRecord: e.UseMXRecord, Enabled: e.Enabled}
	for _, d := range e.RecipientDomains {
		c.RecipientDomains = append(c.RecipientDomains, strings.ToLower(d))
	}
	for _, h := range e.SmartHosts {
		c.SmartHosts = append(c.SmartHosts, strings.ToLower(h))
	}
	return c
}

func outboundParams(c mailops.OutboundConnector) map[string]any {
	return map[string]any{
		"ConnectorType": string(c.Type), "RecipientDomains": nonNil(c.RecipientDomains), "AllAcceptedDomains": c.AllAcceptedDomains,
		"SmartHosts": nonNil(c.SmartHosts), "UseMXRecord": c.UseMXRecord, "Enabled": c.Enabled,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateOutboundConnector is New-OutboundConnector.
func (d *Driver) CreateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	if err := c.Validate(); err != nil {
		return err
	}
	p := outboundParams(c)
	p["Name"] = c.Name
	_, err := d.exo.invoke(ctx, "New-OutboundConnector", p)
	return err
}

// GetOutboundConnector is Get-OutboundConnector -Identity.
func (d *Driver) GetOutboundConnector(ctx context.Context, name string) (mailops.OutboundConnector, error) {
	if err := checkIdentity("OutboundConnector.Name", name); err != nil {
		return mailops.OutboundConnector{}, err
	}
	raw, err := d.exo.invoke(ctx, "Get-OutboundConnector", map[string]any{"Identity": name})
	if err != nil {
		return mailops.OutboundConnector{}, err
	}
	e, err := decodeOne[exoOutbound]("Get-OutboundConnector", name, raw)
	return e.connector(), err
}

// ListOutboundConnectors is Get-OutboundConnector.
func (d *Driver) ListOutboundConnectors(ctx context.Context) ([]mailops.OutboundConnector, error) {
	raw, err := d.exo.invoke(ctx, "Get-OutboundConnector", nil)
	if err != nil {
		return nil, err
	}
	list, err := decodeAll[exoOutbound]("Get-OutboundConnector", raw)
	if err != nil {
		return nil, err
	}
	out := make([]mailops.OutboundConnector, len(list))
	for i, e := range list {
		out[i] = e.connector()
	}
	slices.SortFunc(out, func(a, b mailops.OutboundConnector) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// UpdateOutboundConnector is Set-OutboundConnector with every setting.
func (d *Driver) UpdateOutboundConnector(ctx context.Context, c mailops.OutboundConnector) error {
	if err := c.Validate(); err != nil {
		return err
	}
	p := outboundParams(c)
	p["Identity"] = c.Name
	_, err := d.exo.invoke(ctx, "Set-OutboundConnector", p)
	return err
}

// DeleteOutboundConnector is Remove-OutboundConnector.
func (d *Driver) DeleteOutboundConnector(ctx context.Context, name string) error {
	return d.remove(ctx, "Remove-OutboundConnector", "OutboundConnector.Name", name)
}

func (d *Driver) remove(ctx context.Context, cmd, field, name string) error {
	if err := checkIdentity(field, name); err != nil {
		return err
	}
	_, err := d.exo.invoke(ctx, cmd, map[string]any{"Identity": name, "Confirm": false})
	return err
}

func checkIdentity(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return &mailops.ValidationError{Field: field, Value: name, Reason: "required"}
	}
	return nil
}

type exoInbound struct {
	Name                         string   `json:"Name"`
	ConnectorType                string   `json:"ConnectorType"`
	SenderDomains                []string `json:"SenderDomains"`
	SenderIPAddresses            []string `json:"SenderIPAddresses"`
	RestrictDomainsToIPAddresses bool     `json:"RestrictDomainsToIPAddresses"`
	RequireTLS                   bool     `json:"RequireTls"`
	Enabled                      bool     `json:"Enabled"`
}

// addressSpace reads "smtp:contoso.com;1" (how Get-InboundConnector shows
// SenderDomains) or a bare domain.
func addressSpace(s string) string {
	s = stripPrefix(s)
	if i := strings.LastIndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

func (e exoInbound) connector() (mailops.InboundConnector, error) {
	c := mailops.InboundConnector{Name: e.Name, Type: mailops.ConnectorType(e.ConnectorType), RestrictDomainsToIPAddresses: e.RestrictDomainsToIPAddresses,
		RequireTLS: e.RequireTLS, Enabled: e.Enabled}
	for _, d := range e.SenderDomains {
		c.SenderDomains = append(c.SenderDomains, addressSpace(d))
	}
	for _, s := range e.SenderIPAddresses {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return c, &ResponseError{Service: "Exchange", Op: "Get-InboundConnector", Status: 200, ContentType: "application/json",
					Reason: fmt.Sprintf("SenderIPAddresses entry %q is not an address or range", s), Err: mailops.ErrUnavailable}
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.SenderIPAddresses = append(c.SenderIPAddresses, p)
	}
	return c, nil
}

// CreateInboundConnector is New-InboundConnector.
func (d *Driver) CreateInboundConnector(ctx context.Context, c mailops.InboundConnector) error {
	if err := c.Validate(); err != nil {
		return err
	}
	ips := make([]string, len(c.SenderIPAddresses))
	for i, p := range c.SenderIPAddresses {
		ips[i] = p.String()
	}
	_, err := d.exo.invoke(ctx, "New-InboundConnector", map[string]any{
		"Name": c.Name, "ConnectorType": string(c.Type), "SenderDomains": c.SenderDomains, "SenderIPAddresses": ips,
		"RestrictDomainsToIPAddresses": c.RestrictDomainsToIPAddresses, "RequireTls": c.RequireTLS, "Enabled": c.Enabled,
	})
	return err
}

// GetInboundConnector is Get-InboundConnector -Identity.
func (d *Driver) GetInboundConnector(ctx context.Context, name string) (mailops.InboundConnector, error) {
	if err := checkIdentity("InboundConnector.Name", name); err != nil {
		return mailops.InboundConnector{}, err
	}
	raw, err := d.exo.invoke(ctx, "Get-InboundConnector", map[string]any{"Identity": name})
	if err != nil {
		return mailops.InboundConnector{}, err
	}
	e, err := decodeOne[exoInbound]("Get-InboundConnector", name, raw)
	if err != nil {
		return mailops.InboundConnector{}, err
	}
	return e.connector()
}

// ListInboundConnectors is Get-InboundConnector.
func (d *Driver) ListInboundConnectors(ctx context.Context) ([]mailops.InboundConnector, error) {
	raw, err := d.exo.invoke(ctx, "Get-InboundConnector", nil)
	if err != nil {
		return nil, err
	}
	list, err := decodeAll[exoInbound]("Get-InboundConnector", raw)
	if err != nil {
		return nil, err
	}
	out := make([]mailops.InboundConnector, len(list))
	for i, e := range list {
		if out[i], err = e.connector(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b mailops.InboundConnector) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteInboundConnector is Remove-InboundConnector.
func (d *Driver) DeleteInboundConnector(ctx context.Context, name string) error {
	return d.remove(ctx, "Remove-InboundConnector", "InboundConnector.Name", name)
}

type exoRemoteDomain struct {
	Name                 string `json:"Name"`
	DomainName           string `json:"DomainName"`
	UseSimpleDisplayName bool   `json:"UseSimpleDisplayName"`
	AutoForwardEnabled   *bool  `json:"AutoForwardEnabled"`
}

func (e exoRemoteDomain) remoteDomain() mailops.RemoteDomain {
	af := e.AutoForwardEnabled
	if af == nil {
		af = mailops.BoolPtr(true) // reads always return it; Exchange's default is $true
	}
	return mailops.RemoteDomain{Name: e.Name, DomainName: strings.ToLower(e.DomainName), UseSimpleDisplayName: e.UseSimpleDisplayName, AutoForwardEnabled: af}
}

// CreateRemoteDomain is New-RemoteDomain (name and domain only) then
// Set-RemoteDomain for the settings; a failed Set removes the new remote
// domain again.
func (d *Driver) CreateRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := d.exo.invoke(ctx, "New-RemoteDomain", map[string]any{"Name": r.Name, "DomainName": r.DomainName}); err != nil {
		return err
	}
	if err := d.SetRemoteDomain(ctx, r); err != nil {
		if derr := d.remove(ctx, "Remove-RemoteDomain", "RemoteDomain.Name", r.Name); derr != nil {
			return fmt.Errorf("graph: remote domain %s: created, but %w; removing it again failed too: %v", r.Name, err, derr)
		}
		return fmt.Errorf("graph: remote domain %s: %w (the new remote domain was removed again)", r.Name, err)
	}
	return nil
}

// GetRemoteDomain is Get-RemoteDomain -Identity.
func (d *Driver) GetRemoteDomain(ctx context.Context, name string) (mailops.RemoteDomain, error) {
	if err := checkIdentity("RemoteDomain.Name", name); err != nil {
		return mailops.RemoteDomain{}, err
	}
	raw, err := d.exo.invoke(ctx, "Get-RemoteDomain", map[string]any{"Identity": name})
	if err != nil {
		return mailops.RemoteDomain{}, err
	}
	e, err := decodeOne[exoRemoteDomain]("Get-RemoteDomain", name, raw)
	return e.remoteDomain(), err
}

// ListRemoteDomains is Get-RemoteDomain.
func (d *Driver) ListRemoteDomains(ctx context.Context) ([]mailops.RemoteDomain, error) {
	raw, err := d.exo.invoke(ctx, "Get-RemoteDomain", nil)
	if err != nil {
		return nil, err
	}
	list, err := decodeAll[exoRemoteDomain]("Get-RemoteDomain", raw)
	if err != nil {
		return nil, err
	}
	out := make([]mailops.RemoteDomain, len(list))
	for i, e := range list {
		out[i] = e.remoteDomain()
	}
	slices.SortFunc(out, func(a, b mailops.RemoteDomain) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SetRemoteDomain is Set-RemoteDomain -UseSimpleDisplayName, and
// -AutoForwardEnabled only when set (nil leaves the current value). The
// domain name of a remote domain cannot change.
func (d *Driver) SetRemoteDomain(ctx context.Context, r mailops.RemoteDomain) error {
	if err := r.Validate(); err != nil {
		return err
	}
	p := map[string]any{"Identity": r.Name, "UseSimpleDisplayName": r.UseSimpleDisplayName}
	if r.AutoForwardEnabled != nil {
		p["AutoForwardEnabled"] = *r.AutoForwardEnabled
	}
	_, err := d.exo.invoke(ctx, "Set-RemoteDomain", p)
	return err
}

// DeleteRemoteDomain is Remove-RemoteDomain. The Default remote domain
// cannot be removed (Exchange refuses it): ErrForbidden without a call.
func (d *Driver) DeleteRemoteDomain(ctx context.Context, name string) error {
	if strings.EqualFold(name, mailops.DefaultRemoteDomain) {
		return fmt.Errorf("graph: the %s remote domain cannot be removed: %w", mailops.DefaultRemoteDomain, mailops.ErrForbidden)
	}
	return d.remove(ctx, "Remove-RemoteDomain", "RemoteDomain.Name", name)
}
