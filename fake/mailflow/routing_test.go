package mailflow_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// Unit tests of the hosts and of Exchange Online's routing, one behaviour
// each, in small worlds with an instant tenant.

func instantWorld(cfg mailflow.Config) *mailflow.World {
	cfg.Tenant, cfg.Partner, cfg.KeepEvents = fake.InstantTenantConfig(), fake.InstantTenantConfig(), true
	return mailflow.NewWorld(cfg)
}

// outcome returns the ledger's deliveries, bounces and loops for a message.
func outcome(w *mailflow.World, m *mailflow.Message) (deliveries, bounces []mailflow.Event) {
	for _, e := range w.Ledger().Events() {
		if e.Msg != m.ID {
			continue
		}
		switch e.Kind {
		case mailflow.EvDeliver:
			deliveries = append(deliveries, e)
		case mailflow.EvBounce, mailflow.EvLoop, mailflow.EvDrop:
			bounces = append(bounces, e)
		}
	}
	return deliveries, bounces
}

func mailboxes(es []mailflow.Event) []mailflow.Mailbox {
	var out []mailflow.Mailbox
	for _, e := range es {
		out = append(out, e.Mailbox)
	}
	return out
}

func mustRun(t *testing.T, w *mailflow.World, d time.Duration) {
	t.Helper()
	require.NoError(t, w.Scheduler().RunFor(d))
}

func admin(t *testing.T, w *mailflow.World, tn *fake.Tenant, fn func(ctx context.Context, c *mailops.Client) error) {
	t.Helper()
	require.NoError(t, runProc(w, "admin", func(ctx context.Context) error { return fn(ctx, hwClient(w, tn)) }))
}

func TestInternetSenderUsesPreferenceAndFallsBackToTheNextMX(t *testing.T) {
	w := instantWorld(mailflow.Config{Seed: 1})
	const d = "two.example"
	a := mailops.Address("alice@" + d)
	for _, h := range []string{"mx1." + d, "mx2." + d} {
		w.AddLegacy(h, time.Hour, d).AddMailbox(a)
	}
	w.DNS().SetMX(d, time.Hour, mailflow.MX{Host: "mx2." + d, Pref: 20}, mailflow.MX{Host: "mx1." + d, Pref: 10})
	m1 := w.SendFromInternet("x@outside.example", "X", a)
	mustRun(t, w, time.Hour)
	got, _ := outcome(w, m1)
	require.Len(t, got, 1)
	assert.Equal(t, []string{"mx1." + d}, got[0].Trail, "the lowest preference first")

	w.InjectSMTPFault(mailflow.SMTPFault{Host: "mx1." + d, Stage: mailflow.StageConnect, Reply: mailflow.Reply{Code: 421, Enhanced: "4.3.2", Text: "down"}})
	m2 := w.SendFromInternet("x@outside.example", "X", a)
	mustRun(t, w, time.Hour)
	got, _ = outcome(w, m2)
	require.Len(t, got, 1)
	assert.Equal(t, []string{"mx2." + d}, got[0].Trail, "a 4xx from the first MX falls back to the next")
	assert.Less(t, got[0].At.Sub(m2.Submitted), time.Minute, "in the same attempt")
}

func TestSenderQueuesAndRetriesWithBackoff(t *testing.T) {
	w := instantWorld(mailflow.Config{Seed: 1})
	const d = "slow.example"
	a := mailops.Address("bob@" + d)
	w.AddLegacy("mx."+d, time.Hour, d).AddMailbox(a)
	w.InjectSMTPFault(mailflow.SMTPFault{Host: "mx." + d, Stage: mailflow.StageRcpt, Rcpt: a, Count: 3})
	m := w.SendFromInternet("x@outside.example", "X", a)
	mustRun(t, w, 24*time.Hour)
	got, bad := outcome(w, m)
	require.Empty(t, bad)
	require.Len(t, got, 1)
	// Three deferrals: 5, 10 and 20 minutes of backoff.
	took := got[0].At.Sub(m.Submitted)
	assert.GreaterOrEqual(t, took, 35*time.Minute)
	assert.Less(t, took, 40*time.Minute)
	defers := 0
	for _, e := range w.Ledger().Events() {
		if e.Msg == m.ID && e.Kind == mailflow.EvDefer {
			defers++
			assert.Equal(t, 451, e.Reply.Code)
		}
	}
	assert.Equal(t, 3, defers, "every deferral is in the ledger")
}

