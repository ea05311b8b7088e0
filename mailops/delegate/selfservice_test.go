package delegate

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/mailops"
)

func TestSelfServicePolicy(t *testing.T) {
	other := Actor{Subject: "other", Email: "u1@example.ac.jp"}
	join := Membership("office@depta.example.ac.jp", employee.Email, nil, true)
	join.Submitter = employee.Subject
	name := Request{Kind: SetDisplayName, Domain: "example.ac.jp", Local: "u2", Member: employee.Email, DisplayName: "U Two", Submitter: employee.Subject}
	cases := []struct {
		a    Actor
		act  Action
		r    Request
		want bool
	}{
		{employee, ActSubmit, join, true},             // for oneself, without holding the domain
		{other, ActSubmit, join, false},               // not for someone else
		{Actor{Subject: "x"}, ActSubmit, join, false}, // no address, no self-service
		{employee, ActRead, join, true},
		{employee, ActCancel, name, true},
		{other, ActRead, name, false},
		{employee, ActApprove, name, false}, // not IT
		{itAll, ActApprove, name, true},
		{itDept, ActApprove, name, false}, // IT not holding example.ac.jp
		{itAll, ActApprove, Request{Kind: SetDisplayName, Domain: "example.ac.jp", Submitter: itAll.Subject}, false}, // self-approval
	}
	for i, c := range cases {
		if err := Allow(c.a, c.act, c.r); (err == nil) != c.want {
			t.Errorf("case %d: %s %s %s: %v, want allowed=%v", i, c.a.Subject, c.act, c.r.Kind, err, c.want)
		}
	}
	if !testConfig.NeedsApproval(join) || !testConfig.NeedsApproval(name) {
		t.Error("IT confirms every self-service request")
	}
	if !testConfig.escalates(Membership("admins@depta.example.ac.jp", employee.Email, nil, true)) || testConfig.escalates(join) {
		t.Error("joining an admin group is escalation; joining an address is not")
	}
	for _, bad := range []Request{
		{Kind: SetDisplayName, Domain: "example.ac.jp", Local: "u2", Member: employee.Email, DisplayName: "日本語"},          // not the simple set
		{Kind: SetDisplayName, Domain: "example.ac.jp", Local: "u1", Member: employee.Email, DisplayName: "x"},            // someone else's
		{Kind: JoinGroup, Domain: "depta.example.ac.jp", Local: "office", Member: employee.Email},                         // members lack the member
		{Kind: JoinGroup, Domain: "depta.example.ac.jp", Local: "office", Targets: []mailops.Address{"u2@example.ac.jp"}}, // no member
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}

// An employee asks, through the API, for their own simple display name and
// to join a group; IT confirms; the commands reach the tenant and mail flow;
// every step is notified and audited. Escalation and acting for someone
// else are refused.
func TestSelfServiceThroughAPI(t *testing.T) {
	w := newVWorld(t, fake.TenantConfig{})
	office := mailops.Address("office@depta.example.ac.jp")
	w.run(t, func(ctx context.Context) error {
		// The address to join exists.
		if err := w.driver.CreateGroup(ctx, mailops.Group{PrimaryAddress: office, Name: string(office),
			Members: []mailops.Address{"u1@example.ac.jp"}, Owners: []mailops.Address{"admins@depta.example.ac.jp"}}); err != nil {
			return err
		}
		finish := func(id string) error {
			var v RequestView
			if code := w.call("emp", "POST", "/v1/requests/"+id+"/approve", nil, nil, "Idempotency-Key", "self-"+id); code != 403 {
				return fmt.Errorf("self-approval: %d, want 403", code)
			}
			if code := w.call("itall", "POST", "/v1/requests/"+id+"/approve", nil, &v, "Idempotency-Key", "ap-"+id); code != 202 || v.Status != Queued {
				return fmt.Errorf("IT approves %s: %d %s", id, code, v.Status)
			}
			if _, err := w.applier.Sweep(ctx); err != nil {
				return err
			}
			if code := w.call("emp", "GET", "/v1/requests/"+id, nil, &v); code != 200 || v.Status != Done {
				return fmt.Errorf("request %s after the sweep: %d %s (%s)", id, code, v.Status, v.Reason)
			}
			return nil
		}
		var v RequestView
		if code := w.call("emp", "PUT", "/v1/me/display-name", map[string]string{"simpleDisplayName": "Hanako Yamada"}, &v, "Idempotency-Key", "n1"); code != 202 {
			return fmt.Errorf("display name: %d", code)
		}
		if v.Kind != SetDisplayName || v.Status != AwaitingApproval || v.Address != employee.Email || v.PowerShell == "" {
			return fmt.Errorf("display name request: %+v", v)
		}
		if err := finish(v.ID); err != nil {
			return err
		}
		var dn DisplayNameView
		if code := w.call("emp", "GET", "/v1/me/display-name", nil, &dn); code != 200 || dn.SimpleDisplayName != "Hanako Yamada" {
			return fmt.Errorf("my display name: %d %+v", code, dn)
		}
		if code := w.call("emp", "PUT", "/v1/me/display-name", map[string]string{"simpleDisplayName": "山田"}, nil, "Idempotency-Key", "n2"); code != 422 && code != 400 {
			return fmt.Errorf("a name outside the simple set: %d, want 400 or 422", code)
		}
		if code := w.call("emp", "POST", "/v1/groups/"+string(office)+"/membership-requests", map[string]string{"action": "join"}, &v, "Idempotency-Key", "j1"); code != 202 {
			return fmt.Errorf("join: %d", code)
		}
		if v.Kind != JoinGroup || v.Member != employee.Email || !slices.Contains(v.Targets, employee.Email) {
			return fmt.Errorf("join request: %+v", v)
		}
		if err := finish(v.ID); err != nil {
			return err
		}
		g, err := w.client.GetGroup(ctx, office)
		if err != nil || !slices.Contains(g.Members, employee.Email) || !slices.Contains(g.Members, "u1@example.ac.jp") {
			return fmt.Errorf("office after the join: %+v %v", g, err)
		}
		if code := w.call("emp", "POST", "/v1/groups/admins@depta.example.ac.jp/membership-requests", map[string]string{"action": "join"}, nil, "Idempotency-Key", "j2"); code != 403 {
			return fmt.Errorf("joining the admin group: %d, want 403", code)
		}
		if code := w.call("alice", "GET", "/v1/requests/"+v.ID, nil, nil); code != 200 {
			return fmt.Errorf("the domain's admin reads the join: %d", code)
		}
		var notes []string
		for _, n := range w.notes {
			if n.Kind.SelfService() {
				notes = append(notes, string(n.Kind)+" "+string(n.State))
			}
		}
		want := []string{"set_display_name awaiting_approval", "set_display_name done", "join_group awaiting_approval", "join_group done"}
		if !slices.Equal(notes, want) {
			return fmt.Errorf("notifications %v, want %v", notes, want)
		}
		return nil
	})
}
