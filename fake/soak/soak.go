// Package soak generates whole migrations from seeds and runs them at the
// scale of the "no mail lost" claim: every kind of migration the project has
// (a consolidation, a cutover, the list domain, several departments at
// once), random departments, forwarding (loops included), propagation
// delays, admin-API faults (throttling, lost replies, unavailability),
// runner crashes at random points, transient SMTP faults and DNS faults.
// Everything about a case comes from its seed, so "reproduce with seed=N"
// reruns it exactly.
package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

// Kind is a kind of migration.
type Kind string

// Kinds the soak generates.
const (
	Consolidation Kind = "consolidation"
	Cutover       Kind = "cutover"
	ListDomain    Kind = "list-domain"
	University    Kind = "university"
	// Delegated is a stream of the delegated service's requests (random
	// admins of several department domains, creates, replaces, deletes,
	// approvals, rejections, cancellations) applied onto the tenant.
	Delegated Kind = "delegated"
)

// Kinds lists them in the order a seed picks from.
var Kinds = []Kind{Consolidation, Cutover, ListDomain, University, Delegated}

// Result is one case's outcome.
type Result struct {
	Seed       uint64 `json:"seed"`
	Kind       Kind   `json:"kind"`
	Messages   int    `json:"messages"`
	Delivered  int    `json:"delivered"`
	Bounced    int    `json:"bounced"`
	GapBounced int    `json:"gapBounced"`
	Lost       int    `json:"lost"`
	Looped     int    `json:"looped"`
	Misdeliv   int    `json:"misdelivered"`
	Duplicated int    `json:"duplicated"`
	Crashes    int    `json:"crashes"`
	// Requests is how many delegated-service requests were accepted;
	// RequestsDone how many of them ended done (the others were rejected,
	// cancelled, or failed as they should: a replace of an address that
	// changed meanwhile); Refused how many submissions and approvals the
	// policy refused (another department's domain, one's own request).
	Requests     int `json:"requests,omitempty"`
	RequestsDone int `json:"requestsDone,omitempty"`
	Refused      int `json:"refused,omitempty"`
	// Violation says what went wrong ("" when the case is clean).
	Violation string `json:"violation,omitempty"`
}

// Clean reports a case with no violation: nothing lost, no valid mail
// bounced outside the documented verification gap, no loop, no
// misdelivery, and the plan finished. Duplicates are counted apart.
func (r Result) Clean() bool { return r.Violation == "" }

// Reproduce is the command that reruns the case (with -soak.kind, which
// forces the kind, for a delegated case: the command works whether the
// seed picked it or a -soak.kind run forced it).
func (r Result) Reproduce() string {
	if r.Kind == Delegated {
		return fmt.Sprintf("go test ./fake/soak -run TestSoak -soak.from %d -soak.n 1 -soak.kind %s -v", r.Seed, r.Kind)
	}
	return fmt.Sprintf("go test ./fake/soak -run TestSoak -soak.from %d -soak.n 1 -v", r.Seed)
}

// Run runs one case.
func Run(seed uint64) Result { return RunKind(seed, "") }

// RunKind runs one case of the given kind ("" lets the seed pick, as Run
// does). A case run with its kind forced is reproduced with the same kind.
func RunKind(seed uint64, only Kind) Result {
	r := rand.New(rand.NewPCG(seed, 0x50a4))
	kind := Kinds[r.IntN(len(Kinds))]
	if only != "" {
		if !slices.Contains(Kinds, only) {
			return Result{Seed: seed, Kind: only, Violation: fmt.Sprintf("unknown kind %q (one of %v)", only, Kinds)}
		}
		kind = only
	}
	var res Result
	var err error
	switch kind {
	case Consolidation:
		res, err = consolidation(seed, r)
	case Cutover:
		res, err = cutover(seed, r)
	case ListDomain:
		res, err = listDomain(seed, r)
	case Delegated:
		res, err = delegated(seed, r)
	default:
		res, err = university(seed, r)
	}
	res.Seed, res.Kind = seed, kind
	if err != nil && res.Violation == "" {
		res.Violation = err.Error()
	}
	return res
}

// tenantConfig draws the admin side: propagation bounds, faults, lag.
func tenantConfig(r *rand.Rand) fake.TenantConfig {
	tc := fake.DefaultTenantConfig()
	tc.Propagation.Group = fake.Uniform(time.Minute, time.Duration(1+r.IntN(60))*time.Minute)
	tc.Propagation.Connector = fake.Uniform(time.Minute, time.Duration(1+r.IntN(60))*time.Minute)
	tc.Propagation.Recipient = fake.Uniform(time.Minute, time.Duration(1+r.IntN(60))*time.Minute)
	rates := []float64{0, 0.01, 0.03, 0.05}
	f := rates[r.IntN(len(rates))]
	tc.Faults = fake.RandomFaults{Throttle: f, Unavailable: f / 2, ReplyLost: f / 2, ThrottleRetryAfter: fake.Uniform(time.Second, time.Minute)}
	tc.AdminLag = fake.AdminLag{Probability: float64(r.IntN(4)) / 10, Lag: fake.Uniform(0, 30*time.Second)}
	return tc
}

