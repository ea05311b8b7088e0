package soak

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func consolidation(seed uint64, r *rand.Rand) (Result, error) {
	sc := mailflow.DefaultConsolidationScenario(3 + r.IntN(38))
	sc.People = 3 + r.IntN(23)
	sc.LoopAddresses = r.IntN(3)
	sc.PerHour = float64(20 + r.IntN(100))
	sc.Duration = 10 * time.Hour
	sc.LegacyMXTTL = time.Duration(60+r.IntN(86400-60)) * time.Second
	c, err := mailflow.NewConsolidation(config(seed, r), sc)
	if err != nil {
		return Result{}, fmt.Errorf("world: %w", err)
	}
	smtpTrouble(c.World, r, sc.LegacyHost)
	m := c.StartRunbookCrashing(c.Scheduler().Now().Add(time.Duration(r.IntN(120))*time.Minute), "", r.IntN(41), nil)
	if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
		return Result{}, err
	}
	var res Result
	verdict(&res, c.Check(), m)
	return res, nil
}

func cutover(seed uint64, r *rand.Rand) (Result, error) {
	sc := mailflow.DefaultCutoverScenario(3 + r.IntN(20))
	sc.PerHour = float64(10 + r.IntN(50))
	c, err := mailflow.NewCutover(config(seed, r), sc)
	if err != nil {
		return Result{}, fmt.Errorf("world: %w", err)
	}
	smtpTrouble(c.World, r, sc.LegacyHost)
	m := c.StartRunbookCrashing(c.Scheduler().Now().Add(time.Duration(r.IntN(120))*time.Minute), "", r.IntN(41), nil)
	if err := c.Scheduler().RunFor(sc.ParallelRun + sc.Decommission + 7*24*time.Hour); err != nil {
		return Result{}, err
	}
	var res Result
	verdict(&res, c.Check(), m)
	return res, nil
}

// listDomain runs, half the time, the list domain as it is after its move
// (the list server behind Exchange Online under traffic) and otherwise the
// move itself: a generated ListDomain spec through its runbook.
func listDomain(seed uint64, r *rand.Rand) (Result, error) {
	if r.IntN(2) == 0 {
		return specMigration(seed, r, listDomainSpec(r))
	}
	sc := mailflow.DefaultListDomainScenario(1 + r.IntN(4))
	sc.People = 3 + r.IntN(8)
	sc.Internal, sc.External = 1+r.IntN(3), 1+r.IntN(4)
	sc.PerHour = float64(10 + r.IntN(30))
	ld, err := mailflow.NewListDomain(config(seed, r), sc)
	if err != nil {
		return Result{}, fmt.Errorf("world: %w", err)
	}
	smtpTrouble(ld.World, r, "")
	if err := ld.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
		return Result{}, err
	}
	var res Result
	verdict(&res, ld.Check())
	return res, nil
}

// university builds a spec with several departments and runs them all at
// once in one tenant.
func university(seed uint64, r *rand.Rand) (Result, error) {
	return specMigration(seed, r, universitySpec(r))
}

// specMigration runs a spec's migrations, then probes every migrated
// address and holds each to the legacy side (the differential check).
func specMigration(seed uint64, r *rand.Rand, f *spec.File) (Result, error) {
	w, err := mailflow.NewSpecWorld(config(seed, r), f)
	if err != nil {
		return Result{}, fmt.Errorf("world: %w", err)
	}
	ms := w.StartMigrations(w.Start.Add(time.Duration(r.IntN(120))*time.Minute), nil)
	if err := w.Scheduler().RunFor(72 * time.Hour); err != nil {
		return Result{}, err
	}
	var res Result
	verdict(&res, w.Check(), ms...)
	if res.Violation == "" {
		w.Probe(w.Scheduler().Now())
		if err := w.Scheduler().RunFor(72 * time.Hour); err != nil {
			return Result{}, err
		}
		if mm := w.Differential(); len(mm) > 0 {
			res.Violation = "differs from the legacy server: " + mm[0].String()
		}
	}
	return res, nil
}