func TestSenderGivesUpAtTheHorizonAndBounces(t *testing.T) {
	w := instantWorld(mailflow.Config{Seed: 1, GiveUp: 6 * time.Hour})
	const d = "dead.example"
	a := mailops.Address("carol@" + d)
	l := w.AddLegacy("mx."+d, time.Hour, d)
	l.AddMailbox(a)
	l.Stop()
	w.Expect().Address(a, "carol")
	w.Expect().Reads("carol", mailflow.LegacyMailbox(a), time.Time{}, time.Time{})
	m := w.SendFromInternet("x@outside.example", "X", a)
	mustRun(t, w, 24*time.Hour)
	_, bad := outcome(w, m)
	require.Len(t, bad, 1)
	assert.Equal(t, "4.4.7", bad[0].Reply.Enhanced, "message expired")
	assert.LessOrEqual(t, bad[0].At.Sub(m.Submitted), 6*time.Hour)
	rep := w.Check()
	assert.Equal(t, 1, rep.Bounced)
	assert.Contains(t, rep.Violations[0].Cause, "4.4.7")
}

func TestLegacyServerAliasesForwardingAndUnknownUsers(t *testing.T) {
	w := instantWorld(mailflow.Config{Seed: 1})
	const d = "legacy.example"
	l := w.AddLegacy("mx."+d, time.Hour, d)
	w.AddInternetDomain("gmail.example")
	alice, bob, carol := mailops.Address("alice@"+d), mailops.Address("bob@"+d), mailops.Address("carol@gmail.example")
	team, fwd, keep := mailops.Address("team@"+d), mailops.Address("old@"+d), mailops.Address("kept@"+d)
	l.AddMailbox(alice)
	l.AddMailbox(bob)
	l.SetAlias(team, alice, bob, carol)
	l.AddMailbox(fwd)
	l.SetForward(fwd, carol, false)
	l.AddMailbox(keep)
	l.SetForward(keep, bob, true)

	mTeam := w.SendFromInternet("x@outside.example", "X", team)
	mFwd := w.SendFromInternet("x@outside.example", "X", fwd)
	mKeep := w.SendFromInternet("x@outside.example", "X", keep)
	mNone := w.SendFromInternet("x@outside.example", "X", "nobody@"+d)
	mustRun(t, w, 2*time.Hour)

	got, _ := outcome(w, mTeam)
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.LegacyMailbox(alice), mailflow.LegacyMailbox(bob), mailflow.InternetMailbox(carol)}, mailboxes(got),
		"an alias expands to several addresses, local and remote")
	got, _ = outcome(w, mFwd)
	assert.Equal(t, []mailflow.Mailbox{mailflow.InternetMailbox(carol)}, mailboxes(got), "forwarding without a copy")
	got, _ = outcome(w, mKeep)
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.LegacyMailbox(keep), mailflow.LegacyMailbox(bob)}, mailboxes(got), "forwarding with a kept copy")
	_, bad := outcome(w, mNone)
	require.Len(t, bad, 1)
	assert.Equal(t, "5.1.1", bad[0].Reply.Enhanced)
	assert.Equal(t, 550, bad[0].Reply.Code)
	rep := w.Check()
	assert.Equal(t, 1, rep.ExpectedBounces, "an undeclared address is expected to bounce")
}