func config(seed uint64, r *rand.Rand) mailflow.Config {
	return mailflow.Config{Seed: seed, Tenant: tenantConfig(r), Partner: fake.InstantTenantConfig(), EXOIgnoresPreference: r.IntN(2) == 0}
}

// smtpTrouble injects transient SMTP faults (4xx that senders retry) and a
// DNS outage of the legacy host (SERVFAIL for a while) into a world.
func smtpTrouble(w *mailflow.World, r *rand.Rand, legacyHost string) {
	for i := r.IntN(4); i > 0; i-- {
		w.InjectSMTPFault(mailflow.SMTPFault{Host: legacyHost, Stage: []string{"MAIL", "RCPT", "DATA"}[r.IntN(3)], Count: 1 + r.IntN(3),
			Reply: mailflow.Reply{Code: 451, Enhanced: "4.3.0", Text: "temporary failure (soak)"}})
	}
	if legacyHost != "" && r.IntN(3) == 0 {
		at := w.Scheduler().Now().Add(time.Duration(r.IntN(6*60)) * time.Minute)
		dur := time.Duration(5+r.IntN(55)) * time.Minute
		a := w.DNS().Authority()
		w.Scheduler().At(at, "soak: DNS outage", func() { _ = a.FailWith(legacyHost, dnsserver.FaultServFail) })
		w.Scheduler().At(at.Add(dur), "soak: DNS back", func() { _ = a.FailWith(legacyHost, dnsserver.FaultNone) })
	}
}

// verdict fills a result from the oracle and the migrations.
func verdict(res *Result, rep mailflow.Report, ms ...*mailflow.Migration) {
	res.Messages, res.Delivered, res.Bounced, res.GapBounced = rep.Sent, rep.Delivered, rep.Bounced, rep.GapBounced
	res.Lost, res.Looped, res.Misdeliv, res.Duplicated = rep.Lost, rep.Looped, rep.Misdelivered, rep.Duplicated
	for _, m := range ms {
		res.Crashes += m.Crashes
		switch {
		case m.Err != nil:
			res.Violation = "the plan failed: " + m.Err.Error()
			return
		case !m.Done:
			res.Violation = "the plan did not finish"
			return
		}
	}
	if !rep.NoLoss() {
		res.Violation = rep.String()
	}
}

// Summary counts a soak.
type Summary struct {
	Seeds      int
	ByKind     map[Kind]int
	Messages   int
	Lost       int
	Bounced    int
	GapBounced int
	Looped     int
	Misdeliv   int
	Duplicated int
	Crashes    int
	Requests   int
	ReqDone    int
	Refused    int
	// Elapsed is the wall time the caller measured (the soak itself reads
	// no clock).
	Elapsed time.Duration
	// First is the first violating case (by seed), if any.
	First *Result
}

// Options configure a soak.
type Options struct {
	Workers int
	// StopAtFirst stops the soak at the first violation.
	StopAtFirst bool
	// Kind, if set, runs only cases of that kind.
	Kind Kind
	// Progress is called after each case (serialised).
	Progress func(done, total int, last Result)
}

// Soak runs seeds from, from+1, … from+n-1 on every core.
func Soak(ctx context.Context, from, n uint64, opts Options) Summary {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sum := Summary{ByKind: map[Kind]int{}}
	var next atomic.Uint64
	var stop atomic.Bool
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && !stop.Load() {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				res := RunKind(from+i, opts.Kind)
				mu.Lock()
				sum.add(res)
				if !res.Clean() && (sum.First == nil || res.Seed < sum.First.Seed) {
					r := res
					sum.First = &r
					if opts.StopAtFirst {
						stop.Store(true)
					}
				}
				if opts.Progress != nil {
					opts.Progress(sum.Seeds, int(n), res)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return sum
}

func (s *Summary) add(r Result) {
	s.Seeds++
	s.ByKind[r.Kind]++
	s.Messages += r.Messages
	s.Lost += r.Lost
	s.Bounced += r.Bounced
	s.GapBounced += r.GapBounced
	s.Looped += r.Looped
	s.Misdeliv += r.Misdeliv
	s.Duplicated += r.Duplicated
	s.Crashes += r.Crashes
	s.Requests += r.Requests
	s.ReqDone += r.RequestsDone
	s.Refused += r.Refused
}
