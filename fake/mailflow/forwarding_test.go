package mailflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// fwdWorld is exoWorld with a second mailbox, hanako, and a mail contact for
// taro's home address.
func fwdWorld(t *testing.T) (w *mailflow.World, taro, hanako, home mailops.Address) {
	w, taro = exoWorld(t, mailflow.Config{Seed: 1})
	hanako, home = "hanako@"+hwOrg, "taro.home@gmail.example"
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: hanako, Kind: mailops.Mailbox, DisplayName: "Hanako"}); err != nil {
			return err
		}
		return c.CreateRecipient(ctx, mailops.Recipient{Address: home, Kind: mailops.MailContact, DisplayName: "Taro (home)"})
	})
	return w, taro, hanako, home
}

func setAutoForwarding(t *testing.T, w *mailflow.World, mode mailops.AutoForwardingMode) {
	t.Helper()
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		return c.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mode})
	})
}

func sendOne(t *testing.T, w *mailflow.World, to mailops.Address) (got, bad []mailflow.Event) {
	t.Helper()
	m := w.SendFromInternet("x@gmail.example", "X", to)
	mustRun(t, w, time.Hour)
	return outcome(w, m)
}

func TestForwardingAddressWinsOverForwardingSmtpAddress(t *testing.T) {
	w, taro, hanako, _ := fwdWorld(t)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		return c.SetForwarding(ctx, taro, mailops.Forwarding{Address: hanako, SmtpAddress: "elsewhere@gmail.example"})
	})
	got, bad := sendOne(t, w, taro)
	assert.Empty(t, bad, "forwarding to a mailbox of the tenant is internal: no 5.7.520 under Automatic")
	assert.Equal(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", hanako)}, mailboxes(got), "ForwardingSmtpAddress is ignored")
}

func TestExternalForwardingIsDecidedByTheOutboundSpamPolicy(t *testing.T) {
	for _, c := range []struct {
		mode    mailops.AutoForwardingMode
		allowed bool
	}{{mailops.AutoForwardAutomatic, false}, {mailops.AutoForwardOff, false}, {mailops.AutoForwardOn, true}} {
		for _, how := range []string{"ForwardingSmtpAddress", "ForwardingAddress to a mail contact"} {
			t.Run(string(c.mode)+"/"+how, func(t *testing.T) {
				w, taro, _, home := fwdWorld(t)
				setAutoForwarding(t, w, c.mode)
				f := mailops.ForwardTo(home, false)
				if how != "ForwardingSmtpAddress" {
					f = mailops.Forwarding{Address: home}
				}
				admin(t, w, w.Tenant(), func(ctx context.Context, cl *mailops.Client) error { return cl.SetForwarding(ctx, taro, f) })
				got, bad := sendOne(t, w, taro)
				if c.allowed {
					assert.Empty(t, bad)
					assert.Equal(t, []mailflow.Mailbox{mailflow.InternetMailbox(home)}, mailboxes(got))
					return
				}
				assert.Empty(t, got)
				require.Len(t, bad, 1)
				assert.Equal(t, mailflow.ReplyExternalForward, bad[0].Reply)
			})
		}
	}
}

// A remote domain's AutoForwardEnabled=false does not touch forwarding an
// admin set (only users' own Inbox-rule forwarding, silently): no NDR.
func TestRemoteDomainDoesNotBlockAdminForwarding(t *testing.T) {
	w, taro, _, home := fwdWorld(t)
	setAutoForwarding(t, w, mailops.AutoForwardOn)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := c.CreateRemoteDomain(ctx, mailops.RemoteDomain{Name: "Home", DomainName: "gmail.example", AutoForwardEnabled: mailops.BoolPtr(false)}); err != nil {
			return err
		}
		return c.SetForwarding(ctx, taro, mailops.ForwardTo(home, true))
	})
	got, bad := sendOne(t, w, taro)
	assert.Empty(t, bad, "a remote domain never produces an NDR")
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", taro), mailflow.InternetMailbox(home)}, mailboxes(got))
}

// Mail users and mail contacts deliver to their external address; a group
// member that is a contact receives its copy outside the tenant, without any
// forwarding policy applying.
func TestMailUsersAndContactsReceiveOutsideTheTenant(t *testing.T) {
	w, taro, _, home := fwdWorld(t)
	ken, kenAway := mailops.Address("ken@"+hwOrg), mailops.Address("ken@partner-univ.example")
	w.AddInternetDomain("partner-univ.example")
	team := mailops.Address("team@" + hwOrg)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: ken, Kind: mailops.MailUser, DisplayName: "Ken", ExternalAddress: kenAway}); err != nil {
			return err
		}
		return c.CreateGroup(mailops.WithExternalMembers(ctx), mailops.Group{PrimaryAddress: team, Name: "Team", Members: []mailops.Address{taro, home, ken}, Owners: []mailops.Address{taro}})
	})
	got, bad := sendOne(t, w, ken)
	assert.Empty(t, bad)
	require.Equal(t, []mailflow.Mailbox{mailflow.InternetMailbox(kenAway)}, mailboxes(got))
	assert.Contains(t, got[0].Trail, "mailuser:"+string(ken))

	m := w.SendFromTenant(w.Tenant(), taro, "Taro", team)
	mustRun(t, w, time.Hour)
	got, bad = outcome(w, m)
	assert.Empty(t, bad, "group copies to contacts are not forwarding: no 5.7.520")
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", taro), mailflow.InternetMailbox(home), mailflow.InternetMailbox(kenAway)}, mailboxes(got))
	for _, e := range got {
		if e.Mailbox == mailflow.InternetMailbox(home) {
			assert.Contains(t, e.Trail, "mx.gmail.example", "the contact's copy leaves the tenant by MX")
		}
	}
}