// exoWorld is our tenant with an Authoritative org domain and one mailbox
// (whose simple display name is set), the org's MX at Exchange Online, and
// an internet domain.
func exoWorld(t *testing.T, cfg mailflow.Config) (*mailflow.World, mailops.Address) {
	w := instantWorld(cfg)
	w.AddInternetDomain("gmail.example")
	taro := mailops.Address("taro@" + hwOrg)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		return hwProvision(ctx, w, c, hwOrg, []mailops.Address{taro})
	})
	require.NoError(t, w.PointMXAtEXO(hwOrg, time.Hour))
	return w, taro
}

func TestEXOEdgeBlocksUnknownRecipientsOfAnAuthoritativeDomain(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 1})
	ext := w.SendFromInternet("x@gmail.example", "X", "ghost@"+hwOrg)
	in := w.SendFromTenant(w.Tenant(), taro, "Taro", "ghost@"+hwOrg)
	ok := w.SendFromInternet("x@gmail.example", "X", taro)
	mustRun(t, w, time.Hour)
	_, bad := outcome(w, ext)
	require.Len(t, bad, 1)
	assert.Equal(t, mailflow.ReplyDBEB, bad[0].Reply, "edge blocking: 550 5.4.1 at RCPT")
	_, bad = outcome(w, in)
	require.Len(t, bad, 1)
	assert.Equal(t, "5.1.10", bad[0].Reply.Enhanced, "transport resolution for internal senders")
	got, _ := outcome(w, ok)
	assert.Equal(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", taro)}, mailboxes(got))
}

func TestInternalRelayPicksTheMostSpecificConnector(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 1})
	const d = "dept.uni.example"
	for _, h := range []string{"exact.example", "all.example"} {
		w.AddLegacy("mx."+h, time.Hour, d, "x."+hwOrg).AddMailbox("ann@" + d)
	}
	w.AddLegacy("mx.sub", time.Hour, "sub."+hwPartner).AddMailbox("ken@sub." + hwPartner)
	conns := []mailops.OutboundConnector{
		{Name: "all", Type: mailops.OnPremises, AllAcceptedDomains: true, SmartHosts: []string{"mx.all.example"}, Enabled: true},
		{Name: "exact", Type: mailops.OnPremises, RecipientDomains: []string{d}, SmartHosts: []string{"mx.exact.example"}, Enabled: true},
		{Name: "wild", Type: mailops.Partner, RecipientDomains: []string{"*." + hwPartner}, SmartHosts: []string{"mx.sub"}, Enabled: true},
	}
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := hwProvision(ctx, w, c, d, nil); err != nil {
			return err
		}
		if err := c.SetDomainType(ctx, d, mailops.InternalRelay); err != nil {
			return err
		}
		for _, conn := range conns {
			if err := c.CreateOutboundConnector(ctx, conn); err != nil {
				return err
			}
		}
		return nil
	})
	route := func(to mailops.Address) []string {
		m := w.SendFromTenant(w.Tenant(), taro, "Taro", to)
		mustRun(t, w, time.Hour)
		got, bad := outcome(w, m)
		require.Empty(t, bad)
		require.Len(t, got, 1)
		return got[0].Trail
	}
	assert.Contains(t, route("ann@"+d), "connector:exact", "exact domain first")
	assert.Contains(t, route("ken@sub."+hwPartner), "connector:wild", "a wildcard for a domain outside the tenant")
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error { return c.DeleteOutboundConnector(ctx, "exact") })
	trail := route("ann@" + d)
	assert.Contains(t, trail, "connector:all", "then the all-accepted-domains connector")
	assert.Contains(t, trail, "mx.all.example")
}

