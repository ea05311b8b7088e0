package mailops

// GroupType is the kind of mail-enabled group (New-DistributionGroup -Type).
type GroupType string

// Group types. Source: New-DistributionGroup -Type
// (learn.microsoft.com/powershell/module/exchangepowershell/new-distributiongroup):
// "Distribution: A distribution group. These groups can't have permissions
// assigned. This value is the default. Security: A mail-enabled security
// group. These groups can have permissions assigned."
const (
	// Distribution is a distribution group (the default). It cannot own
	// another group or be granted permissions such as SendAs.
	Distribution GroupType = "Distribution"
	// Security is a mail-enabled security group: it can own groups
	// (ManagedBy) and be a SendAs trustee.
	Security GroupType = "Security"
)

// Validate reports whether t is a known type; "" means Distribution.
func (t GroupType) Validate() error {
	switch t {
	case "", Distribution, Security:
		return nil
	}
	return invalid("GroupType", string(t), "must be Distribution or Security")
}

// Or returns t, or Distribution when t is empty (Exchange Online's default).
func (t GroupType) Or() GroupType {
	if t == "" {
		return Distribution
	}
	return t
}

// Group is an Exchange Online distribution group or mail-enabled security
// group.
type Group struct {
	PrimaryAddress Address `json:"primaryAddress"`
	// Type is Distribution (the default when empty) or Security.
	Type        GroupType `json:"type,omitempty"`
	Name        string    `json:"name"`                  // unique, at most 64 characters
	DisplayName string    `json:"displayName,omitempty"` // at most 256; defaults to Name
	// Members are mail-enabled recipients (mailboxes, mail users, contacts,
	// other groups). Exchange Online takes them in the creating call; a group
	// created empty drops the mail sent to it until members are set.
	Members []Address `json:"members"`
	// Owners (ManagedBy): at least one, at most ten. Owners are not members.
	// Each must be a mailbox, mail user or mail-enabled security group
	// ("The owner you specify for this parameter must be a mailbox, mail user
	// or mail-enabled security group", New-DistributionGroup -ManagedBy); a
	// distribution group or a mail contact is refused by the service. The
	// Client checks it before sending.
	Owners []Address `json:"owners"`
	// SendAs lists the trustees allowed to send as the group.
	SendAs []Address `json:"sendAs,omitempty"`
	// RequireSenderAuthentication rejects unauthenticated (external) senders
	// with 5.7.133. Exchange Online's default for a new group is true; mailops
	// always sends the value explicitly.
	RequireSenderAuthentication bool `json:"requireSenderAuthentication"`
	// SimpleDisplayName is what remote domains with UseSimpleDisplayName show
	// for mail sent as the group (Set-DistributionGroup -SimpleDisplayName);
	// only a-z A-Z 0-9 space and " ' ( ) + , - . / : ? are allowed.
	SimpleDisplayName string `json:"simpleDisplayName,omitempty"`
}

// Alias is the group's Exchange alias: the local part of its primary address.
// Rendered explicitly, because without -Alias Exchange derives it from Name,
// turning unsupported characters (a Japanese name) into question marks
// (New-DistributionGroup -Alias).
func (g Group) Alias() string { return g.PrimaryAddress.Local() }

// Validate checks every field against Exchange Online's limits and returns the
// first violation as a *ValidationError naming the field and value.
func (g Group) Validate() error {
	if err := g.PrimaryAddress.validateField("Group.PrimaryAddress"); err != nil {
		return err
	}
	if err := checkName("Group.Name", g.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkName("Group.DisplayName", g.DisplayName, MaxDisplayNameLen, false); err != nil {
		return err
	}
	if err := g.Type.Validate(); err != nil {
		return invalid("Group.Type", string(g.Type), "must be Distribution or Security")
	}
	if err := checkSimpleDisplayName("Group.SimpleDisplayName", g.SimpleDisplayName); err != nil {
		return err
	}
	if len(g.Owners) == 0 {
		return invalid("Group.Owners", "", "a group needs at least one owner")
	}
	if err := checkAddressList("Group.Owners", g.Owners, MaxGroupOwners, ""); err != nil {
		return err
	}
	if err := checkAddressList("Group.Members", g.Members, MaxGroupMembers, g.PrimaryAddress); err != nil {
		return err
	}
	return checkAddressList("Group.SendAs", g.SendAs, MaxGroupMembers, g.PrimaryAddress)
}
