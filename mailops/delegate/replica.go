package delegate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Replica is the service's read model of the tenant's addresses in its
// domains (the delegated and the internal ones): groups with their members,
// and recipients. The preview runs plans against it, the manufacturer's
// employees see it, and comparing one refresh with the next shows the
// changes made outside the service (drift). An outside change shows in it
// once a second refresh has confirmed it (see Refresher).
type Replica struct {
	// At is when it was read (zero before the first refresh).
	At         time.Time           `json:"at"`
	Groups     []mailops.Group     `json:"groups"`
	Recipients []mailops.Recipient `json:"recipients"`
}

// Group returns the replica's group at a.
func (r Replica) Group(a mailops.Address) (mailops.Group, bool) {
	i := slices.IndexFunc(r.Groups, func(g mailops.Group) bool { return g.PrimaryAddress == a })
	if i < 0 {
		return mailops.Group{}, false
	}
	return r.Groups[i], true
}

// Recipient returns the replica's recipient at a (primary address).
func (r Replica) Recipient(a mailops.Address) (mailops.Recipient, bool) {
	i := slices.IndexFunc(r.Recipients, func(x mailops.Recipient) bool { return x.Address == a })
	if i < 0 {
		return mailops.Recipient{}, false
	}
	return r.Recipients[i], true
}

// Drift is one change found in the tenant that no request of the service
// made (a change in the admin center, or by another tool).
type Drift struct {
	Address mailops.Address `json:"address"`
	// Object is "group" or "recipient".
	Object string `json:"object" enum:"group,recipient"`
	// Change is "added", "removed" or "changed".
	Change string `json:"change" enum:"added,removed,changed"`
	Old    string `json:"old,omitempty" doc:"What the replica held"`
	New    string `json:"new,omitempty" doc:"What the tenant holds now"`
}

// DriftEntry is a drift as the audit log records it.
type DriftEntry struct {
	Seq   int64     `json:"seq"`
	At    time.Time `json:"at"`
	Drift Drift     `json:"drift"`
}

// driftID is the audit log's request id of a domain's drift entries.
func driftID(domain string) string { return "drift:" + domain }

// ReplicaSource reads the tenant (a *mailops.Client is one).
type ReplicaSource interface {
	ListGroups(ctx context.Context) ([]mailops.Group, error)
	ListRecipients(ctx context.Context) ([]mailops.Recipient, error)
}

// Refresher keeps the replica: Refresh reads the tenant, stores the new
// replica and records every difference from the stored one that no request
// of the service explains as a drift entry in the audit log, in the same
// transaction.
//
// Admin reads can lag behind writes (eventual consistency, as the fake
// tenant's AdminLag models it; docs/architecture.md), so one read is not
// trusted on its own: a difference no request explains is drift only when
// two consecutive refreshes agree on it, the second confirming the first.
// Until then the replica keeps what it held for that address, so a single
// lagging read followed by a correct one records nothing (neither the lag
// nor its reversal), while a real outside change is recorded once, at the
// refresh after the one that first saw it; a lag that outlasts two
// refreshes is taken for a change. A difference a request explains (its
// effect seen) is taken at once. A difference is recorded once: the next
// refresh compares with the replica that already holds it.
type Refresher struct {
	Store  Store
	Source ReplicaSource
	Config Config
	Clock  mailops.Clock
	// Interval between the refreshes of Run; default 5 minutes.
	Interval time.Duration
	mu       sync.Mutex
}

