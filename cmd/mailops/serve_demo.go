package main

import (
	"context"
	"fmt"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// The demo university of `mailops serve` with no flags: two department
// domains with their admin groups and admins, an IT approver, a few people
// and one address per department.

// demoAudience is the delegated service's application (client) ID in the
// demo tenant: the aud of its v2.0 access tokens, and the web UI's client
// ID (one app registration exposes the API and signs users in).
const (
	demoAudience   = "6f1c2e4a-0b7d-4c3e-9a5f-2d8e1b0c7a11"
	demoAPIURI     = "api://mailops-delegate"
	demoSender     = mailops.Address("mailops@example.ac.jp")
	demoDeptA      = "depta.example.ac.jp"
	demoDeptB      = "deptb.example.ac.jp"
	demoCentral    = "example.ac.jp"
	demoITApprover = mailops.Address("it-desk@example.ac.jp")
)

// demoConfig is the delegated domains: department A auto-approves target
// changes that stay inside the university; department B sends everything
// to IT.
var demoConfig = delegate.Config{
	Domains: []delegate.DomainConfig{
		{Name: demoDeptA, AdminGroup: "admins@" + demoDeptA, AutoApproveInternal: true},
		{Name: demoDeptB, AdminGroup: "admins@" + demoDeptB},
	},
	Internal: []string{demoDeptA, demoDeptB, demoCentral},
}

// demoUser is a demo person who signs in.
type demoUser struct {
	user entra.User
	role string // for the printout
}

func demoUsers() []demoUser {
	roles := func(rs ...string) map[string][]string { return map[string][]string{demoAudience: rs} }
	return []demoUser{
		{entra.User{OID: "a11ce000-0000-4000-8000-000000000001", UPN: "tanaka@" + demoDeptA, Name: "Tanaka Aiko",
			Roles: roles(delegate.RoleAdminPrefix + demoDeptA)}, "admin of " + demoDeptA},
		{entra.User{OID: "b0b00000-0000-4000-8000-000000000002", UPN: "suzuki@" + demoDeptB, Name: "Suzuki Ken",
			Roles: roles(delegate.RoleAdminPrefix + demoDeptB)}, "admin of " + demoDeptB},
		{entra.User{OID: "17000000-0000-4000-8000-000000000003", UPN: string(demoITApprover), Name: "IT Desk",
			Roles: roles(delegate.RoleAdminPrefix+demoDeptA, delegate.RoleAdminPrefix+demoDeptB, delegate.RoleApprover)}, "IT approver of both domains"},
	}
}

// demoPeople are the mailboxes addresses can point at.
var demoPeople = []mailops.Address{"sato@" + demoCentral, "ito@" + demoCentral, "kato@" + demoCentral}

// seedDemo fills a fresh fake tenant: the domains verified and accepted,
// every person's and admin's mailbox, the admin groups and one address per
// department.
func seedDemo(ctx context.Context, cloud *fake.Cloud, d mailops.Driver) error {
	for _, dom := range demoConfig.Internal {
		got, err := d.AddDomain(ctx, dom)
		if err != nil {
			return fmt.Errorf("serve: demo domain %s: %w", dom, err)
		}
		for _, r := range got.VerificationRecords {
			if r.Type == "TXT" {
				cloud.PublishProof(dom, r.Value)
			}
		}
		if _, err := d.VerifyDomain(ctx, dom); err != nil {
			return fmt.Errorf("serve: demo domain %s: %w", dom, err)
		}
		if err := d.EnableEmail(ctx, dom); err != nil {
			return fmt.Errorf("serve: demo domain %s: %w", dom, err)
		}
	}
	mailboxes := append([]mailops.Address{}, demoPeople...)
	for _, u := range demoUsers() {
		mailboxes = append(mailboxes, mailops.Address(u.user.UPN))
	}
	for _, m := range mailboxes {
		if err := d.CreateRecipient(ctx, mailops.Recipient{Address: m, Kind: mailops.Mailbox, DisplayName: m.Local()}); err != nil {
			return fmt.Errorf("serve: demo mailbox %s: %w", m, err)
		}
	}
	admins := map[string]mailops.Address{demoDeptA: "tanaka@" + demoDeptA, demoDeptB: "suzuki@" + demoDeptB}
	for _, dc := range demoConfig.Domains {
		g := mailops.Group{PrimaryAddress: dc.AdminGroup, Type: mailops.Security, Name: string(dc.AdminGroup),
			Members: []mailops.Address{admins[dc.Name]}, Owners: []mailops.Address{admins[dc.Name]}}
		if err := d.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("serve: demo admin group %s: %w", dc.AdminGroup, err)
		}
	}
	for _, g := range []mailops.Group{
		{PrimaryAddress: "office@" + demoDeptA, Name: "office@" + demoDeptA, Members: []mailops.Address{admins[demoDeptA], demoPeople[0]},
			Owners: []mailops.Address{"admins@" + demoDeptA}},
		{PrimaryAddress: "info@" + demoDeptB, Name: "info@" + demoDeptB, Members: []mailops.Address{admins[demoDeptB], demoPeople[1]},
			Owners: []mailops.Address{"admins@" + demoDeptB}},
	} {
		if err := d.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("serve: demo address %s: %w", g.PrimaryAddress, err)
		}
	}
	return nil
}