func TestEXOForwardingSimpleDisplayNamesAndCrossTenantDelivery(t *testing.T) {
	t.Run("external forwarding is blocked by the outbound spam policy, not by remote domains", func(t *testing.T) {
		w, taro := exoWorld(t, mailflow.Config{Seed: 1})
		admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
			return c.SetForwarding(ctx, taro, mailops.ForwardTo("taro.home@gmail.example", false))
		})
		m := w.SendFromInternet("x@gmail.example", "X", taro)
		mustRun(t, w, time.Hour)
		_, bad := outcome(w, m)
		require.Len(t, bad, 1)
		assert.Equal(t, mailflow.ReplyExternalForward, bad[0].Reply, "AutoForwardingMode Automatic means Off: 5.7.520")
		admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
			return c.CreateRemoteDomain(ctx, mailops.RemoteDomain{Name: "Home", DomainName: "gmail.example", AutoForwardEnabled: mailops.BoolPtr(true)})
		})
		m = w.SendFromInternet("x@gmail.example", "X", taro)
		mustRun(t, w, time.Hour)
		_, bad = outcome(w, m)
		require.Len(t, bad, 1, "a remote domain does not govern forwarding an admin set")
		assert.Equal(t, mailflow.ReplyExternalForward, bad[0].Reply)
		admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
			return c.SetOutboundSpamPolicy(ctx, mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn})
		})
		m = w.SendFromInternet("x@gmail.example", "X", taro)
		mustRun(t, w, time.Hour)
		got, _ := outcome(w, m)
		assert.Equal(t, []mailflow.Mailbox{mailflow.InternetMailbox("taro.home@gmail.example")}, mailboxes(got))
	})
	t.Run("remote domains with UseSimpleDisplayName see the simple display name or the bare address", func(t *testing.T) {
		w, taro := exoWorld(t, mailflow.Config{Seed: 1})
		hanako := mailops.Address("hanako@" + hwOrg)
		admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
			if err := c.CreateRecipient(ctx, mailops.Recipient{Address: hanako, Kind: mailops.Mailbox, DisplayName: "山田 花子"}); err != nil {
				return err
			}
			return c.SetRemoteDomain(ctx, mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*", UseSimpleDisplayName: true})
		})
		m1 := w.SendFromTenant(w.Tenant(), taro, "山田 太郎", "x@gmail.example")
		m2 := w.SendFromTenant(w.Tenant(), hanako, "山田 花子", "x@gmail.example")
		m3 := w.SendFromTenant(w.Tenant(), hanako, "山田 花子", taro)
		mustRun(t, w, time.Hour)
		got, _ := outcome(w, m1)
		require.Len(t, got, 1)
		assert.Equal(t, "User taro", got[0].FromDisplay)
		got, _ = outcome(w, m2)
		require.Len(t, got, 1)
		assert.Equal(t, string(hanako), got[0].FromDisplay, "no simple display name: the bare address")
		got, _ = outcome(w, m3)
		require.Len(t, got, 1)
		assert.Equal(t, "山田 花子", got[0].FromDisplay, "inside the tenant nothing is rewritten")
	})
	for _, c := range []struct {
		name   string
		cfg    mailflow.Config
		inside bool
	}{
		{"by MX", mailflow.Config{Seed: 1}, false},
		{"verified domain resolved to its tenant, ignoring MX", mailflow.Config{Seed: 1, EXOIgnoresMX: true}, true},
	} {
		t.Run("partner to a domain verified in our tenant whose MX is the legacy server: "+c.name, func(t *testing.T) {
			w, _ := exoWorld(t, c.cfg)
			const d = "maker.example"
			u := mailops.Address("u@" + d)
			w.AddLegacy("mail."+d, time.Hour, d).AddMailbox(u)
			sato := mailops.Address("sato@" + hwPartner)
			admin(t, w, w.Partner(), func(ctx context.Context, cl *mailops.Client) error {
				return hwProvision(ctx, w, cl, hwPartner, []mailops.Address{sato})
			})
			require.NoError(t, w.PointMXAtEXO(hwPartner, time.Hour))
			admin(t, w, w.Tenant(), func(ctx context.Context, cl *mailops.Client) error {
				return hwProvision(ctx, w, cl, d, []mailops.Address{u})
			})
			m := w.SendFromTenant(w.Partner(), sato, "Sato", u)
			mustRun(t, w, time.Hour)
			got, _ := outcome(w, m)
			require.Len(t, got, 1)
			want := mailflow.LegacyMailbox(u)
			if c.inside {
				want = mailflow.EXOMailbox("ours", u)
			}
			assert.Equal(t, want, got[0].Mailbox)
		})
	}
}

