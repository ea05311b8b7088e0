package mailops

import "context"

// Driver is what a backend implements: the fake tenant (package fake) or a real
// tenant (mailops/graph). It is deliberately thin: no validation, policy,
// retries or consistency waits (the Client does those). Every method returns
// the portable errors of this package, wrapped with %w, and never reports a
// failure as absence.
//
// Identities: domains by name (A-label), recipients and groups by primary
// address, connectors and remote domains by name. List methods return objects
// sorted by identity. Reads may lag writes (eventual consistency).
type Driver interface {
	DomainDriver
	RecipientDriver
	GroupDriver
	ConnectorDriver
	RemoteDomainDriver
	PolicyDriver
	TraceDriver
}

// DomainDriver manages the tenant's domains (accepted domains).
type DomainDriver interface {
	// AddDomain registers an unverified domain (Graph POST /domains) and
	// returns it with its verification records. ErrExists if this tenant has
	// it; ErrDomainTaken if another tenant holds it verified. A subdomain of
	// a verified domain is verified at once.
	AddDomain(ctx context.Context, name string) (Domain, error)
	// VerifyDomain checks the ownership proof. ErrNotVerified if the proof
	// is not (yet) visible; ErrDomainTaken if another tenant holds it.
	VerifyDomain(ctx context.Context, name string) (Domain, error)
	// TakeOverDomain is the external admin takeover Entra documents for a
	// domain held by an unmanaged (self-service) tenant: verification with
	// forceTakeover (Graph beta POST /domains/{id}/verify
	// {"forceTakeover": true}; Confirm-MgDomain -ForceTakeover). The
	// domain moves to this tenant at once, and the resources moved are
	// "Users, Subscriptions, License assignments" (domains-admin-takeover):
	// the unmanaged tenant's users on the domain arrive here. ErrForbidden
	// when the holder is a managed tenant (takeover applies only to
	// unmanaged ones); ErrNotVerified if the proof is not visible.
	TakeOverDomain(ctx context.Context, name string) (Domain, error)
	// EnableEmail adds Email to the domain's supported services (Graph
	// PATCH /domains/{id} supportedServices). Only then does Exchange
	// Online make it an accepted domain, after a delay; until then
	// GetDomain reports Type "". ErrNotVerified for an unverified domain.
	EnableEmail(ctx context.Context, name string) error
	GetDomain(ctx context.Context, name string) (Domain, error)
	ListDomains(ctx context.Context) ([]Domain, error)
	// SetDomainType is Set-AcceptedDomain -DomainType; the domain must be
	// verified (ErrNotVerified otherwise) and already an accepted domain
	// (ErrNotFound otherwise: Set-AcceptedDomain cannot find it).
	SetDomainType(ctx context.Context, name string, t DomainType) error
	// RemoveDomain deletes the domain. A domain still used by recipients or
	// groups gives ErrForbidden.
	RemoveDomain(ctx context.Context, name string) error
}

// RecipientDriver manages mailboxes, mail users and mail contacts.
type RecipientDriver interface {
	// CreateRecipient creates a mailbox (New-Mailbox), mail user
	// (New-MailUser -MicrosoftOnlineServicesID) or mail contact
	// (New-MailContact). ErrExists if any of its addresses is taken;
	// ErrNotVerified if a mailbox's or mail user's domain is not a verified
	// domain of the tenant (a contact's external address is outside it).
	CreateRecipient(ctx context.Context, r Recipient) error
	GetRecipient(ctx context.Context, addr Address) (Recipient, error)
	ListRecipients(ctx context.Context) ([]Recipient, error)
	// SetSimpleDisplayName is Set-Mailbox/Set-MailUser/Set-MailContact
	// -SimpleDisplayName; "" clears it.
	SetSimpleDisplayName(ctx context.Context, addr Address, name string) error
	// SetForwarding makes a mailbox's forwarding exactly f (Set-Mailbox
	// -ForwardingAddress -ForwardingSmtpAddress
	// -DeliverToMailboxAndForward); the zero Forwarding clears it.
	// f.Address must be a recipient of the tenant (ErrNotFound otherwise).
	// ErrInvalid for a mail user or contact: Set-MailUser has no forwarding
	// parameters.
	SetForwarding(ctx context.Context, addr Address, f Forwarding) error
	DeleteRecipient(ctx context.Context, addr Address) error
}

