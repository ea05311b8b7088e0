package delegate

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
)

func TestStateMachineEdges(t *testing.T) {
	for _, s := range States() {
		if !s.Valid() {
			t.Fatalf("%s not valid", s)
		}
		if s.Terminal() != (len(s.Next()) == 0) {
			t.Errorf("%s: terminal=%v but %d successors", s, s.Terminal(), len(s.Next()))
		}
		for _, to := range States() {
			err := Move(s, to)
			if CanMove(s, to) != (err == nil) {
				t.Errorf("%s -> %s: CanMove and Move disagree", s, to)
			}
			if err != nil && !errors.Is(err, ErrTransition) {
				t.Errorf("%s -> %s: %v does not match ErrTransition", s, to, err)
			}
		}
	}
	for _, bad := range [][2]State{{Submitted, Applying}, {AwaitingApproval, Queued}, {Applying, Cancelled},
		{Done, Submitted}, {Failed, Queued}, {Simulated, Approved}} {
		if CanMove(bad[0], bad[1]) {
			t.Errorf("%s -> %s must be illegal", bad[0], bad[1])
		}
	}
}

func TestEveryStateReachesATerminalState(t *testing.T) {
	for _, s := range States() {
		seen := map[State]bool{}
		var reach func(State) bool
		reach = func(x State) bool {
			if x.Terminal() {
				return true
			}
			if seen[x] {
				return false
			}
			seen[x] = true
			for _, n := range x.Next() {
				if reach(n) {
					return true
				}
			}
			return false
		}
		if !reach(s) {
			t.Errorf("%s cannot reach a terminal state", s)
		}
	}
}

var testConfig = Config{
	Domains: []DomainConfig{
		{Name: "depta.example.ac.jp", AdminGroup: "admins@depta.example.ac.jp", AutoApproveInternal: true},
		{Name: "deptb.example.ac.jp", AdminGroup: "admins@deptb.example.ac.jp"},
	},
	Internal: []string{"depta.example.ac.jp", "deptb.example.ac.jp", "example.ac.jp"},
}

func TestPolicy(t *testing.T) {
	alice := Actor{Subject: "alice", Domains: []string{"depta.example.ac.jp"}}
	it := Actor{Subject: "it", Domains: []string{"depta.example.ac.jp", "deptb.example.ac.jp"}, Approver: true}
	reqA := Request{Domain: "depta.example.ac.jp", Submitter: "alice"}
	reqB := Request{Domain: "deptb.example.ac.jp", Submitter: "bob"}
	reqIT := Request{Domain: "depta.example.ac.jp", Submitter: "it"}
	cases := []struct {
		a    Actor
		act  Action
		r    Request
		want bool
	}{
		{alice, ActSubmit, reqA, true},
		{alice, ActSubmit, reqB, false}, // outside her domains
		{alice, ActRead, reqB, false},
		{alice, ActApprove, reqA, false}, // not IT, and her own
		{alice, ActCancel, reqA, true},
		{alice, ActCancel, reqB, false},
		{it, ActApprove, reqA, true},
		{it, ActReject, reqB, true},
		{it, ActApprove, reqIT, false}, // self-approval
		{it, ActReject, reqIT, false},
		{it, ActCancel, reqA, true},
		{Actor{Domains: []string{"depta.example.ac.jp"}}, ActRead, reqA, false}, // no subject
		{alice, Action("escalate"), reqA, false},
		{alice, ActAudit, reqA, false},
		{it, ActAudit, reqB, true},
	}
	for i, c := range cases {
		err := Allow(c.a, c.act, c.r)
		if (err == nil) != c.want {
			t.Errorf("case %d: %s %s on %s by %s: err=%v, want allowed=%v", i, c.a.Subject, c.act, c.r.Domain, c.r.Submitter, err, c.want)
		}
		if err != nil && (!errors.Is(err, mailops.ErrForbidden) || !errors.Is(err, mailops.ErrPolicy)) {
			t.Errorf("case %d: %v should match ErrForbidden and ErrPolicy", i, err)
		}
	}
}

func TestApprovalRules(t *testing.T) {
	in := []mailops.Address{"u1@example.ac.jp"}
	ext := []mailops.Address{"u1@example.ac.jp", "someone@gmail.com"}
	cases := []struct {
		r    Request
		want bool
	}{
		{Request{Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Targets: in}, false},
		{Request{Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Targets: ext}, true},
		{Request{Kind: ReplaceTargets, Domain: "deptb.example.ac.jp", Targets: in}, true}, // deptB auto-approves nothing
		{Request{Kind: CreateAddress, Domain: "depta.example.ac.jp", Targets: in}, true},
		{Request{Kind: DeleteAddress, Domain: "depta.example.ac.jp"}, true},
		{Request{Kind: ReplaceTargets, Domain: "unknown.example", Targets: in}, true},
	}
	for i, c := range cases {
		if got := testConfig.NeedsApproval(c.r); got != c.want {
			t.Errorf("case %d (%s %s): NeedsApproval=%v, want %v", i, c.r.Kind, c.r.Domain, got, c.want)
		}
	}
}

func TestRequestValidate(t *testing.T) {
	ok := Request{Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office", Targets: []mailops.Address{"u1@example.ac.jp"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Request{
		{Kind: "frobnicate", Domain: "depta.example.ac.jp", Local: "x", Targets: ok.Targets},
		{Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "", Targets: ok.Targets},
		{Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "a@b", Targets: ok.Targets},
		{Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office"},
		{Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office", Targets: []mailops.Address{"office@depta.example.ac.jp"}},
		{Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office", Targets: []mailops.Address{"u1@example.ac.jp", "u1@example.ac.jp"}},
		{Kind: DeleteAddress, Domain: "depta.example.ac.jp", Local: "office", Targets: ok.Targets},
		{Kind: CreateAddress, Domain: "DeptA.example.ac.jp", Local: "office", Targets: ok.Targets},
	}
	for i, r := range bad {
		if err := r.Validate(); !errors.Is(err, mailops.ErrInvalid) {
			t.Errorf("case %d: %v, want ErrInvalid", i, err)
		}
	}
}

func TestPlans(t *testing.T) {
	targets := []mailops.Address{"u1@example.ac.jp", "u2@example.ac.jp"}
	cases := []struct {
		r    Request
		want []string
	}{
		{Request{ID: "r1", Kind: CreateAddress, Domain: "depta.example.ac.jp", Local: "office", Targets: targets},
			[]string{"New-DistributionGroup", "-Members 'u1@example.ac.jp','u2@example.ac.jp'", "-ManagedBy 'admins@depta.example.ac.jp'", "-RequireSenderAuthenticationEnabled $false"}},
		{Request{ID: "r2", Kind: ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office", Targets: targets},
			[]string{"Update-DistributionGroupMember", "office@depta.example.ac.jp"}},
		{Request{ID: "r3", Kind: DeleteAddress, Domain: "depta.example.ac.jp", Local: "office"},
			[]string{"Remove-DistributionGroup", "office@depta.example.ac.jp"}},
	}
	for _, c := range cases {
		ps, err := testConfig.PowerShell(c.r)
		if err != nil {
			t.Fatalf("%s: %v", c.r.ID, err)
		}
		for _, w := range c.want {
			if !strings.Contains(ps, w) {
				t.Errorf("%s: PowerShell lacks %q:\n%s", c.r.ID, w, ps)
			}
		}
	}
	if _, err := testConfig.Plan(Request{Kind: DeleteAddress, Domain: "elsewhere.example", Local: "x"}); !errors.Is(err, mailops.ErrNotFound) {
		t.Errorf("undelegated domain: %v", err)
	}
}
