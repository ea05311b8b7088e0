package lab

import (
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// labLoad is a long run of lab traffic: the consolidation scenario,
// migrated at 30 minutes, plus perHour messages an hour from outside and
// from a tenant mailbox to the department's addresses for hours; the heap
// is measured at heapAt hours.
type labLoad struct {
	hours   int
	perHour float64
	heapAt  []int
}

// BenchmarkLabDay runs a day of lab traffic at 8,500 messages an hour
// (about 200,000 messages) through the engine's stepping, keeping every
// event and under the lab's retention. It reports the heap in use after a
// GC at 6, 12 and 24 virtual hours (heap-MB-6h...), and the process CPU
// time (user and system, GC included) per message in the first and the last
// quarter of the day (cpu-ns/msg-q1, -q4): flat memory and flat CPU per
// message are the goal. Run it with -benchtime=1x.
func BenchmarkLabDay(b *testing.B) {
	benchLab(b, labLoad{hours: 24, perHour: 8500, heapAt: []int{6, 12, 24}})
}

// BenchmarkLabDays is BenchmarkLabDay over four days at 2,500 messages an
// hour (about 240,000 messages), long enough for the lab's ledger to settle
// messages (after the senders' 48-hour horizon and an hour's retry and
// margin): the heap at 24, 48, 72 and 96 hours.
func BenchmarkLabDays(b *testing.B) {
	benchLab(b, labLoad{hours: 96, perHour: 2500, heapAt: []int{24, 48, 72, 96}})
}

func benchLab(b *testing.B, load labLoad) {
	for _, bc := range []struct {
		name string
		ret  mailflow.Retention
	}{
		{"all", mailflow.Retention{}},
		{"lab", labRetention()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runLoad(b, load, bc.ret, uint64(i+1))
			}
		})
	}
}

// runLoad runs one load under retention r and reports its figures.
func runLoad(b *testing.B, load labLoad, r mailflow.Retention, seed uint64) {
	b.StopTimer()
	sc, err := LoadScenario(repoFile(b, "examples/lab/consolidation.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	sc.Traffic = append(sc.Traffic, TrafficProfile{Name: "load", For: spec.Duration(time.Duration(load.hours) * time.Hour),
		PerHour: load.perHour, From: []string{"someone@outside.example", "alice@example.ac.jp"}})
	e, err := newEngineRetaining(sc, seed, r)
	if err != nil {
		b.Fatal(err)
	}
	defer e.w.Scheduler().Close()
	e.stepTo(e.w.start.Add(30 * time.Minute))
	if _, err := e.act(Action{Op: "migrate"}, nil); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	// Quarters of the run; the heap is measured at the hours asked that
	// fall on a step of an hour.
	quarter := time.Duration(load.hours) * time.Hour / 4
	msgs0, cpuQ, msgsQ := 0, time.Duration(0), 0
	for h := 1; h <= load.hours; h++ {
		cpu0 := cpuTime()
		e.stepTo(e.w.start.Add(time.Duration(h) * time.Hour))
		cpuQ += cpuTime() - cpu0
		if e.err != nil {
			b.Fatal(e.err)
		}
		msgsQ += e.watch.hashed - msgs0
		msgs0 = e.watch.hashed
		if at := time.Duration(h) * time.Hour; at%quarter == 0 {
			q := int(at / quarter)
			if q == 1 || q == 4 {
				b.ReportMetric(float64(cpuQ.Nanoseconds())/float64(msgsQ), fmt.Sprintf("cpu-ns/msg-q%d", q))
			}
			cpuQ, msgsQ = 0, 0
		}
		if slices.Contains(load.heapAt, h) {
			b.StopTimer()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), fmt.Sprintf("heap-MB-%02dh", h))
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(e.watch.hashed), "messages")
	if e.w.Ledger().Late() != 0 {
		b.Fatalf("%d events after their pair settled", e.w.Ledger().Late())
	}
}

// cpuTime is the process's CPU time so far (user and system, every thread).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
