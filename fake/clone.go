package fake

import (
	"slices"

	"github.com/mailops-dev/mailops/mailops"
)

// Deep copies: nothing a caller holds aliases tenant state.

func cloneDomain(d mailops.Domain) mailops.Domain {
	d.VerificationRecords = slices.Clone(d.VerificationRecords)
	d.ServiceRecords = slices.Clone(d.ServiceRecords)
	d.SupportedServices = slices.Clone(d.SupportedServices)
	return d
}

func cloneRecipient(r mailops.Recipient) mailops.Recipient {
	r.ProxyAddresses = slices.Clone(r.ProxyAddresses)
	return r
}

func cloneGroup(g mailops.Group) mailops.Group {
	g.Members = slices.Clone(g.Members)
	g.Owners = slices.Clone(g.Owners)
	g.SendAs = slices.Clone(g.SendAs)
	return g
}

func cloneOutbound(c mailops.OutboundConnector) mailops.OutboundConnector {
	c.RecipientDomains = slices.Clone(c.RecipientDomains)
	c.SmartHosts = slices.Clone(c.SmartHosts)
	return c
}

func cloneInbound(c mailops.InboundConnector) mailops.InboundConnector {
	c.SenderDomains = slices.Clone(c.SenderDomains)
	c.SenderIPAddresses = slices.Clone(c.SenderIPAddresses)
	return c
}

func cloneRemote(r mailops.RemoteDomain) mailops.RemoteDomain {
	if r.AutoForwardEnabled != nil {
		r.AutoForwardEnabled = mailops.BoolPtr(*r.AutoForwardEnabled)
	}
	return r
}
