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
	GetDomain(ctx context.Context, name string) (Domain, error)
	ListDomains(ctx context.Context) ([]Domain, error)
	// SetDomainType is Set-AcceptedDomain -DomainType; the domain must be
	// verified (ErrNotVerified otherwise).
	SetDomainType(ctx context.Context, name string, t DomainType) error
	// RemoveDomain deletes the domain. A domain still used by recipients or
	// groups gives ErrForbidden.
	RemoveDomain(ctx context.Context, name string) error
}

// RecipientDriver manages mailboxes and mail users.
type RecipientDriver interface {
	// CreateRecipient creates a mailbox or mail user. ErrExists if any of
	// its addresses is taken; ErrNotVerified if its domain is not a
	// verified domain of the tenant.
	CreateRecipient(ctx context.Context, r Recipient) error
	GetRecipient(ctx context.Context, addr Address) (Recipient, error)
	ListRecipients(ctx context.Context) ([]Recipient, error)
	// SetSimpleDisplayName is Set-Mailbox/Set-MailUser -SimpleDisplayName;
	// "" clears it.
	SetSimpleDisplayName(ctx context.Context, addr Address, name string) error
	// SetForwarding is -ForwardingSmtpAddress with
	// -DeliverToMailboxAndForward; an empty fwd clears forwarding.
	SetForwarding(ctx context.Context, addr Address, fwd Address, keepCopy bool) error
	DeleteRecipient(ctx context.Context, addr Address) error
}

// GroupDriver manages distribution groups.
type GroupDriver interface {
	// CreateGroup is New-DistributionGroup with its members, owners and
	// RequireSenderAuthenticationEnabled in one call, followed by SendAs
	// grants. ErrExists if the address or name is taken; ErrNotFound if a
	// member or owner does not exist (nothing is created then).
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, addr Address) (Group, error)
	ListGroups(ctx context.Context) ([]Group, error)
	// SetGroupMembers replaces all members (Update-DistributionGroupMember).
	SetGroupMembers(ctx context.Context, addr Address, members []Address) error
	// SetGroupSenderAuthentication is Set-DistributionGroup
	// -RequireSenderAuthenticationEnabled.
	SetGroupSenderAuthentication(ctx context.Context, addr Address, require bool) error
	// GrantSendAs / RevokeSendAs are Add-/Remove-RecipientPermission
	// -AccessRights SendAs. Granting twice is not an error.
	GrantSendAs(ctx context.Context, group, trustee Address) error
	RevokeSendAs(ctx context.Context, group, trustee Address) error
	DeleteGroup(ctx context.Context, addr Address) error
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
