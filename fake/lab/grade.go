package lab

import (
	"fmt"
	"github.com/mailops-dev/mailops/fake"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// Check statuses.
const (
	Pass    = "pass"
	Fail    = "fail"
	Pending = "pending" // not decided yet (the MX has not moved, nothing was throttled)
)

// Check is one procedural check of the grade.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// Grade is the oracle's verdict plus the procedural checks.
type Grade struct {
	At     time.Time       `json:"at"`
	Oracle mailflow.Report `json:"oracle"`
	// InFlight are (message, recipient) pairs with no outcome yet whose
	// senders have not given up: not counted as lost.
	InFlight int     `json:"inFlight"`
	NoLoss   bool    `json:"noLoss"`
	Checks   []Check `json:"checks"`
	// Pass: nothing lost, looped, misdelivered or bounced, and no check
	// failed.
	Pass    bool   `json:"pass"`
	Verdict string `json:"verdict"`
}

// request is one admin API request as the lab saw it.
type request struct {
	Wall       time.Time
	Desc       string
	Status     int
	RetryAfter time.Duration
	// InFlight is how many Graph and admin API requests were in flight
	// when this one arrived (it included).
	InFlight int
}

// grade grades the run so far. reqs are the admin API requests (with wall
// times) for the Retry-After check.
func (e *engine) grade(reqs []request) Grade {
	w := e.w
	g := Grade{At: e.now()}
	g.Oracle, g.InFlight = e.oracleNow()
	g.NoLoss = g.Oracle.NoLoss()
	g.Checks = []Check{e.relayBeforeMX(), e.groupsWithMembers(), e.ttlAhead(), retryAfterHonoured(w.Tenant().CallLog(), reqs),
		concurrencyKept(reqs, labTenant().SessionLimit)}
	for _, c := range e.checkpoints {
		d := c.Detail
		if c.Status == Fail && c.Hint != "" {
			d += " (hint: " + c.Hint + ")"
		}
		g.Checks = append(g.Checks, Check{Name: "checkpoint: " + c.Name, Status: c.Status, Detail: d})
	}
	g.Pass = g.NoLoss
	for _, c := range g.Checks {
		g.Pass = g.Pass && c.Status != Fail
	}
	switch {
	case g.Pass:
		g.Verdict = "PASS"
	default:
		g.Verdict = "FAIL"
	}
	return g
}

// oracleNow is the oracle's report so far, with the (message, recipient)
// pairs still in flight (no outcome yet, a copy of their message still on
// its way and its senders not given up) taken out of the lost and counted
// apart. A message the ledger has settled has
// no copy left anywhere (or is older than the senders' horizon): its pairs
// are in the counts as they are.
func (e *engine) oracleNow() (mailflow.Report, int) {
	now := e.now()
	rep := e.w.Check()
	led := e.w.Ledger()
	inFlight := 0
	kept := rep.Violations[:0:0]
	for _, v := range rep.Violations {
		if m, held := led.Message(v.Msg); v.Class == mailflow.Lost && held && m.InFlight() && now.Sub(m.Submitted) < giveUp {
			inFlight++
			rep.Lost--
			rep.Sent--
			continue
		}
		kept = append(kept, v)
	}
	rep.Violations = kept
	return rep, inFlight
}

// giveUp is the world's default sender horizon (mailflow.Config.GiveUp).
const giveUp = 48 * time.Hour

// mxMoves returns, per migrated domain, the first time its MX pointed at
// Exchange Online and the change before it.
func (e *engine) mxMoves() map[string][2]DNSChange {
	out := map[string][2]DNSChange{}
	var prev = map[string]DNSChange{}
	for _, c := range e.dns.changes {
		if _, done := out[c.Domain]; done {
			continue
		}
		if c.PointsAtEXO() {
			out[c.Domain] = [2]DNSChange{prev[c.Domain], c}
			continue
		}
		prev[c.Domain] = c
	}
	return out
}

// relayBeforeMX: when a domain's MX moved, mail flow already held it as an
// InternalRelay (or Authoritative) accepted domain.
func (e *engine) relayBeforeMX() Check {
	c := Check{Name: "the domain relays before the MX moves", Status: Pending, Detail: "no MX has moved to Exchange Online yet"}
	moves := e.mxMoves()
	var bad, ok []string
	for _, d := range e.w.domains {
		m, moved := moves[d]
		if !moved {
			continue
		}
		at := m[1].At
		dom, accepted := e.w.Tenant().MailViewAt(at).AcceptedDomain(d)
		if !accepted || (dom.Type != mailops.InternalRelay && dom.Type != mailops.Authoritative) {
			bad = append(bad, fmt.Sprintf("%s: the MX moved at %s while mail flow did not accept the domain", d, at.Format(time.TimeOnly)))
			continue
		}
		ok = append(ok, fmt.Sprintf("%s was %s in mail flow when the MX moved at %s", d, dom.Type, at.Format(time.TimeOnly)))
	}
	return decide(c, bad, ok)
}

// groupsWithMembers: no group was created empty and given its members
// later (from the tenant's call log): mail to it meanwhile went nowhere.
func (e *engine) groupsWithMembers() Check {
	c := Check{Name: "groups are created with their members", Status: Pending, Detail: "no group created yet"}
	created := map[string]bool{}
	var bad []string
	for _, call := range e.w.Tenant().CallLog() {
		if call.Err != nil {
			continue
		}
		switch call.Op {
		case "CreateGroup":
			created[call.Target] = true
		case "SetGroupMembers":
			if created[call.Target] {
				bad = append(bad, fmt.Sprintf("%s: created, then given its members at %s", call.Target, call.End.Format(time.TimeOnly)))
			}
		}
	}
	var ok []string
	if len(created) > 0 {
		ok = []string{fmt.Sprintf("%d groups created with their members", len(created))}
	}
	return decide(c, bad, ok)
}

// ttlAhead: before the MX moved, its TTL had been lowered at least the old
// TTL ahead (or was already at most five minutes), or else the old MX host
// kept receiving for a full TTL after the move (resolvers that cached the
// old MX still reached a server that takes the mail).
func (e *engine) ttlAhead() Check {
	c := Check{Name: "the TTL was lowered a full TTL ahead", Status: Pending, Detail: "no MX has moved to Exchange Online yet"}
	var bad, ok []string
	for d, m := range e.mxMoves() {
		before, move := m[0], m[1]
		if before.At.IsZero() {
			continue
		}
		// The history of the domain before the move: find the last
		// lowering of the TTL.
		var lowered DNSChange
		var from time.Duration
		var prev DNSChange
		for _, x := range e.dns.changes {
			if x.Domain != d || !x.At.Before(move.At) {
				continue
			}
			if !prev.At.IsZero() && x.TTL() < prev.TTL() {
				lowered, from = x, prev.TTL()
			}
			prev = x
		}
		switch {
		case before.TTL() <= 5*time.Minute && lowered.At.IsZero():
			ok = append(ok, fmt.Sprintf("%s: the TTL was already %s", d, before.TTL()))
		case lowered.At.IsZero() && e.w.legacyServed(move.At.Add(before.TTL())):
			ok = append(ok, fmt.Sprintf("%s: the TTL (%s) was not lowered, but the old MX host kept receiving for a full TTL after the move", d, before.TTL()))
		case lowered.At.IsZero():
			bad = append(bad, fmt.Sprintf("%s: the MX moved at %s with its TTL of %s never lowered", d, move.At.Format(time.TimeOnly), before.TTL()))
		case move.At.Sub(lowered.At) < from:
			bad = append(bad, fmt.Sprintf("%s: the TTL went from %s to %s only %s before the MX moved", d, from, lowered.TTL(), move.At.Sub(lowered.At)))
		default:
			ok = append(ok, fmt.Sprintf("%s: the TTL went from %s to %s %s before the MX moved", d, from, lowered.TTL(), move.At.Sub(lowered.At)))
		}
	}
	slices.Sort(bad)
	slices.Sort(ok)
	return decide(c, bad, ok)
}

// retryAfterHonoured: after a throttled call (429 on the admin API, or a
// throttled call in the tenant's call log) the trainee waited Retry-After
// before the next one.
func retryAfterHonoured(calls []fake.Call, reqs []request) Check {
	c := Check{Name: "Retry-After was honoured", Status: Pending, Detail: "nothing was throttled"}
	var bad, ok []string
	for i, r := range reqs {
		if r.Status != 429 {
			continue
		}
		if i+1 < len(reqs) {
			if gap := reqs[i+1].Wall.Sub(r.Wall); gap < r.RetryAfter {
				bad = append(bad, fmt.Sprintf("after a 429 on %q (Retry-After %s) the next request came %s later", r.Desc, r.RetryAfter, gap.Round(time.Millisecond)))
				continue
			}
		}
		ok = append(ok, r.Desc)
	}
	var mine []fake.Call
	for _, call := range calls {
		if call.Admin == trainee {
			mine = append(mine, call)
		}
	}
	slices.SortFunc(mine, func(a, b fake.Call) int { return int(a.StartSeq) - int(b.StartSeq) })
	for i, call := range mine {
		if call.RetryAfter <= 0 || i+1 >= len(mine) {
			continue
		}
		if next := mine[i+1]; next.Start.Before(call.End.Add(call.RetryAfter)) {
			bad = append(bad, fmt.Sprintf("%s was throttled (Retry-After %s) and %s followed after %s", call.Op, call.RetryAfter, next.Op, next.Start.Sub(call.End)))
		}
	}
	if len(ok) > 0 {
		ok = []string{fmt.Sprintf("%d throttled requests were retried after Retry-After", len(ok))}
	}
	return decide(c, bad, ok)
}

// concurrencyKept: the trainee's script never had more admin API requests
// in flight at once than the session limit Exchange Online allows an admin
// (the lab tenant's SessionLimit: five, the last documented remote
// PowerShell figure; see reference/exo-facts.md section 8.1), and no
// request was refused for too many sessions.
func concurrencyKept(reqs []request, limit int) Check {
	c := Check{Name: "the script kept to the concurrency limit", Status: Pending, Detail: "no admin API requests yet"}
	var bad, ok []string
	most := 0
	for _, r := range reqs {
		most = max(most, r.InFlight)
		if r.InFlight > limit {
			bad = append(bad, fmt.Sprintf("%q came with %d requests in flight (the limit is %d)", r.Desc, r.InFlight, limit))
		}
	}
	if len(reqs) > 0 && len(bad) == 0 {
		ok = append(ok, fmt.Sprintf("%d requests, at most %d in flight at once (the limit is %d)", len(reqs), most, limit))
	}
	if len(bad) > 3 {
		bad = append(bad[:3], fmt.Sprintf("and %d more", len(bad)-3))
	}
	return decide(c, bad, ok)
}

func decide(c Check, bad, ok []string) Check {
	switch {
	case len(bad) > 0:
		c.Status, c.Detail = Fail, strings.Join(bad, "; ")
	case len(ok) > 0:
		c.Status, c.Detail = Pass, strings.Join(ok, "; ")
	}
	return c
}