func TestGroupsRejectUnauthenticatedSendersWhenTheyRequireAuthentication(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 1})
	staff := mailops.Address("staff@" + hwOrg)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		return c.CreateGroup(ctx, mailops.Group{PrimaryAddress: staff, Name: "Staff", Members: []mailops.Address{taro},
			Owners: []mailops.Address{taro}, RequireSenderAuthentication: true})
	})
	ext := w.SendFromInternet("x@gmail.example", "X", staff)
	in := w.SendFromTenant(w.Tenant(), taro, "Taro", staff)
	mustRun(t, w, time.Hour)
	_, bad := outcome(w, ext)
	require.Len(t, bad, 1)
	assert.Equal(t, mailflow.ReplyGroupAuth, bad[0].Reply)
	got, _ := outcome(w, in)
	assert.Equal(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", taro)}, mailboxes(got))
}

func TestListServerBehindAConnectorAcceptsOnlyExchangeOnline(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 1})
	ls := w.AddListServer("mx."+hwLists, time.Hour, true, hwLists)
	list := mailops.Address("seminar@" + hwLists)
	ls.SetList(list, taro, "x@gmail.example")
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		return c.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "lists", Type: mailops.Partner,
			RecipientDomains: []string{hwLists}, SmartHosts: []string{"mx." + hwLists}, Enabled: true})
	})
	direct := w.SendFromInternet("spam@gmail.example", "Spam", list)
	viaEXO := w.SendFromTenant(w.Tenant(), taro, "Taro", list)
	mustRun(t, w, time.Hour)
	_, bad := outcome(w, direct)
	require.Len(t, bad, 1)
	assert.Equal(t, mailflow.ReplyListOnlyEXO, bad[0].Reply)
	got, _ := outcome(w, viaEXO)
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.EXOMailbox("ours", taro), mailflow.InternetMailbox("x@gmail.example")}, mailboxes(got))
	for _, e := range got {
		assert.Contains(t, e.Trail, "list:"+string(list))
	}
}

func TestSessionsInProcess(t *testing.T) {
	w := instantWorld(mailflow.Config{Seed: 1})
	const d = "legacy.example"
	l := w.AddLegacy("mx."+d, time.Hour, d)
	alice := mailops.Address("alice@" + d)
	l.AddMailbox(alice)
	s, r := w.Open("mx."+d, mailflow.ClientInfo{}, mailflow.SessionLimits{MaxRecipients: 1, MaxMessageBytes: 200})
	require.True(t, r.Positive(), r.String())
	assert.Equal(t, mailflow.ReplyBadSequence, s.Rcpt(string(alice)), "RCPT before MAIL")
	assert.Equal(t, mailflow.ReplyBadAddress, s.Mail("not an address"))
	require.Equal(t, mailflow.OK, s.Mail("x@outside.example"))
	assert.Equal(t, mailflow.ReplyUnknownUser, s.Rcpt("nobody@"+d))
	assert.Equal(t, mailflow.ReplyUnableToRelay, s.Rcpt("someone@elsewhere.example"), "never an open relay")
	require.Equal(t, mailflow.OK, s.Rcpt(string(alice)))
	assert.Equal(t, mailflow.ReplyTooManyRcpts, s.Rcpt(string(alice)))
	assert.Equal(t, mailflow.ReplyTooBig, s.Data([]byte(strings.Repeat("x", 300))))
	require.Equal(t, mailflow.OK, s.Mail("x@outside.example"))
	require.Equal(t, mailflow.OK, s.Rcpt(string(alice)))
	r = s.Data([]byte("From: \"Ex Ample\" <x@outside.example>\r\nMessage-ID: <a@b>\r\n\r\nhi\r\n"))
	assert.True(t, r.Positive(), r.String())
	s.Close()
	assert.Equal(t, mailflow.ReplyBadSequence, s.Mail("x@outside.example"), "closed")
	mustRun(t, w, time.Hour)
	var got []mailflow.Event
	for _, e := range w.Ledger().Events() {
		if e.Kind == mailflow.EvDeliver {
			got = append(got, e)
		}
	}
	require.Len(t, got, 1)
	assert.Equal(t, "Ex Ample", got[0].FromDisplay)
	assert.True(t, slices.Equal([]string{"mx." + d}, got[0].Trail))

	_, r = w.Open("no.such.host", mailflow.ClientInfo{}, mailflow.SessionLimits{})
	assert.Equal(t, mailflow.ReplyNoHost, r)
	l.Stop()
	_, r = w.Open("mx."+d, mailflow.ClientInfo{}, mailflow.SessionLimits{})
	assert.Equal(t, 421, r.Code, "a stopped server refuses connections")
}

