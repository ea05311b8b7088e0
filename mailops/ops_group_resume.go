package mailops

import (
	"context"
	"errors"
	"slices"
)

// A driver creates a group in several calls (New-DistributionGroup, then
// the members beyond the first call's, the simple display name and each
// SendAs grant). A process killed between them leaves the group part-made;
// CreateGroup's Check and Apply recognise that state and finish it instead
// of reporting a conflict.

// partialGroup reports whether have is want interrupted after its first
// call: everything New-DistributionGroup sets is equal, the members and
// SendAs grants are subsets of the wanted ones (members in order, a prefix),
// and the simple display name is unset or the wanted one; and something is
// still missing.
func partialGroup(have, want Group) bool {
	if have.PrimaryAddress != want.PrimaryAddress || have.Name != want.Name || have.Type.Or() != want.Type.Or() ||
		!sameAddresses(have.Owners, want.Owners) || have.RequireSenderAuthentication != want.RequireSenderAuthentication {
		return false
	}
	if have.SimpleDisplayName != "" && have.SimpleDisplayName != want.SimpleDisplayName {
		return false
	}
	if !subsetAddresses(have.Members, want.Members) || !subsetAddresses(have.SendAs, want.SendAs) || len(have.Members) == 0 {
		return false
	}
	return !groupsMatch(have, want)
}

// subsetAddresses reports whether every address of a is in b.
func subsetAddresses(a, b []Address) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// finishGroup completes a part-made group: the missing members, the simple
// display name, the missing SendAs grants.
func finishGroup(ctx context.Context, d Driver, have, want Group) error {
	if !sameAddresses(have.Members, want.Members) {
		if err := d.SetGroupMembers(ctx, want.PrimaryAddress, want.Members); err != nil {
			return err
		}
	}
	if want.SimpleDisplayName != "" && have.SimpleDisplayName != want.SimpleDisplayName {
		if err := d.SetGroupSimpleDisplayName(ctx, want.PrimaryAddress, want.SimpleDisplayName); err != nil {
			return err
		}
	}
	for _, t := range want.SendAs {
		if !slices.Contains(have.SendAs, t) {
			if err := d.GrantSendAs(ctx, want.PrimaryAddress, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyCreateGroup creates the group, or finishes it when a read shows it
// part-made by an interrupted create.
func applyCreateGroup(ctx context.Context, d Driver, want Group) error {
	have, err := d.GetGroup(ctx, want.PrimaryAddress)
	switch {
	case errors.Is(err, ErrNotFound):
		return d.CreateGroup(ctx, want)
	case err != nil:
		return err
	case partialGroup(have, want):
		return finishGroup(ctx, d, have, want)
	}
	return d.CreateGroup(ctx, want)
}