// listDomainSpec is a list domain of 1 to 4 lists whose subscribers are
// people of the tenant and people on the internet.
func listDomainSpec(r *rand.Rand) *spec.File {
	f := &spec.File{APIVersion: spec.APIVersion, Kind: spec.ListDomain,
		Tenant:  spec.Tenant{Domains: []string{"uni.example"}},
		Traffic: spec.Traffic{PerHour: float64(10 + r.IntN(50)), Duration: spec.Duration(8 * time.Hour)}}
	people := 2 + r.IntN(8)
	for i := 0; i < people; i++ {
		f.Tenant.Mailboxes = append(f.Tenant.Mailboxes, spec.Person{Address: fmt.Sprintf("p%02d@uni.example", i)})
	}
	ld := &spec.ListDomainSpec{Domain: "lists.uni.example", ListServer: "mail.lists.uni.example", ListServerIPs: []string{"192.0.2.25/32"},
		LegacyMX: "mail.lists.uni.example", LegacyMXTTL: spec.Duration(time.Duration(60+r.IntN(7200)) * time.Second)}
	for l := 0; l < 1+r.IntN(4); l++ {
		list := spec.List{Address: fmt.Sprintf("list%d@lists.uni.example", l)}
		for _, i := range r.Perm(people)[:1+r.IntN(people)] {
			list.Subscribers = append(list.Subscribers, f.Tenant.Mailboxes[i].Address)
		}
		for x := 0; x < r.IntN(4); x++ {
			list.Subscribers = append(list.Subscribers, fmt.Sprintf("sub%d.%d@%s", l, x, []string{"gmail.example", "outside.example"}[x%2]))
		}
		ld.Lists = append(ld.Lists, list)
	}
	f.ListDomain = ld
	return f
}

func universitySpec(r *rand.Rand) *spec.File {
	f := &spec.File{APIVersion: spec.APIVersion, Kind: spec.University,
		Tenant:  spec.Tenant{Domains: []string{"uni.example"}},
		Traffic: spec.Traffic{PerHour: float64(20 + r.IntN(80)), Duration: spec.Duration(8 * time.Hour)}}
	people := 3 + r.IntN(10)
	for i := 0; i < people; i++ {
		f.Tenant.Mailboxes = append(f.Tenant.Mailboxes, spec.Person{Address: fmt.Sprintf("p%02d@uni.example", i)})
	}
	f.Tenant.Mailboxes = append(f.Tenant.Mailboxes, spec.Person{Address: "it@uni.example"})
	if r.IntN(2) == 0 {
		f.Tenant.Contacts = []spec.Contact{{Address: "emeritus@gmail.example"}}
	}
	depts := 2 + r.IntN(3)
	for d := 0; d < depts; d++ {
		dom := fmt.Sprintf("dept%d.uni.example", d)
		dept := spec.Department{Domain: dom, LegacyMX: "mx." + dom, LegacyMXTTL: spec.Duration(time.Duration(60+r.IntN(7200)) * time.Second),
			Admins: spec.Admins{Group: fmt.Sprintf("dept%d-admins@uni.example", d), Members: []string{"p00@uni.example"}, Owners: []string{"it@uni.example"}}}
		for a := 0; a < 1+r.IntN(8); a++ {
			addr := spec.Address{Address: fmt.Sprintf("a%02d@%s", a, dom), External: r.IntN(2) == 0}
			seen := map[string]bool{}
			for t := 0; t < 1+r.IntN(3); t++ {
				p := f.Tenant.Mailboxes[r.IntN(people)].Address
				if !seen[p] {
					seen[p] = true
					addr.Targets = append(addr.Targets, p)
				}
			}
			if len(f.Tenant.Contacts) > 0 && r.IntN(4) == 0 {
				addr.Targets = append(addr.Targets, f.Tenant.Contacts[0].Address)
			}
			dept.Addresses = append(dept.Addresses, addr)
		}
		f.Departments = append(f.Departments, dept)
	}
	return f
}

// String prints a summary.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d seeds in %s: ", s.Seeds, s.Elapsed.Round(time.Second))
	for _, k := range Kinds {
		fmt.Fprintf(&b, "%s %d, ", k, s.ByKind[k])
	}
	fmt.Fprintf(&b, "%d delegated requests (%d done, %d refused by the policy); %d messages; lost %d, looped %d, misdelivered %d, bounced %d (in the documented gap %d), duplicated %d; runner crashes %d",
		s.Requests, s.ReqDone, s.Refused, s.Messages, s.Lost, s.Looped, s.Misdeliv, s.Bounced, s.GapBounced, s.Duplicated, s.Crashes)
	if s.First != nil {
		fmt.Fprintf(&b, "\nfirst violation: seed=%d (%s): %s\nreproduce with: %s", s.First.Seed, s.First.Kind, s.First.Violation, s.First.Reproduce())
	}
	return b.String()
}
