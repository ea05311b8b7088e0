package mailops

// Group is an Exchange Online distribution group.
type Group struct {
	PrimaryAddress Address `json:"primaryAddress"`
	Name           string  `json:"name"`                  // unique, at most 64 characters
	DisplayName    string  `json:"displayName,omitempty"` // at most 256; defaults to Name
	// Members are mail-enabled recipients (mailboxes, mail users, contacts,
	// other groups). Exchange Online takes them in the creating call; a group
	// created empty drops the mail sent to it until members are set.
	Members []Address `json:"members"`
	// Owners (ManagedBy): at least one, at most ten. Owners are not members.
	Owners []Address `json:"owners"`
	// SendAs lists the trustees allowed to send as the group.
	SendAs []Address `json:"sendAs,omitempty"`
	// RequireSenderAuthentication rejects unauthenticated (external) senders
	// with 5.7.133. Exchange Online's default for a new group is true; mailops
	// always sends the value explicitly.
	RequireSenderAuthentication bool `json:"requireSenderAuthentication"`
}

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