// GroupDriver manages distribution groups and mail-enabled security groups.
type GroupDriver interface {
	// CreateGroup is New-DistributionGroup (-Type, -Alias, members, owners
	// and RequireSenderAuthenticationEnabled in one call), then
	// Set-DistributionGroup -SimpleDisplayName when set, then SendAs grants.
	// ErrExists if the address or name is taken; ErrNotFound if a member,
	// owner or trustee does not exist; ErrInvalid if an owner or trustee is
	// not a security principal (a distribution group or mail contact);
	// nothing is created then.
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, addr Address) (Group, error)
	ListGroups(ctx context.Context) ([]Group, error)
	// SetGroupMembers replaces all members (Update-DistributionGroupMember).
	SetGroupMembers(ctx context.Context, addr Address, members []Address) error
	// SetGroupSenderAuthentication is Set-DistributionGroup
	// -RequireSenderAuthenticationEnabled.
	SetGroupSenderAuthentication(ctx context.Context, addr Address, require bool) error
	// SetGroupSimpleDisplayName is Set-DistributionGroup
	// -SimpleDisplayName; "" clears it.
	SetGroupSimpleDisplayName(ctx context.Context, addr Address, name string) error
	// GrantSendAs / RevokeSendAs are Add-/Remove-RecipientPermission
	// -AccessRights SendAs. Granting twice is not an error.
	GrantSendAs(ctx context.Context, group, trustee Address) error
	RevokeSendAs(ctx context.Context, group, trustee Address) error
	DeleteGroup(ctx context.Context, addr Address) error
}

// GroupIndexer is an optional Driver interface: the primary address of
// every group, sorted, from one list call, without reading each group's
// members, owners and SendAs trustees. A caller that reads many groups
// (export) pairs it with GetGroup to read them in batches it can resume.
type GroupIndexer interface {
	ListGroupAddresses(ctx context.Context) ([]Address, error)
}

// ConnectorDriver manages inbound and outbound connectors.
type ConnectorDriver interface {
	CreateOutboundConnector(ctx context.Context, c OutboundConnector) error
	GetOutboundConnector(ctx context.Context, name string) (OutboundConnector, error)
	ListOutboundConnectors(ctx context.Context) ([]OutboundConnector, error)
	// UpdateOutboundConnector replaces the settings of the named connector
	// (Set-OutboundConnector).
	UpdateOutboundConnector(ctx context.Context, c OutboundConnector) error
	DeleteOutboundConnector(ctx context.Context, name string) error

	CreateInboundConnector(ctx context.Context, c InboundConnector) error
	GetInboundConnector(ctx context.Context, name string) (InboundConnector, error)
	ListInboundConnectors(ctx context.Context) ([]InboundConnector, error)
	DeleteInboundConnector(ctx context.Context, name string) error
}

// RemoteDomainDriver manages remote domains. The Default remote domain ("*")
// always exists and cannot be deleted.
type RemoteDomainDriver interface {
	CreateRemoteDomain(ctx context.Context, r RemoteDomain) error
	GetRemoteDomain(ctx context.Context, name string) (RemoteDomain, error)
	ListRemoteDomains(ctx context.Context) ([]RemoteDomain, error)
	// SetRemoteDomain replaces the settings of an existing remote domain.
	SetRemoteDomain(ctx context.Context, r RemoteDomain) error
	DeleteRemoteDomain(ctx context.Context, name string) error
}

// PolicyDriver manages the hosted outbound spam filter policy's automatic
// forwarding control (Get-/Set-HostedOutboundSpamFilterPolicy) and DKIM
// signing (Get-/New-/Set-DkimSigningConfig).
type PolicyDriver interface {
	GetOutboundSpamPolicy(ctx context.Context, name string) (OutboundSpamPolicy, error)
	// SetOutboundSpamPolicy sets the named policy's AutoForwardingMode.
	SetOutboundSpamPolicy(ctx context.Context, p OutboundSpamPolicy) error
	// GetDkimSigningConfig returns the domain's DKIM configuration;
	// ErrNotFound if none was created.
	GetDkimSigningConfig(ctx context.Context, domain string) (DkimSigningConfig, error)
	// CreateDkimSigningConfig is New-DkimSigningConfig -DomainName
	// -Enabled; it makes the selector keys whose CNAME targets
	// GetDkimSigningConfig then reports. ErrExists if one exists;
	// ErrNotFound if the domain is not an accepted domain.
	CreateDkimSigningConfig(ctx context.Context, domain string, enabled bool) error
	// SetDkimSigning is Set-DkimSigningConfig -Enabled. Enabling fails with
	// ErrNotVerified while the selector CNAMEs are not published.
	SetDkimSigning(ctx context.Context, domain string, enabled bool) error
}

// TraceDriver reads message trace (Get-MessageTraceV2).
type TraceDriver interface {
	// MessageTrace returns the rows matching q, oldest first.
	MessageTrace(ctx context.Context, q TraceQuery) ([]TraceEntry, error)
}
