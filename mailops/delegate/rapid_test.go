package delegate

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/mailops-dev/mailops/mailops"
)

// rapidActor is an actor of the model with its token.
type rapidActor struct {
	Actor
	token string
}

// TestAPIStateMachine drives the API with random writes and decisions by
// several admins of several domains and IT, and checks: no request outside
// its submitter's domains, no self-approval, no decision by a non-approver;
// then every accepted request reaches a terminal state, every done, failed
// and rejected request has its notification delivered through SMTP (seen in
// the relay world's ledger), and the audit chain verifies. One service runs
// under all of rapid's checks (its state only grows); the default number of
// checks is lowered to 5 unless -rapid.checks is given.
func TestAPIStateMachine(t *testing.T) {
	given := slices.ContainsFunc(os.Args, func(a string) bool { return strings.Contains(a, "rapid.checks") })
	if !given {
		f := flag.Lookup("rapid.checks")
		prev := f.Value.String()
		if err := flag.Set("rapid.checks", "5"); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = flag.Set("rapid.checks", prev) }()
	}
	mk := func(sub string) mailops.Address { return mailops.Address(sub + "@example.ac.jp") }
	var actors []rapidActor
	spec := []struct {
		sub      string
		domains  []string
		approver bool
	}{
		{"a1", []string{"depta.example.ac.jp"}, false},
		{"a2", []string{"depta.example.ac.jp"}, false},
		{"b1", []string{"deptb.example.ac.jp"}, false},
		{"it1", []string{"depta.example.ac.jp", "deptb.example.ac.jp", "example.ac.jp"}, true},
		{"it2", []string{"depta.example.ac.jp", "deptb.example.ac.jp", "example.ac.jp"}, true},
	}
	var boxes []mailops.Address
	for _, s := range spec {
		boxes = append(boxes, mk(s.sub))
	}
	rl := newRelay(t, boxes...)
	mn := &MailNotifier{Relay: rl.addr, From: "mailops@example.ac.jp", Approvers: []mailops.Address{"it1@example.ac.jp"}, Clock: mailops.WallClock{}, TagSender: true}
	e := newAPIEnvNotifying(t, mn)
	for _, s := range spec {
		var roles []string
		for _, d := range s.domains {
			roles = append(roles, RoleAdminPrefix+d)
		}
		if s.approver {
			roles = append(roles, RoleApprover)
		}
		actors = append(actors, rapidActor{
			Actor: Actor{Subject: s.sub, Email: mk(s.sub), Domains: s.domains, Approver: s.approver},
			token: e.iss.token(t, s.sub, string(mk(s.sub)), roles, nil),
		})
	}
	for _, b := range boxes { // everyone has a mailbox, for self-service
		if err := e.world.client.CreateRecipient(context.Background(), mailops.Recipient{Address: b, Kind: mailops.Mailbox, DisplayName: b.Local()}); err != nil {
			t.Fatal(err)
		}
	}
	byID := map[string]rapidActor{}
	for _, a := range actors {
		byID[a.Subject] = a
	}
	accepted := map[string]bool{}
	domains := []string{"depta.example.ac.jp", "deptb.example.ac.jp"}
	all := append(slices.Clone(domains), "example.ac.jp") // self-service display names live in the people's domain
	locals := []string{"office", "lab", "sales"}
	targets := []string{"u1@example.ac.jp", "u2@example.ac.jp", "u3@example.ac.jp", "friend@partner.example"}
	key := 0

	rapid.Check(t, func(rt *rapid.T) {
		rt.Repeat(map[string]func(*rapid.T){
			"submit": func(rt *rapid.T) {
				a := rapid.SampledFrom(actors).Draw(rt, "actor")
				d := rapid.SampledFrom(domains).Draw(rt, "domain")
				l := rapid.SampledFrom(locals).Draw(rt, "local")
				ts := rapid.SliceOfNDistinct(rapid.SampledFrom(targets), 1, 3, rapid.ID[string]).Draw(rt, "targets")
				kind := rapid.SampledFrom([]Kind{CreateAddress, ReplaceTargets, DeleteAddress}).Draw(rt, "kind")
				key++
				hdr := map[string]string{"Idempotency-Key": fmt.Sprint("k", key)}
				base := "/v1/domains/" + d + "/addresses"
				var r resp
				switch kind {
				case CreateAddress:
					r = e.do(t, a.token, "POST", base, map[string]any{"local": l, "targets": ts}, hdr)
				case ReplaceTargets:
					r = e.do(t, a.token, "PUT", base+"/"+l+"/targets", map[string]any{"targets": ts}, hdr)
				case DeleteAddress:
					r = e.do(t, a.token, "DELETE", base+"/"+l, nil, hdr)
				}
				switch {
				case !a.Holds(d):
					if r.status != http.StatusForbidden {
						rt.Fatalf("%s wrote to %s: %d %s", a.Subject, d, r.status, r.body)
					}
				case r.status == http.StatusAccepted:
					v := r.request(t)
					if v.Submitter != a.Subject || v.Domain != d {
						rt.Fatalf("accepted %+v for %s in %s", v, a.Subject, d)
					}
					accepted[v.ID] = true
				case kind == ReplaceTargets && r.status == http.StatusNotFound:
					// no such address yet
				default:
					rt.Fatalf("%s %s %s: %d %s", a.Subject, kind, d, r.status, r.body)
				}
			},
			"decide": func(rt *rapid.T) {
				if len(accepted) == 0 {
					rt.Skip("nothing to decide")
				}
				ids := make([]string, 0, len(accepted))
				for id := range accepted {
					ids = append(ids, id)
				}
				id := rapid.SampledFrom(sortedStrings(ids)).Draw(rt, "request")
				a := rapid.SampledFrom(actors).Draw(rt, "actor")
				act := rapid.SampledFrom([]Action{ActApprove, ActReject, ActCancel}).Draw(rt, "action")
				before, err := e.store.Get(context.Background(), id)
				if err != nil {
					rt.Fatal(err)
				}
				r := e.do(t, a.token, "POST", "/v1/requests/"+id+"/"+string(act), nil, map[string]string{"Idempotency-Key": "d" + id})
				allowed := Allow(a.Actor, act, before) == nil
				switch {
				case !allowed && r.status != http.StatusForbidden:
					rt.Fatalf("%s may not %s %s (by %s), got %d %s", a.Subject, act, id, before.Submitter, r.status, r.body)
				case allowed && r.status != http.StatusAccepted && r.status != http.StatusConflict:
					rt.Fatalf("%s %s %s: %d %s", a.Subject, act, id, r.status, r.body)
				}
			},
			"self": func(rt *rapid.T) {
				a := rapid.SampledFrom(actors).Draw(rt, "actor")
				key++
				hdr := map[string]string{"Idempotency-Key": fmt.Sprint("s", key)}
				var r resp
				expect := http.StatusAccepted
				if rapid.Bool().Draw(rt, "displayName") {
					name := rapid.SampledFrom([]string{"Taro Yamada", "Hanako (Lab)", "山田"}).Draw(rt, "name")
					r = e.do(t, a.token, "PUT", "/v1/me/display-name", map[string]any{"simpleDisplayName": name}, hdr)
					if name == "山田" { // outside the simple display name's character set
						expect = http.StatusUnprocessableEntity
					}
				} else {
					d := rapid.SampledFrom(domains).Draw(rt, "domain")
					l := rapid.SampledFrom(append(slices.Clone(locals), "admins")).Draw(rt, "group")
					join := rapid.Bool().Draw(rt, "join")
					act := map[bool]string{true: "join", false: "leave"}[join]
					r = e.do(t, a.token, "POST", "/v1/groups/"+l+"@"+d+"/membership-requests", map[string]any{"action": act}, hdr)
					switch {
					case l == "admins" && join: // no escalation
						expect = http.StatusForbidden
					case r.status == http.StatusNotFound && l != "admins":
						expect = http.StatusNotFound // no such group yet
					}
				}
				if r.status != expect {
					rt.Fatalf("%s self-service: %d %s, want %d", a.Subject, r.status, r.body, expect)
				}
				if r.status == http.StatusAccepted {
					v := r.request(t)
					if v.Submitter != a.Subject || v.Member != a.Email || !v.NeedsApproval {
						rt.Fatalf("self-service request %+v by %s", v, a.Subject)
					}
					accepted[v.ID] = true
				}
			},
			"": func(rt *rapid.T) { checkNoCrossDomain(rt, e, byID, all) },
		})
	})

	// Drain: IT decides whatever waits, then every request must end. The
	// queue's workers run in real time: wake at each commit of the store.
	ctx := context.Background()
	drain := waitCtx(t)
	for _, id := range sortedStrings(slices.Collect(maps.Keys(accepted))) {
		var r Request
		err := await(drain, e.store.changed, func() bool {
			var err error
			if r, err = e.store.Get(ctx, id); err != nil {
				t.Fatal(err)
			}
			if r.State == AwaitingApproval {
				it := byID["it1"]
				if r.Submitter == "it1" {
					it = byID["it2"]
				}
				if res := e.do(t, it.token, "POST", "/v1/requests/"+id+"/approve", nil, map[string]string{"Idempotency-Key": "drain"}); res.status != http.StatusAccepted {
					t.Fatalf("drain approve %s: %d %s", id, res.status, res.body)
				}
			}
			return r.State.Terminal()
		})
		if err != nil {
			t.Fatalf("request %s stuck in %s: %v", id, r.State, err)
		}
	}
	checkNoCrossDomain(t, e, byID, all)
	// A notification is sent after its state change commits: wait for the
	// last ones to arrive, waking at each message the relay takes in.
	counts := map[State]int{}
	kinds := map[Kind]int{}
	var missing []string
	_ = await(waitCtx(t), rl.data.wait, func() bool { // on timeout, missing says what never came
		delivered := rl.delivered()
		counts, missing = map[State]int{}, nil
		kinds = map[Kind]int{}
		for id := range accepted {
			r, err := e.store.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			counts[r.State]++
			kinds[r.Kind]++
			if r.State != Cancelled && !slices.Contains(delivered[r.SubmitterEmail], mn.SenderFor(r)) { // cancelling sends no mail
				missing = append(missing, fmt.Sprintf("%s ended %s without its notification to %s", id, r.State, r.SubmitterEmail))
			}
		}
		return len(missing) == 0
	})
	for _, m := range missing {
		t.Error(m)
	}
	if n, err := e.store.VerifyAudit(ctx); err != nil {
		t.Fatalf("audit after %d entries: %v", n, err)
	}
	t.Logf("%d requests: %v %v", len(accepted), counts, kinds)
}

// checkNoCrossDomain checks every stored request of each domain: submitted by
// an admin of the domain (or, for a self-service request, by its member),
// decided (approved or rejected) by an approver of the domain who did not
// submit it.
func checkNoCrossDomain(t interface{ Fatalf(string, ...any) }, e *apiEnv, actors map[string]rapidActor, domains []string) {
	for _, d := range domains {
		rs, err := e.store.List(context.Background(), d)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		for _, r := range rs {
			if r.Domain != d || (!r.Kind.SelfService() && !actors[r.Submitter].Holds(d)) ||
				(r.Kind.SelfService() && r.Member != actors[r.Submitter].Email) {
				t.Fatalf("request %s in %s submitted by %s", r.ID, d, r.Submitter)
			}
			if r.DecidedBy != "" && r.State != Cancelled {
				dec := actors[r.DecidedBy]
				if !dec.Approver || !dec.Holds(d) || r.DecidedBy == r.Submitter {
					t.Fatalf("request %s by %s decided by %s", r.ID, r.Submitter, r.DecidedBy)
				}
			}
		}
	}
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
