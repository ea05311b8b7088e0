package mailops

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// CreateOutboundConnector is New-OutboundConnector.
type CreateOutboundConnector struct {
	Connector OutboundConnector
}

// Validate checks the connector.
func (o CreateOutboundConnector) Validate() error { return o.Connector.Validate() }

// Describe says what the operation does.
func (o CreateOutboundConnector) Describe() string {
	c := o.Connector
	route := "by MX"
	if !c.UseMXRecord {
		route = "to smart host " + strings.Join(c.SmartHosts, ",")
	}
	scope := strings.Join(c.RecipientDomains, ",")
	if c.AllAcceptedDomains {
		scope = "all accepted domains"
	}
	return fmt.Sprintf("create outbound connector %q sending %s %s", c.Name, scope, route)
}

// PowerShell renders the cmdlet.
func (o CreateOutboundConnector) PowerShell() []string {
	return []string{outboundCmd("New-OutboundConnector", "Name", o.Connector)}
}

func outboundCmd(name, idParam string, c OutboundConnector) string {
	cmd := cmdlet(name).str(idParam, c.Name).arg("ConnectorType", string(c.Type))
	if c.AllAcceptedDomains {
		cmd.arg("AllAcceptedDomains", "$true")
	}
	if len(c.RecipientDomains) > 0 {
		cmd.arg("RecipientDomains", psList(c.RecipientDomains))
	}
	if len(c.SmartHosts) > 0 {
		cmd.arg("SmartHosts", psList(c.SmartHosts))
	}
	return cmd.arg("UseMXRecord", psBool(c.UseMXRecord)).arg("Enabled", psBool(c.Enabled)).String()
}

func outboundEqual(a, b OutboundConnector) bool {
	return a.Name == b.Name && a.Type == b.Type && a.AllAcceptedDomains == b.AllAcceptedDomains &&
		sameStrings(a.RecipientDomains, b.RecipientDomains) && sameStrings(a.SmartHosts, b.SmartHosts) &&
		a.UseMXRecord == b.UseMXRecord && a.Enabled == b.Enabled
}

// Check reports Done when an equal connector exists, Ready when none does.
func (o CreateOutboundConnector) Check(ctx context.Context, d Driver) (Status, error) {
	c, err := d.GetOutboundConnector(ctx, o.Connector.Name)
	return createStatus(err, func() bool { return outboundEqual(c, o.Connector) }, "outbound connector "+o.Connector.Name,
		func() string { return fmt.Sprintf("%+v", o.Connector) }, func() string { return fmt.Sprintf("%+v", c) })
}

// Apply creates the connector.
func (o CreateOutboundConnector) Apply(ctx context.Context, d Driver) error {
	return d.CreateOutboundConnector(ctx, o.Connector)
}

// UpdateOutboundConnector is Set-OutboundConnector: it replaces the settings of
// the named connector.
type UpdateOutboundConnector struct {
	Connector OutboundConnector
	// From is the connector observed when the plan was made; nil means any.
	From *OutboundConnector
}

// Validate checks the connector.
func (o UpdateOutboundConnector) Validate() error { return o.Connector.Validate() }

// Describe says what the operation does.
func (o UpdateOutboundConnector) Describe() string {
	return "change outbound connector " + o.Connector.Name
}

// PowerShell renders the cmdlet.
func (o UpdateOutboundConnector) PowerShell() []string {
	return []string{outboundCmd("Set-OutboundConnector", "Identity", o.Connector)}
}

// Check compares the connector with the wanted and the planned-from state.
func (o UpdateOutboundConnector) Check(ctx context.Context, d Driver) (Status, error) {
	c, err := d.GetOutboundConnector(ctx, o.Connector.Name)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, conflict("outbound connector "+o.Connector.Name, "present", "absent")
	}
	if outboundEqual(c, o.Connector) {
		return Done, nil
	}
	if o.From != nil && !outboundEqual(c, *o.From) {
		return 0, conflict("outbound connector "+o.Connector.Name, fmt.Sprintf("%+v", *o.From), fmt.Sprintf("%+v", c))
	}
	return Ready, nil
}

// Apply changes the connector.
func (o UpdateOutboundConnector) Apply(ctx context.Context, d Driver) error {
	return d.UpdateOutboundConnector(ctx, o.Connector)
}

// DeleteOutboundConnector is Remove-OutboundConnector.
type DeleteOutboundConnector struct {
	Name string
}