func TestLedgerRecordsEveryStageOfACopy(t *testing.T) {
	w := instantWorld(mailflow.Config{Seed: 1})
	const d = "legacy.example"
	l := w.AddLegacy("mx."+d, time.Hour, d)
	w.AddInternetDomain("gmail.example")
	fwd := mailops.Address("old@" + d)
	l.AddMailbox(fwd)
	l.SetForward(fwd, "new@gmail.example", false)
	w.InjectSMTPFault(mailflow.SMTPFault{Host: "mx.gmail.example", Stage: mailflow.StageRcpt, Count: 1})
	m := w.SendFromInternet("x@outside.example", "X", fwd)
	mustRun(t, w, 2*time.Hour)
	var kinds []string
	for _, e := range w.Ledger().Events() {
		if e.Msg == m.ID {
			kinds = append(kinds, string(e.Kind)+"@"+e.Host)
			assert.False(t, e.At.Before(m.Submitted))
		}
	}
	assert.Equal(t, []string{"submit@internet", "hop@mx." + d, "defer@mx." + d, "hop@mx.gmail.example", "deliver@"}, kinds,
		"submission, each hop, the deferral by the forward's next hop, and the delivery, in order")
	var deliver mailflow.Event
	for _, e := range w.Ledger().Events() {
		if e.Msg == m.ID && e.Kind == mailflow.EvDeliver {
			deliver = e
		}
	}
	assert.Equal(t, []string{"mx." + d, "forward:" + string(fwd), "mx.gmail.example"}, deliver.Trail, "the delivery carries its hop trail")
}

