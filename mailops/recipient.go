package mailops

// RecipientKind distinguishes mailboxes, mail users and mail contacts.
type RecipientKind string

// Recipient kinds.
const (
	// Mailbox is a user mailbox hosted in Exchange Online (New-Mailbox).
	Mailbox RecipientKind = "Mailbox"
	// MailUser is a mail-enabled user whose mail goes to ExternalAddress
	// (New-MailUser): it has a sign-in in the tenant.
	MailUser RecipientKind = "MailUser"
	// MailContact is an external address known to the tenant
	// (New-MailContact): the usual object for external group members and
	// forwarding targets ("External addresses: Create a mail contact",
	// learn.microsoft.com/exchange/recipients-in-exchange-online/manage-user-mailboxes/configure-email-forwarding).
	// Its primary address is its external address.
	MailContact RecipientKind = "MailContact"
)

// Recipient is a mailbox, mail user or mail contact.
type Recipient struct {
	Address     Address       `json:"address"` // primary SMTP address
	Kind        RecipientKind `json:"kind"`
	DisplayName string        `json:"displayName"`
	// SimpleDisplayName is shown to remote domains with UseSimpleDisplayName;
	// only a-z A-Z 0-9 space and " ' ( ) + , - . / : ? are allowed.
	SimpleDisplayName string `json:"simpleDisplayName,omitempty"`
	// ProxyAddresses are further addresses that receive for this recipient.
	ProxyAddresses []Address `json:"proxyAddresses,omitempty"`
	// ExternalAddress is where a MailUser's or MailContact's mail goes. For a
	// MailContact it equals Address (empty is read as Address).
	ExternalAddress Address `json:"externalAddress,omitempty"`
	// ForwardingAddress is Set-Mailbox -ForwardingAddress: a recipient of the
	// tenant (stored as its primary address) that receives this mailbox's
	// mail. It is what the classic admin center sets ("Select Recipient").
	// When both it and ForwardingSmtpAddress are set, "the value of
	// ForwardingSmtpAddress is ignored" (Set-Mailbox).
	ForwardingAddress Address `json:"forwardingAddress,omitempty"`
	// ForwardingSmtpAddress is Set-Mailbox -ForwardingSmtpAddress: any SMTP
	// address that receives this mailbox's mail.
	ForwardingSmtpAddress Address `json:"forwardingSmtpAddress,omitempty"`
	// DeliverToMailboxAndForward keeps a copy in the mailbox while
	// forwarding.
	DeliverToMailboxAndForward bool `json:"deliverToMailboxAndForward,omitempty"`
}

// Forwarding returns the recipient's forwarding settings.
func (r Recipient) Forwarding() Forwarding {
	return Forwarding{Address: r.ForwardingAddress, SmtpAddress: r.ForwardingSmtpAddress, KeepCopy: r.DeliverToMailboxAndForward}
}

// ForwardsTo is the address mail is forwarded to, as Exchange Online applies
// it: ForwardingAddress when set, else ForwardingSmtpAddress ("" if none).
func (r Recipient) ForwardsTo() Address { return r.Forwarding().Effective() }

// External returns where a mail user's or mail contact's mail goes ("" for a
// mailbox).
func (r Recipient) External() Address {
	switch r.Kind {
	case MailContact:
		if r.ExternalAddress == "" {
			return r.Address
		}
		return r.ExternalAddress
	case MailUser:
		return r.ExternalAddress
	}
	return ""
}

// SecurityPrincipal reports whether the recipient can own a group or be
// granted SendAs: mailboxes and mail users can, mail contacts cannot.
func (r Recipient) SecurityPrincipal() bool { return r.Kind == Mailbox || r.Kind == MailUser }

// Validate checks the recipient.
func (r Recipient) Validate() error {
	if err := r.Address.validateField("Recipient.Address"); err != nil {
		return err
	}
	switch r.Kind {
	case Mailbox:
		if r.ExternalAddress != "" {
			return invalid("Recipient.ExternalAddress", string(r.ExternalAddress), "only a MailUser or MailContact has an external address")
		}
	case MailUser:
		if err := r.ExternalAddress.validateField("Recipient.ExternalAddress"); err != nil {
			return err
		}
	case MailContact:
		if r.ExternalAddress != "" && r.ExternalAddress != r.Address {
			return invalid("Recipient.ExternalAddress", string(r.ExternalAddress), "a MailContact's primary address is its external address")
		}
	default:
		return invalid("Recipient.Kind", string(r.Kind), "must be Mailbox, MailUser or MailContact")
	}
	if err := checkName("Recipient.DisplayName", r.DisplayName, MaxDisplayNameLen, true); err != nil {
		return err
	}
	if err := checkSimpleDisplayName("Recipient.SimpleDisplayName", r.SimpleDisplayName); err != nil {
		return err
	}
	if err := checkAddressList("Recipient.ProxyAddresses", r.ProxyAddresses, MaxProxyAddresses, r.Address); err != nil {
		return err
	}
	return r.validateForwarding()
}

func (r Recipient) validateForwarding() error {
	f := r.Forwarding()
	if f.IsZero() {
		return nil
	}
	if r.Kind != Mailbox && (f.Address != "" || f.SmtpAddress != "") {
		// Set-MailUser and Set-MailContact have no forwarding parameters:
		// their mail already goes to the external address.
		return invalid("Recipient.ForwardingSmtpAddress", string(f.Effective()), "only a Mailbox forwards (Set-MailUser has no forwarding parameters)")
	}
	return f.validate("Recipient", r.Address)
}

// Addresses returns the primary address followed by the proxy addresses.
func (r Recipient) Addresses() []Address {
	return append([]Address{r.Address}, r.ProxyAddresses...)
}