// Validate checks the name.
func (o DeleteOutboundConnector) Validate() error {
	return checkName("DeleteOutboundConnector.Name", o.Name, MaxNameLen, true)
}

// Describe says what the operation does.
func (o DeleteOutboundConnector) Describe() string { return "remove outbound connector " + o.Name }

// PowerShell renders the cmdlet.
func (o DeleteOutboundConnector) PowerShell() []string {
	return []string{cmdlet("Remove-OutboundConnector").str("Identity", o.Name).noConfirm().String()}
}

// Check reports Done when the connector is gone.
func (o DeleteOutboundConnector) Check(ctx context.Context, d Driver) (Status, error) {
	_, err := d.GetOutboundConnector(ctx, o.Name)
	return goneStatus(err)
}

// Apply removes the connector.
func (o DeleteOutboundConnector) Apply(ctx context.Context, d Driver) error {
	return d.DeleteOutboundConnector(ctx, o.Name)
}

// CreateInboundConnector is New-InboundConnector.
type CreateInboundConnector struct {
	Connector InboundConnector
}

// Validate checks the connector.
func (o CreateInboundConnector) Validate() error { return o.Connector.Validate() }

// Describe says what the operation does.
func (o CreateInboundConnector) Describe() string {
	return fmt.Sprintf("create inbound connector %q accepting %s", o.Connector.Name, strings.Join(o.Connector.SenderDomains, ","))
}

// PowerShell renders the cmdlet.
func (o CreateInboundConnector) PowerShell() []string {
	c := o.Connector
	cmd := cmdlet("New-InboundConnector").str("Name", c.Name).arg("ConnectorType", string(c.Type)).arg("SenderDomains", psList(c.SenderDomains))
	if len(c.SenderIPAddresses) > 0 {
		ips := make([]string, len(c.SenderIPAddresses))
		for i, p := range c.SenderIPAddresses {
			ips[i] = p.String()
		}
		cmd.arg("SenderIPAddresses", psList(ips))
	}
	if c.RestrictDomainsToIPAddresses {
		cmd.arg("RestrictDomainsToIPAddresses", "$true")
	}
	return []string{cmd.arg("RequireTls", psBool(c.RequireTLS)).arg("Enabled", psBool(c.Enabled)).String()}
}

func inboundEqual(a, b InboundConnector) bool {
	return a.Name == b.Name && a.Type == b.Type && sameStrings(a.SenderDomains, b.SenderDomains) &&
		slices.Equal(a.SenderIPAddresses, b.SenderIPAddresses) &&
		a.RestrictDomainsToIPAddresses == b.RestrictDomainsToIPAddresses && a.RequireTLS == b.RequireTLS && a.Enabled == b.Enabled
}

// Check reports Done when an equal connector exists, Ready when none does.
func (o CreateInboundConnector) Check(ctx context.Context, d Driver) (Status, error) {
	c, err := d.GetInboundConnector(ctx, o.Connector.Name)
	return createStatus(err, func() bool { return inboundEqual(c, o.Connector) }, "inbound connector "+o.Connector.Name,
		func() string { return fmt.Sprintf("%+v", o.Connector) }, func() string { return fmt.Sprintf("%+v", c) })
}

// Apply creates the connector.
func (o CreateInboundConnector) Apply(ctx context.Context, d Driver) error {
	return d.CreateInboundConnector(ctx, o.Connector)
}

// DeleteInboundConnector is Remove-InboundConnector.
type DeleteInboundConnector struct {
	Name string
}

// Validate checks the name.
func (o DeleteInboundConnector) Validate() error {
	return checkName("DeleteInboundConnector.Name", o.Name, MaxNameLen, true)
}

// Describe says what the operation does.
func (o DeleteInboundConnector) Describe() string { return "remove inbound connector " + o.Name }

// PowerShell renders the cmdlet.
func (o DeleteInboundConnector) PowerShell() []string {
	return []string{cmdlet("Remove-InboundConnector").str("Identity", o.Name).noConfirm().String()}
}

// Check reports Done when the connector is gone.
func (o DeleteInboundConnector) Check(ctx context.Context, d Driver) (Status, error) {
	_, err := d.GetInboundConnector(ctx, o.Name)
	return goneStatus(err)
}

// Apply removes the connector.
func (o DeleteInboundConnector) Apply(ctx context.Context, d Driver) error {
	return d.DeleteInboundConnector(ctx, o.Name)
}
