package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// WatchResult says when every resolver agreed.
type WatchResult struct {
	// Agreed is when every resolver first gave the expected answer.
	Agreed time.Time
	// EarliestSafe is the bound computed from TTLs at the first look: by
	// then every stale answer cached at that moment (including a cached
	// "no such record", kept for the SOA minimum) has expired.
	EarliestSafe time.Time
	// Rounds is how many times the resolvers were asked.
	Rounds int
}

// WatchMX asks every resolver for the domain's MX until all of them give
// exactly the wanted hosts (any order, case-insensitive), sleeping on clk
// between rounds: until the earliest expiry of a stale answer, at most poll
// (default one minute). It is bounded by ctx; on ctx's end it returns the
// context's error joined with the last answer or failure of each resolver
// that had not agreed. A lookup failure (timeout, SERVFAIL) never counts as
// agreement.
func WatchMX(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, domain string, want []string, poll time.Duration) (WatchResult, error) {
	w := make([]string, len(want))
	for i, h := range want {
		w[i] = hostName(h)
	}
	slices.Sort(w)
	return watch(ctx, clk, resolvers, domain, typeMX, poll, func(a answer) (bool, string) {
		got := a.mxHosts()
		slices.Sort(got)
		return slices.Equal(got, w), fmt.Sprintf("MX %v", got)
	})
}

// WatchTXT asks every resolver until all of them see the TXT value at name
// (for example the ownership "MS=ms..." record). See WatchMX.
func WatchTXT(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, name, value string, poll time.Duration) (WatchResult, error) {
	return watch(ctx, clk, resolvers, name, typeTXT, poll, func(a answer) (bool, string) {
		got := txtValues(a.rrs)
		return slices.Contains(got, value), fmt.Sprintf("TXT %q", got)
	})
}

// WatchCNAME asks every resolver until all of them see name as an alias of
// target (for example autodiscover or a DKIM selector). See WatchMX.
func WatchCNAME(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, name, target string, poll time.Duration) (WatchResult, error) {
	want := hostName(target)
	return watch(ctx, clk, resolvers, name, typeCNAME, poll, func(a answer) (bool, string) {
		if got, ok := a.cnameAt(name); ok {
			return got == want, "CNAME " + got
		}
		return false, "no CNAME"
	})
}

func watch(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, name string, qtype uint16, poll time.Duration, ok func(answer) (bool, string)) (WatchResult, error) {
	if len(resolvers) == 0 {
		return WatchResult{}, badSpec("resolvers", "[]", "no resolvers to watch")
	}
	if clk == nil {
		return WatchResult{}, badSpec("clock", "nil", "the watch needs a Clock")
	}
	if !validName(name) {
		return WatchResult{}, badSpec("name", name, "not a valid DNS name")
	}
	if poll <= 0 {
		poll = time.Minute
	}
	var res WatchResult
	last := make([]error, len(resolvers)) // why each resolver has not agreed
	for {
		res.Rounds++
		now := clk.Now()
		agreed := true
		next := poll
		for i, r := range resolvers {
			q := &querier{x: r}
			a, err := q.rr(ctx, name, qtype)
			if ctx.Err() != nil {
				return res, watchErr(ctx, resolvers, last)
			}
			if err == nil {
				var good bool
				var got string
				if good, got = ok(a); good {
					last[i] = nil
					continue
				}
				err = fmt.Errorf("still sees %s", got)
			} else if !errors.Is(err, ErrNXDomain) {
				a = answer{} // a failure tells nothing about caches
			}
			last[i] = err
			agreed = false
			ttl := a.ttl()
			if res.Rounds == 1 && now.Add(ttl).After(res.EarliestSafe) {
				res.EarliestSafe = now.Add(ttl)
			}
			if ttl > 0 && ttl < next {
				next = ttl
			}
		}
		if res.Rounds == 1 && res.EarliestSafe.IsZero() {
			res.EarliestSafe = now
		}
		if agreed {
			res.Agreed = now
			return res, nil
		}
		if err := clk.Sleep(ctx, next); err != nil {
			return res, watchErr(ctx, resolvers, last)
		}
	}
}

func watchErr(ctx context.Context, resolvers []Exchanger, last []error) error {
	errs := []error{fmt.Errorf("dnscheck: watch: %w", context.Cause(ctx))}
	for i, e := range last {
		if e != nil {
			errs = append(errs, fmt.Errorf("resolver %d (%T): %w", i, resolvers[i], e))
		}
	}
	return errors.Join(errs...)
}

// LookupMX returns the MX hosts one resolver gives for a domain, sorted by
// preference; a failed lookup is an error, never an empty answer.
func LookupMX(ctx context.Context, x Exchanger, domain string) ([]string, error) {
	q := &querier{x: x}
	mxs, err := q.mx(ctx, domain)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(mxs, func(a, b mxRec) int { return int(a.Pref) - int(b.Pref) })
	out := make([]string, len(mxs))
	for i, m := range mxs {
		out[i] = m.Host
	}
	return out, nil
}
