package preview

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

var cfg = delegate.Config{
	Domains:  []delegate.DomainConfig{{Name: "depta.example.ac.jp", AdminGroup: "admins@depta.example.ac.jp", AutoApproveInternal: true}},
	Internal: []string{"depta.example.ac.jp", "example.ac.jp"},
}

// replica: three people, the admin group, office@ (u1, u2) and solo@ (u1).
func replica() delegate.Replica {
	var r delegate.Replica
	for _, p := range []mailops.Address{"u1@example.ac.jp", "u2@example.ac.jp", "u3@example.ac.jp"} {
		r.Recipients = append(r.Recipients, mailops.Recipient{Address: p, Kind: mailops.Mailbox, DisplayName: p.Local()})
	}
	r.Groups = []mailops.Group{
		{PrimaryAddress: "admins@depta.example.ac.jp", Name: "admins@depta.example.ac.jp", Type: mailops.Security, Members: []mailops.Address{"u1@example.ac.jp"}},
		{PrimaryAddress: "office@depta.example.ac.jp", Name: "office@depta.example.ac.jp", Members: []mailops.Address{"u1@example.ac.jp", "u2@example.ac.jp"}},
		{PrimaryAddress: "solo@depta.example.ac.jp", Name: "solo@depta.example.ac.jp", Members: []mailops.Address{"u1@example.ac.jp"}},
	}
	return r
}

func previewOf(t *testing.T, r delegate.Request) delegate.Preview {
	t.Helper()
	r.ID = "req-" + string(r.Kind) + "-" + r.Local
	p, err := cfg.Plan(r)
	if err != nil {
		t.Fatal(err)
	}
	pv, err := Simulator{}.Preview(context.Background(), delegate.PreviewInput{Request: r, Plan: p, Replica: replica(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s: %s", r.Kind, r.Local, pv.Summary())
	if pv.Sent == 0 {
		t.Fatalf("no traffic was simulated: %+v", pv)
	}
	return pv
}

// A replacement of targets while traffic flows loses nothing.
func TestPreviewGoodReplace(t *testing.T) {
	pv := previewOf(t, delegate.Request{Kind: delegate.ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office",
		Targets: []mailops.Address{"u2@example.ac.jp", "u3@example.ac.jp"}, From: []mailops.Address{"u1@example.ac.jp", "u2@example.ac.jp"}})
	if !pv.NoLoss || len(pv.Losses) != 0 || pv.Delivered != pv.Sent || !strings.HasPrefix(pv.Summary(), "no mail lost") {
		t.Fatalf("a good replace: %+v", pv)
	}
}

// A good new address: traffic to it once mail flow resolves it is
// delivered.
func TestPreviewGoodCreate(t *testing.T) {
	pv := previewOf(t, delegate.Request{Kind: delegate.CreateAddress, Domain: "depta.example.ac.jp", Local: "lab",
		Targets: []mailops.Address{"u3@example.ac.jp"}})
	if !pv.NoLoss {
		t.Fatalf("a good create: %+v", pv)
	}
}

// The last member leaving empties the group while traffic flows: the
// preview predicts the mail dropped, with the reason.
func TestPreviewEmptiedGroupLosesMail(t *testing.T) {
	r := delegate.Membership("solo@depta.example.ac.jp", "u1@example.ac.jp", []mailops.Address{"u1@example.ac.jp"}, false)
	pv := previewOf(t, r)
	if pv.NoLoss || len(pv.Losses) == 0 {
		t.Fatalf("emptying a group with traffic: %+v", pv)
	}
	l := pv.Losses[0]
	if l.Address != "solo@depta.example.ac.jp" || l.Class != "lost" || l.Messages == 0 || l.Reason == "" {
		t.Fatalf("loss %+v", l)
	}
}

// A new address whose target does not exist: the plan fails (Exchange
// refuses the member) and mail to the address bounces at Exchange Online's
// edge (directory-based edge blocking: 550 5.4.1).
func TestPreviewNonexistentTargetBounces(t *testing.T) {
	pv := previewOf(t, delegate.Request{Kind: delegate.CreateAddress, Domain: "depta.example.ac.jp", Local: "typo",
		Targets: []mailops.Address{"ghost@example.ac.jp"}})
	if pv.NoLoss || pv.PlanError == "" || !strings.Contains(pv.PlanError, "ghost@example.ac.jp") {
		t.Fatalf("nonexistent target: %+v", pv)
	}
	if len(pv.Losses) == 0 || pv.Losses[0].Class != "bounced" || !strings.Contains(pv.Losses[0].Reason, "550 5.4.1") {
		t.Fatalf("want 550 5.4.1 bounces at the address: %+v", pv.Losses)
	}
}

// A deletion while traffic flows: mail to the address bounces after it.
func TestPreviewDeleteBounces(t *testing.T) {
	pv := previewOf(t, delegate.Request{Kind: delegate.DeleteAddress, Domain: "depta.example.ac.jp", Local: "office"})
	if pv.NoLoss || len(pv.Losses) == 0 || pv.Losses[0].Class != "bounced" || pv.Losses[0].Address != "office@depta.example.ac.jp" {
		t.Fatalf("delete: %+v", pv)
	}
}

// A self-service display name: mail to the person keeps arriving, and the
// plan reaches mail flow.
func TestPreviewDisplayName(t *testing.T) {
	pv := previewOf(t, delegate.Request{Kind: delegate.SetDisplayName, Domain: "example.ac.jp", Local: "u2", Member: "u2@example.ac.jp", DisplayName: "Hanako Yamada"})
	if !pv.NoLoss || pv.PlanError != "" {
		t.Fatalf("display name: %+v", pv)
	}
}

// The world holds only what the request's mail can reach, whatever the
// tenant's size.
func TestPreviewWorldIsTheRelevantPart(t *testing.T) {
	rep := replica()
	for i := range 2000 {
		rep.Recipients = append(rep.Recipients, mailops.Recipient{Address: mailops.Address(fmt.Sprintf("x%d@example.ac.jp", i)), Kind: mailops.Mailbox})
	}
	r := delegate.Request{Kind: delegate.ReplaceTargets, Domain: "depta.example.ac.jp", Local: "office", Targets: []mailops.Address{"u3@example.ac.jp"}}
	got := relevant(delegate.PreviewInput{Request: r, Replica: rep, Config: cfg})
	var rs []string
	for _, x := range got.Recipients {
		rs = append(rs, string(x.Address))
	}
	if strings.Join(rs, " ") != "u1@example.ac.jp u2@example.ac.jp u3@example.ac.jp" || len(got.Groups) != 2 {
		t.Fatalf("relevant: recipients %v, %d groups (want office and the admin group)", rs, len(got.Groups))
	}
	if admins, _ := got.Group("admins@depta.example.ac.jp"); len(admins.Members) != 0 {
		t.Fatalf("the admin group, an owner only, keeps its members: %+v", admins)
	}
}
