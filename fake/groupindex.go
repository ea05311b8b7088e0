package fake

import (
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// refIndex maps an address to the live groups that name it as a member,
// owner or SendAs trustee, so that deleting a recipient or group does not
// scan every group the tenant ever had.
type refIndex map[mailops.Address]map[mailops.Address]struct{}

func groupRefs(g mailops.Group) []mailops.Address {
	return slices.Concat(g.Members, g.Owners, g.SendAs)
}

// putGroup writes a version of the group at address a (a tombstone if
// deleted) and keeps the group-name and reference indexes current. Called
// with t.mu held.
func (t *Tenant) putGroup(now time.Time, a mailops.Address, g mailops.Group, deleted bool) {
	if old, ok := t.groups.get(a).latest(); ok {
		delete(t.groupName, old.Name)
		for _, r := range groupRefs(old) {
			delete(t.refs[r], a)
		}
	}
	if !deleted {
		t.groupName[g.Name] = a
		for _, r := range groupRefs(g) {
			if t.refs[r] == nil {
				t.refs[r] = map[mailops.Address]struct{}{}
			}
			t.refs[r][a] = struct{}{}
		}
	}
	t.groups.put(a, newVersion(t, now, t.cfg.Propagation.Group, g, deleted))
}

// referrers returns the live groups that name any of the addresses, sorted
// (so that the versions they get draw randomness in a fixed order). Called
// with t.mu held.
func (t *Tenant) referrers(as ...mailops.Address) []mailops.Address {
	var out []mailops.Address
	for _, a := range as {
		for g := range t.refs[a] {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
