package mailops

// RecipientKind distinguishes mailboxes from mail users.
type RecipientKind string

// Recipient kinds.
const (
	// Mailbox is a user mailbox hosted in Exchange Online.
	Mailbox RecipientKind = "Mailbox"
	// MailUser is a mail-enabled user whose mail goes to ExternalAddress.
	MailUser RecipientKind = "MailUser"
)

// Recipient is a mailbox or mail user.
type Recipient struct {
	Address     Address       `json:"address"` // primary SMTP address
	Kind        RecipientKind `json:"kind"`
	DisplayName string        `json:"displayName"`
	// SimpleDisplayName is shown to remote domains with UseSimpleDisplayName;
	// only a-z A-Z 0-9 space and " ' ( ) + , - . / : ? are allowed.
	SimpleDisplayName string `json:"simpleDisplayName,omitempty"`
	// ProxyAddresses are further addresses that receive for this recipient.
	ProxyAddresses []Address `json:"proxyAddresses,omitempty"`
	// ExternalAddress is where a MailUser's mail goes.
	ExternalAddress Address `json:"externalAddress,omitempty"`
	// ForwardingAddress, when set, receives this recipient's mail; with
	// DeliverToMailboxAndForward a copy also stays in the mailbox.
	ForwardingAddress          Address `json:"forwardingAddress,omitempty"`
	DeliverToMailboxAndForward bool    `json:"deliverToMailboxAndForward,omitempty"`
}

// Validate checks the recipient.
func (r Recipient) Validate() error {
	if err := r.Address.validateField("Recipient.Address"); err != nil {
		return err
	}
	switch r.Kind {
	case Mailbox:
		if r.ExternalAddress != "" {
			return invalid("Recipient.ExternalAddress", string(r.ExternalAddress), "only a MailUser has an external address")
		}
	case MailUser:
		if err := r.ExternalAddress.validateField("Recipient.ExternalAddress"); err != nil {
			return err
		}
	default:
		return invalid("Recipient.Kind", string(r.Kind), "must be Mailbox or MailUser")
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
	if r.ForwardingAddress != "" {
		if err := r.ForwardingAddress.validateField("Recipient.ForwardingAddress"); err != nil {
			return err
		}
		if r.ForwardingAddress == r.Address {
			return invalid("Recipient.ForwardingAddress", string(r.ForwardingAddress), "forwards to itself")
		}
	} else if r.DeliverToMailboxAndForward {
		return invalid("Recipient.DeliverToMailboxAndForward", "true", "requires a ForwardingAddress")
	}
	return nil
}

// Addresses returns the primary address followed by the proxy addresses.
func (r Recipient) Addresses() []Address {
	return append([]Address{r.Address}, r.ProxyAddresses...)
}
