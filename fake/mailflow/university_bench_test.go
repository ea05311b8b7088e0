package mailflow_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// universitySpec generates a University spec: depts departments of addrs
// addresses each, in one tenant with one person per four addresses; each
// address is a group delivering to two people of the department, the first
// of every ten receives mail from outside; the department's first person is
// its admin. Traffic is 100 messages an hour per department for 12 hours,
// from the internet and from the people, to every department.
func universitySpec(depts, addrs int) *spec.File {
	const org = "uni.example"
	f := &spec.File{APIVersion: spec.APIVersion, Kind: spec.University,
		Tenant:  spec.Tenant{Domains: []string{org}},
		Traffic: spec.Traffic{PerHour: float64(100 * depts), Duration: spec.Duration(12 * time.Hour)}}
	perDept := max(addrs/4, 2)
	for d := 0; d < depts; d++ {
		domain := fmt.Sprintf("dept%03d.%s", d, org)
		var people []string
		for p := 0; p < perDept; p++ {
			a := fmt.Sprintf("p%03d.%04d@%s", d, p, org)
			people = append(people, a)
			f.Tenant.Mailboxes = append(f.Tenant.Mailboxes, spec.Person{Address: a})
		}
		dep := spec.Department{Domain: domain, LegacyMX: "mx." + domain, LegacyMXTTL: spec.Duration(time.Hour),
			Admins: spec.Admins{Group: fmt.Sprintf("dept%03d-admins@%s", d, org), Members: people[:1], Owners: people[:1]}}
		for i := 0; i < addrs; i++ {
			a := fmt.Sprintf("a%04d@%s", i, domain)
			targets := []string{people[i%perDept], people[(i+1)%perDept]}
			dep.Addresses = append(dep.Addresses, spec.Address{Address: a, Targets: targets, External: i%10 == 0})
			f.Expect = append(f.Expect, spec.Expectation{Address: a, Deliveries: targets})
		}
		f.Departments = append(f.Departments, dep)
	}
	return f
}

// BenchmarkUniversity is the university as one world: departments of
// addresses in one tenant, every department's runbook running concurrently
// (each through its own Client, under its session bound), traffic across
// departments, every address probed afterwards, the oracle's check and the
// differential check. One op is the whole run. heap-MB is the heap in use
// at the end of the run (the world still alive); sys-MB what the Go runtime
// took from the OS by then (the peak footprint's upper bound).
func BenchmarkUniversity(b *testing.B) {
	for _, size := range []struct{ depts, addrs int }{{10, 100}, {100, 100}, {10, 1000}, {100, 1000}} {
		b.Run(fmt.Sprintf("%dx%d", size.depts, size.addrs), func(b *testing.B) {
			f := universitySpec(size.depts, size.addrs)
			if err := f.Validate(); err != nil {
				b.Fatal(err)
			}
			var heap, sys float64
			var sent int
			for i := 0; i < b.N; i++ {
				cfg := mailflow.Config{Seed: uint64(i + 1), Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig()}
				w, err := mailflow.NewSpecWorld(cfg, f)
				if err != nil {
					b.Fatal(err)
				}
				ms := w.StartMigrations(w.Start.Add(30*time.Minute), nil)
				if err := w.Scheduler().RunFor(72 * time.Hour); err != nil {
					b.Fatal(err)
				}
				for _, m := range ms {
					if !m.Done || m.Err != nil {
						b.Fatalf("runbook: done %v: %v", m.Done, m.Err)
					}
				}
				w.Probe(w.Scheduler().Now())
				if err := w.Scheduler().RunFor(72 * time.Hour); err != nil {
					b.Fatal(err)
				}
				rep := w.Check()
				if !rep.NoLoss() {
					b.Fatal(rep.String())
				}
				if mm := w.Differential(); len(mm) > 0 {
					b.Fatalf("%d differences, first %s", len(mm), mm[0])
				}
				var st runtime.MemStats
				runtime.ReadMemStats(&st)
				heap += float64(st.HeapInuse) / (1 << 20)
				sys = max(sys, float64(st.Sys)/(1<<20))
				sent += rep.Sent
				runtime.KeepAlive(w)
			}
			b.ReportMetric(heap/float64(b.N), "heap-MB")
			b.ReportMetric(sys, "sys-MB")
			b.ReportMetric(float64(sent)/float64(b.N), "messages/run")
			b.ReportMetric(float64(size.depts*size.addrs), "addresses")
		})
	}
}