// Refresh reads the tenant and stores the replica, and returns the drift it
// recorded.
func (f *Refresher) Refresh(ctx context.Context) ([]Drift, error) {
	f.mu.Lock() // one refresh at a time in this process; the store serialises the rest
	defer f.mu.Unlock()
	doms := f.Config.allDomains()
	// The requests first: a request changes the tenant only while it is
	// applying, so a change the reads below see was made by a request
	// listed here as applying or later.
	var reqs []Request
	for _, d := range doms {
		rs, err := f.Store.List(ctx, d)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, rs...)
	}
	gs, err := f.Source.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("delegate: refresh replica: %w", err)
	}
	rs, err := f.Source.ListRecipients(ctx)
	if err != nil {
		return nil, fmt.Errorf("delegate: refresh replica: %w", err)
	}
	fresh := Replica{At: f.Clock.Now()}
	for _, g := range gs {
		if slices.Contains(doms, g.PrimaryAddress.Domain()) {
			fresh.Groups = append(fresh.Groups, g)
		}
	}
	for _, r := range rs {
		if slices.Contains(doms, r.Address.Domain()) {
			fresh.Recipients = append(fresh.Recipients, r)
		}
	}
	sortReplica(&fresh)
	var found []Drift
	err = f.Store.SyncReplica(ctx, fresh, func(stored, last Replica) (Replica, []Entry, error) {
		found = nil
		if stored.At.IsZero() {
			return fresh, nil, nil // the first read: nothing to compare with
		}
		keep := Replica{At: fresh.At, Groups: slices.Clone(fresh.Groups), Recipients: slices.Clone(fresh.Recipients)}
		var es []Entry
		for _, d := range diffReplicas(stored, fresh) {
			if explained(d, reqs) {
				continue
			}
			if last.At.IsZero() || stateOf(last, d.Object, d.Address) != d.New {
				revert(&keep, stored, d) // not confirmed yet: the next refresh decides
				continue
			}
			body, err := json.Marshal(d)
			if err != nil {
				return Replica{}, nil, err
			}
			found = append(found, d)
			es = append(es, Entry{At: fresh.At, RequestID: driftID(d.Address.Domain()), Actor: "tenant", Event: "drift", Detail: string(body)})
		}
		sortReplica(&keep)
		return keep, es, nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// Run refreshes the replica now and then every Interval on the Clock until
// ctx ends; a failed refresh is retried at the next interval.
func (f *Refresher) Run(ctx context.Context) error {
	every := f.Interval
	if every <= 0 {
		every = 5 * time.Minute
	}
	for {
		_, _ = f.Refresh(ctx) // a failed read leaves the stored replica as it was
		if err := f.Clock.Sleep(ctx, every); err != nil {
			return err
		}
	}
}

func groupState(g mailops.Group) string {
	m := addrStrings(g.Members)
	slices.Sort(m)
	o := addrStrings(g.Owners)
	slices.Sort(o)
	return fmt.Sprintf("members=[%s] owners=[%s]", strings.Join(m, " "), strings.Join(o, " "))
}

func recipientState(r mailops.Recipient) string {
	return fmt.Sprintf("kind=%s simpleDisplayName=%q forwardsTo=%q", r.Kind, r.SimpleDisplayName, r.ForwardsTo())
}

func sortReplica(r *Replica) {
	slices.SortFunc(r.Groups, func(x, y mailops.Group) int {
		return strings.Compare(string(x.PrimaryAddress), string(y.PrimaryAddress))
	})
	slices.SortFunc(r.Recipients, func(x, y mailops.Recipient) int { return strings.Compare(string(x.Address), string(y.Address)) })
}

// stateOf is the state r holds of the object ("group" or "recipient") at a,
// as a Drift's Old and New show it; empty if r holds none.
func stateOf(r Replica, object string, a mailops.Address) string {
	switch object {
	case "group":
		if g, ok := r.Group(a); ok {
			return groupState(g)
		}
	case "recipient":
		if x, ok := r.Recipient(a); ok {
			return recipientState(x)
		}
	}
	return ""
}

// revert sets the object d is about in r back to what old holds (none if
// old holds none).
func revert(r *Replica, old Replica, d Drift) {
	switch d.Object {
	case "group":
		r.Groups = slices.DeleteFunc(r.Groups, func(g mailops.Group) bool { return g.PrimaryAddress == d.Address })
		if g, ok := old.Group(d.Address); ok {
			r.Groups = append(r.Groups, g)
		}
	case "recipient":
		r.Recipients = slices.DeleteFunc(r.Recipients, func(x mailops.Recipient) bool { return x.Address == d.Address })
		if x, ok := old.Recipient(d.Address); ok {
			r.Recipients = append(r.Recipients, x)
		}
	}
}

// diffReplicas lists the differences from old to fresh.
func diffReplicas(old, fresh Replica) []Drift {
	var out []Drift
	diff := func(object string, olds, news map[mailops.Address]string) {
		keys := make([]mailops.Address, 0, len(olds)+len(news))
		for a := range olds {
			keys = append(keys, a)
		}
		for a := range news {
			if _, ok := olds[a]; !ok {
				keys = append(keys, a)
			}
		}
		slices.Sort(keys)
		for _, a := range keys {
			o, had := olds[a]
			n, has := news[a]
			switch {
			case had && !has:
				out = append(out, Drift{Address: a, Object: object, Change: "removed", Old: o})
			case !had && has:
				out = append(out, Drift{Address: a, Object: object, Change: "added", New: n})
			case o != n:
				out = append(out, Drift{Address: a, Object: object, Change: "changed", Old: o, New: n})
			}
		}
	}
	states := func(r Replica) (gs, rs map[mailops.Address]string) {
		gs, rs = map[mailops.Address]string{}, map[mailops.Address]string{}
		for _, g := range r.Groups {
			gs[g.PrimaryAddress] = groupState(g)
		}
		for _, x := range r.Recipients {
			rs[x.Address] = recipientState(x)
		}
		return gs, rs
	}
	og, or := states(old)
	ng, nr := states(fresh)
	diff("group", og, ng)
	diff("recipient", or, nr)
	return out
}

// explained reports whether d is the effect of the latest request of its
// address that reached the tenant (applying, converged or done).
func explained(d Drift, reqs []Request) bool {
	var last *Request
	for i, r := range reqs {
		if r.Address() != d.Address || (r.State != Applying && r.State != Converged && r.State != Done) {
			continue
		}
		if last == nil || !r.UpdatedAt.Before(last.UpdatedAt) {
			last = &reqs[i]
		}
	}
	if last == nil {
		return false
	}
	switch last.Kind {
	case DeleteAddress:
		return d.Object == "group" && d.Change == "removed"
	case SetDisplayName:
		return d.Object == "recipient" && d.Change == "changed" && strings.Contains(d.New, fmt.Sprintf("simpleDisplayName=%q", last.DisplayName))
	}
	if d.Object != "group" || d.Change == "removed" {
		return false
	}
	m := addrStrings(last.Targets)
	slices.Sort(m)
	return strings.HasPrefix(d.New, fmt.Sprintf("members=[%s] ", strings.Join(m, " ")))
}

// DriftOf reads the drift recorded for domain, oldest first, at most limit
// entries after sequence number after.
func DriftOf(ctx context.Context, s Store, domain string, after int64, limit int) ([]DriftEntry, error) {
	out := []DriftEntry{}
	for len(out) < limit {
		es, err := s.Audit(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			return out, nil
		}
		for _, e := range es {
			after = e.Seq
			if e.RequestID != driftID(domain) || len(out) >= limit {
				continue
			}
			var d Drift
			if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
				return nil, fmt.Errorf("delegate: drift entry %d: %w", e.Seq, err)
			}
			out = append(out, DriftEntry{Seq: e.Seq, At: e.At, Drift: d})
		}
	}
	return out, nil
}
