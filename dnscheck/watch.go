package dnscheck

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// WatchResult says when every resolver agreed.
type WatchResult struct {
	// Agreed is when every resolver first gave the expected answer.
	Agreed time.Time
	// EarliestSafe is the bound computed from TTLs at the first look: by
	// then every cached old answer has expired.
	EarliestSafe time.Time
	// Rounds is how many times the resolvers were asked.
	Rounds int
}

// WatchMX asks every resolver for the domain's MX until all of them give
// exactly the wanted hosts, sleeping on clk between rounds (until the
// earliest expiry of a stale answer, at most poll). It is bounded by ctx.
func WatchMX(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, domain string, want []string, poll time.Duration) (WatchResult, error) {
	w := make([]string, len(want))
	for i, h := range want {
		w[i] = strings.ToLower(strings.TrimSuffix(h, "."))
	}
	slices.Sort(w)
	return watch(ctx, clk, resolvers, domain, dns.TypeMX, poll, func(rrs []dns.RR) bool {
		var got []string
		for _, rr := range rrs {
			got = append(got, strings.ToLower(strings.TrimSuffix(rr.(*dns.MX).Mx, ".")))
		}
		slices.Sort(got)
		return slices.Equal(got, w)
	})
}

// WatchTXT asks every resolver until all of them see a TXT value.
func WatchTXT(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, name, value string, poll time.Duration) (WatchResult, error) {
	return watch(ctx, clk, resolvers, name, dns.TypeTXT, poll, func(rrs []dns.RR) bool {
		for _, rr := range rrs {
			if strings.Join(rr.(*dns.TXT).Txt, "") == value {
				return true
			}
		}
		return false
	})
}

func watch(ctx context.Context, clk mailops.Clock, resolvers []Exchanger, name string, qtype uint16, poll time.Duration, ok func([]dns.RR) bool) (WatchResult, error) {
	if len(resolvers) == 0 {
		return WatchResult{}, fmt.Errorf("%w: no resolvers to watch", ErrBadSpec)
	}
	if poll <= 0 {
		poll = time.Minute
	}
	var res WatchResult
	for {
		res.Rounds++
		now := clk.Now()
		agreed := true
		var next time.Duration = poll
		for i, r := range resolvers {
			q := &querier{x: r}
			rrs, _, err := q.rr(ctx, name, qtype)
			if err != nil && ctx.Err() != nil {
				return res, err
			}
			if err == nil && ok(rrs) {
				continue
			}
			agreed = false
			ttl := time.Duration(0)
			for _, rr := range rrs {
				ttl = max(ttl, time.Duration(rr.Header().Ttl)*time.Second)
			}
			if res.Rounds == 1 && now.Add(ttl).After(res.EarliestSafe) {
				res.EarliestSafe = now.Add(ttl)
			}
			if ttl > 0 && ttl < next {
				next = ttl
			}
			_ = i
		}
		if res.Rounds == 1 && res.EarliestSafe.IsZero() {
			res.EarliestSafe = now
		}
		if agreed {
			res.Agreed = now
			return res, nil
		}
		if err := clk.Sleep(ctx, next); err != nil {
			return res, err
		}
	}
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