func TestClientSubmissionToExchangeOnline(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 1})
	hanako, staff := mailops.Address("hanako@"+hwOrg), mailops.Address("staff@"+hwOrg)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := c.CreateRecipient(ctx, mailops.Recipient{Address: hanako, Kind: mailops.Mailbox, DisplayName: "Hanako"}); err != nil {
			return err
		}
		return c.CreateGroup(ctx, mailops.Group{PrimaryAddress: staff, Name: "Staff", Members: []mailops.Address{hanako},
			Owners: []mailops.Address{taro}, SendAs: []mailops.Address{taro}, RequireSenderAuthentication: true})
	})
	const submit = "smtp.office365.com"
	anon, r := w.Open(submit, mailflow.ClientInfo{Port: 587}, mailflow.SessionLimits{})
	require.True(t, r.Positive())
	require.True(t, anon.Mail("x@gmail.example").Positive())
	assert.Equal(t, mailflow.ReplyRelayDenied, anon.Rcpt("y@gmail.example"), "without AUTH, Exchange Online is no relay")

	s, r := w.Open(submit, mailflow.ClientInfo{Port: 587}, mailflow.SessionLimits{})
	require.True(t, r.Positive())
	assert.Equal(t, mailflow.ReplyAuthFailed, s.Authenticate("ghost@"+hwOrg))
	require.Equal(t, 235, s.Authenticate(string(taro)).Code)
	assert.Equal(t, mailflow.ReplySendAsDenied, s.Mail(string(hanako)), "not taro's address")
	require.Equal(t, mailflow.OK, s.Mail(string(staff)), "SendAs on the group")
	require.Equal(t, mailflow.OK, s.Rcpt("y@gmail.example"))
	require.Equal(t, mailflow.OK, s.Rcpt(string(staff)))
	require.True(t, s.Data([]byte("From: Staff <"+string(staff)+">\r\nSubject: s\r\n\r\nx\r\n")).Positive())
	mustRun(t, w, time.Hour)
	var got []mailflow.Mailbox
	for _, e := range w.Ledger().Events() {
		if e.Kind == mailflow.EvDeliver {
			got = append(got, e.Mailbox)
			assert.Contains(t, e.Trail, "exo:ours")
		}
	}
	assert.ElementsMatch(t, []mailflow.Mailbox{mailflow.InternetMailbox("y@gmail.example"), mailflow.EXOMailbox("ours", hanako)}, got,
		"submitted inside the tenant: out to the internet, and to a group that accepts only authenticated senders")
}

func TestAuthRelayQueuesUntilItsAccountCanAuthenticate(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 1, GiveUp: 12 * time.Hour})
	const relayHost = "relay." + hwOrg
	account := mailops.Address("relay@" + hwOrg)
	w.AddAuthRelay(relayHost, account, netip.MustParsePrefix("10.0.0.0/8"))
	queued := w.SendFromDevice(relayHost, netip.MustParseAddr("10.1.2.3"), "nas@"+hwOrg, taro)
	outsider := w.SendFromDevice(relayHost, netip.MustParseAddr("192.0.2.9"), "evil@"+hwOrg, taro)
	mustRun(t, w, 2*time.Hour)
	got, _ := outcome(w, queued)
	require.Empty(t, got, "no account yet: the relay cannot authenticate")
	defers := 0
	for _, e := range w.Ledger().Events() {
		if e.Msg == queued.ID && e.Kind == mailflow.EvDefer {
			defers++
			assert.Equal(t, mailflow.ReplyAuthFailed, e.Reply)
			assert.Equal(t, relayHost, e.Host)
		}
	}
	assert.Positive(t, defers, "authentication failures are deferrals, as Postfix does by default")
	_, bad := outcome(w, outsider)
	require.Len(t, bad, 1)
	assert.Equal(t, "5.7.1", bad[0].Reply.Enhanced, "never an open relay")

	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		return c.CreateRecipient(ctx, mailops.Recipient{Address: account, Kind: mailops.Mailbox, DisplayName: "Device relay"})
	})
	mustRun(t, w, 4*time.Hour)
	got, _ = outcome(w, queued)
	require.Len(t, got, 1, "delivered on a retry once the account exists")
	assert.Equal(t, mailflow.EXOMailbox("ours", taro), got[0].Mailbox)
	assert.Contains(t, got[0].Trail, "relay:"+relayHost)

	never := mailflow.NewWorld(mailflow.Config{Seed: 2, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig(), GiveUp: 6 * time.Hour, KeepEvents: true})
	never.AddAuthRelay(relayHost, account, netip.MustParsePrefix("10.0.0.0/8"))
	never.AddInternetDomain("gmail.example")
	m := never.SendFromDevice(relayHost, netip.MustParseAddr("10.1.2.3"), "nas@"+hwOrg, "x@gmail.example")
	mustRun(t, never, 24*time.Hour)
	_, bad = outcome(never, m)
	require.Len(t, bad, 1)
	assert.Equal(t, mailflow.ReplyExpired, bad[0].Reply, "bounced at the horizon")
}
