package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

var bg = context.Background()

// world is a cloud with one tenant in virtual time.
type world struct {
	s     *sim.Scheduler
	cloud *fake.Cloud
	t     *fake.Tenant
	d     mailops.Driver
}

func newWorld(t testing.TB, cfg fake.TenantConfig) *world {
	t.Helper()
	s := sim.New(7)
	t.Cleanup(s.Close)
	c := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	tn := c.NewTenant("contoso", cfg)
	return &world{s: s, cloud: c, t: tn, d: tn.Driver("admin")}
}

// verified adds and verifies a domain, enables Email on it and waits
// (virtual time, only as long as the tenant's Propagation.AcceptedDomain
// needs) until admin reads show it an accepted domain.
func (w *world) verified(t *testing.T, name string) {
	t.Helper()
	dom, err := w.d.AddDomain(bg, name)
	require.NoError(t, err)
	if !dom.Verified {
		w.cloud.PublishProof(name, dom.VerificationRecords[0].Value)
		_, err = w.d.VerifyDomain(bg, name)
		require.NoError(t, err)
	}
	w.enableEmail(t, name)
}

// enableEmail enables Email on a verified domain and advances virtual time
// a minute at a time until admin reads show it an accepted domain.
func (w *world) enableEmail(t *testing.T, name string) {
	t.Helper()
	require.NoError(t, w.d.EnableEmail(bg, name))
	for i := 0; ; i++ {
		got, err := w.d.GetDomain(bg, name)
		if err == nil && got.Accepted() {
			return
		}
		require.Less(t, i, 120, "domain %s is not an accepted domain two hours after EnableEmail (last read %+v, %v)", name, got, err)
		require.NoError(t, w.s.RunFor(time.Minute))
	}
}

func (w *world) mailbox(t *testing.T, a mailops.Address) {
	t.Helper()
	require.NoError(t, w.d.CreateRecipient(bg, mailops.Recipient{Address: a, Kind: mailops.Mailbox, DisplayName: a.Local()}))
}

func TestDomainLifecycle(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	dom, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.False(t, dom.Verified)
	assert.Equal(t, mailops.DomainType(""), dom.Type, "a new domain is not an accepted domain until Email is enabled")
	require.Len(t, dom.VerificationRecords, 2)
	assert.Regexp(t, `^MS=ms\d{8}$`, dom.VerificationRecords[0].Value)
	assert.Equal(t, "contoso-com.mail.protection.outlook.com", dom.ServiceRecords[0].Value)

	_, err = w.d.AddDomain(bg, "contoso.com")
	assert.ErrorIs(t, err, mailops.ErrExists)
	_, err = w.d.VerifyDomain(bg, "contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotVerified, "no proof published")
	assert.ErrorIs(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay), mailops.ErrNotVerified)

	w.cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	dom, err = w.d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.True(t, dom.Verified)
	owner, ok := w.cloud.TenantForDomain("contoso.com")
	require.True(t, ok)
	assert.Equal(t, "contoso", owner.Name())

	sub, err := w.d.AddDomain(bg, "sales.contoso.com")
	require.NoError(t, err)
	assert.True(t, sub.Verified, "a subdomain of a verified domain needs no proof")
	assert.ErrorIs(t, w.d.SetDomainType(bg, "sales.contoso.com", mailops.InternalRelay), mailops.ErrNotFound, "not an accepted domain before EnableEmail")
	w.enableEmail(t, "sales.contoso.com")

	require.NoError(t, w.d.SetDomainType(bg, "sales.contoso.com", mailops.InternalRelay))
	got, err := w.d.GetDomain(bg, "sales.contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.InternalRelay, got.Type)
	assert.ErrorIs(t, w.d.SetDomainType(bg, "sales.contoso.com", "ExternalRelay"), mailops.ErrInvalid)

	w.mailbox(t, "a@sales.contoso.com")
	assert.ErrorIs(t, w.d.RemoveDomain(bg, "sales.contoso.com"), mailops.ErrForbidden, "in use")
	_, err = w.d.GetDomain(bg, "nope.example")
	assert.ErrorIs(t, err, mailops.ErrNotFound)
	list, err := w.d.ListDomains(bg)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "contoso.com", list[0].Name, "sorted")
}

func TestDomainTakeoverAcrossTenants(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	other := w.cloud.NewTenant("fabrikam", fake.InstantTenantConfig()).Driver("admin")
	w.cloud.HoldUnmanaged("deptb.example.org")
	dom, err := w.d.AddDomain(bg, "deptb.example.org")
	require.NoError(t, err, "a domain an unmanaged tenant holds can be added, to be taken over")
	assert.False(t, dom.Verified)
	held, err := w.t.HeldElsewhere(bg, "deptb.example.org")
	require.NoError(t, err)
	assert.True(t, held)
	w.cloud.PublishProof("deptb.example.org", dom.VerificationRecords[0].Value)
	_, err = w.d.VerifyDomain(bg, "deptb.example.org")
	require.ErrorIs(t, err, mailops.ErrDomainTaken, "a plain verification does not take it from the unmanaged tenant")

	w.cloud.ReleaseUnmanaged("deptb.example.org")
	_, err = w.d.VerifyDomain(bg, "deptb.example.org")
	require.ErrorIs(t, err, mailops.ErrDomainTaken, "within an hour of the release")
	require.NoError(t, w.s.RunFor(61*time.Minute))
	_, err = w.d.VerifyDomain(bg, "deptb.example.org")
	require.NoError(t, err)

	_, err = other.AddDomain(bg, "deptb.example.org")
	assert.ErrorIs(t, err, mailops.ErrDomainTaken, "verified in our tenant now")
}

func TestGroupsAreAtomic(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	w.mailbox(t, "alice@contoso.com")
	w.mailbox(t, "owner@contoso.com")
	g := mailops.Group{PrimaryAddress: "sales@contoso.com", Name: "Sales", Members: []mailops.Address{"alice@contoso.com", "ghost@contoso.com"},
		Owners: []mailops.Address{"owner@contoso.com"}, RequireSenderAuthentication: true}
	err := w.d.CreateGroup(bg, g)
	require.ErrorIs(t, err, mailops.ErrNotFound)
	assert.Contains(t, err.Error(), "ghost@contoso.com")
	_, err = w.d.GetGroup(bg, "sales@contoso.com")
	assert.ErrorIs(t, err, mailops.ErrNotFound, "nothing was created")

	g.Members = []mailops.Address{"alice@contoso.com"}
	require.NoError(t, w.d.CreateGroup(bg, g))
	g2 := g
	g2.PrimaryAddress = "sales2@contoso.com"
	assert.ErrorIs(t, w.d.CreateGroup(bg, g2), mailops.ErrExists, "names are unique")
	bad := g
	bad.PrimaryAddress, bad.Name, bad.Owners = "x@contoso.com", "X", nil
	assert.ErrorIs(t, w.d.CreateGroup(bg, bad), mailops.ErrInvalid, "a driver never stores an invalid object")

	got, err := w.d.GetGroup(bg, "sales@contoso.com")
	require.NoError(t, err)
	got.Members[0] = "mutated@contoso.com"
	again, err := w.d.GetGroup(bg, "sales@contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.Address("alice@contoso.com"), again.Members[0], "returned objects are copies")

	require.NoError(t, w.d.GrantSendAs(bg, "sales@contoso.com", "alice@contoso.com"))
	require.NoError(t, w.d.GrantSendAs(bg, "sales@contoso.com", "alice@contoso.com"))
	again, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Equal(t, []mailops.Address{"alice@contoso.com"}, again.SendAs, "granting twice is one grant")
	assert.ErrorIs(t, w.d.DeleteRecipient(bg, "owner@contoso.com"), mailops.ErrForbidden, "an owner cannot be deleted")
	require.NoError(t, w.d.DeleteRecipient(bg, "alice@contoso.com"))
	again, _ = w.d.GetGroup(bg, "sales@contoso.com")
	assert.Empty(t, again.Members, "a deleted recipient leaves its groups")
}

func TestPropagationToMailFlow(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Group = fake.Fixed(40 * time.Minute)
	cfg.Propagation.Domain = fake.Fixed(3 * time.Minute)
	cfg.Propagation.AcceptedDomain = fake.Fixed(3 * time.Minute)
	cfg.Propagation.Connector = fake.Uniform(time.Minute, time.Hour)
	w := newWorld(t, cfg)
	dom, err := w.d.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	w.cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	_, err = w.d.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	require.NoError(t, w.d.EnableEmail(bg, "contoso.com"))
	assert.Empty(t, w.t.MailView().AcceptedDomains(), "the accepted domain has not propagated yet")
	require.NoError(t, w.s.RunFor(3*time.Minute))
	_, ok := w.t.MailView().AcceptedDomain("contoso.com")
	assert.True(t, ok)
	w.mailbox(t, "alice@contoso.com")

	require.NoError(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay))
	d, _ := w.t.MailView().AcceptedDomain("contoso.com")
	assert.Equal(t, mailops.Authoritative, d.Type, "mail flow still sees the old type")
	got, err := w.d.GetDomain(bg, "contoso.com")
	require.NoError(t, err)
	assert.Equal(t, mailops.InternalRelay, got.Type, "admin reads see the new type")
	require.NoError(t, w.s.RunFor(3*time.Minute))
	d, _ = w.t.MailView().AcceptedDomain("contoso.com")
	assert.Equal(t, mailops.InternalRelay, d.Type)

	g := mailops.Group{PrimaryAddress: "sales@contoso.com", Name: "Sales", Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}}
	require.NoError(t, w.d.CreateGroup(bg, g))
	require.NoError(t, w.s.RunFor(39*time.Minute))
	_, ok = w.t.MailView().Group("sales@contoso.com")
	assert.False(t, ok, "a new group is invisible to mail flow for its propagation delay")
	require.NoError(t, w.s.RunFor(time.Minute))
	_, ok = w.t.MailView().Group("sales@contoso.com")
	assert.True(t, ok)

	require.NoError(t, w.d.DeleteGroup(bg, "sales@contoso.com"))
	_, ok = w.t.MailView().Group("sales@contoso.com")
	assert.True(t, ok, "a deleted group keeps receiving until the deletion propagates")
	require.NoError(t, w.s.RunFor(40*time.Minute))
	_, ok = w.t.MailView().Group("sales@contoso.com")
	assert.False(t, ok)

	c := mailops.OutboundConnector{Name: "legacy", Type: mailops.OnPremises, RecipientDomains: []string{"contoso.com"}, SmartHosts: []string{"mx.contoso.com"}, Enabled: true}
	require.NoError(t, w.d.CreateOutboundConnector(bg, c))
	assert.Empty(t, w.t.MailViewAt(w.s.Now().Add(59*time.Second)).OutboundConnectors(), "connectors take at least a minute")
	assert.Len(t, w.t.MailViewAt(w.s.Now().Add(time.Hour)).OutboundConnectors(), 1)
}

func TestAdminReadsLag(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.AdminLag = fake.AdminLag{Probability: 0.5, Lag: fake.Fixed(time.Minute)}
	w := newWorld(t, cfg)
	w.verified(t, "contoso.com")
	require.NoError(t, w.s.RunFor(time.Hour))
	w.mailbox(t, "alice@contoso.com")
	misses := 0
	for i := 0; i < 200; i++ {
		if _, err := w.d.GetRecipient(bg, "alice@contoso.com"); err != nil {
			require.ErrorIs(t, err, mailops.ErrNotFound)
			misses++
		}
	}
	assert.InDelta(t, 100, misses, 40, "about half the reads see the state of a minute ago")
	require.NoError(t, w.s.RunFor(2*time.Minute))
	for i := 0; i < 50; i++ {
		_, err := w.d.GetRecipient(bg, "alice@contoso.com")
		require.NoError(t, err, "once the lag has passed every read sees it")
	}
}

func TestSessionLimitAndLatency(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Latency = fake.Fixed(time.Second)
	cfg.SessionLimit = 3
	w := newWorld(t, cfg)
	var errs []error
	for i := 0; i < 5; i++ {
		w.s.Go(func() {
			_, err := w.d.ListDomains(bg)
			errs = append(errs, err)
		})
	}
	other := w.t.Driver("other-admin")
	w.s.Go(func() {
		_, err := other.ListDomains(bg)
		errs = append(errs, err)
	})
	require.NoError(t, w.s.Run())
	var refused, ok int
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			require.ErrorIs(t, err, mailops.ErrTooManySessions)
			require.ErrorIs(t, err, mailops.ErrThrottled, "a 429 in the REST era")
			assert.Contains(t, err.Error(), "too many concurrent requests")
			refused++
		}
	}
	assert.Equal(t, 2, refused, "the 4th and 5th concurrent calls of one admin are refused")
	assert.Equal(t, 4, ok, "three of one admin, one of another")
	assert.Equal(t, sim.Epoch().Add(time.Second), w.s.Now(), "calls take their latency in virtual time")
	for _, c := range w.t.CallLog() {
		if c.Err == nil {
			assert.Equal(t, time.Second, c.End.Sub(c.Start))
		}
	}
}

func TestThrottlingRetryAfter(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Throttle = fake.Throttle{Rate: 0.5, Burst: 2}
	w := newWorld(t, cfg)
	_, err := w.d.ListDomains(bg)
	require.NoError(t, err)
	_, err = w.d.ListDomains(bg)
	require.NoError(t, err)
	_, err = w.d.ListDomains(bg)
	var te *mailops.ThrottledError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 2*time.Second, te.RetryAfter, "one token every two seconds")
	require.NoError(t, w.s.RunFor(te.RetryAfter))
	_, err = w.d.ListDomains(bg)
	assert.NoError(t, err, "a retry after Retry-After succeeds")
	log := w.t.CallLog()
	assert.Equal(t, 2*time.Second, log[2].RetryAfter)
}

func TestTargetedFaults(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	w.verified(t, "contoso.com")
	w.mailbox(t, "alice@contoso.com")
	mk := func(n int) mailops.Group {
		a := mailops.Address("g" + string(rune('0'+n)) + "@contoso.com")
		return mailops.Group{PrimaryAddress: a, Name: string(a), Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}}
	}
	w.t.InjectFault(fake.Fault{Op: "CreateGroup", Nth: 3, Err: &mailops.ThrottledError{Op: "CreateGroup", RetryAfter: time.Minute}})
	w.t.InjectFault(fake.Fault{Op: "CreateGroup", Nth: 4, Kind: fake.FaultReplyLost})
	require.NoError(t, w.d.CreateGroup(bg, mk(1)))
	require.NoError(t, w.d.CreateGroup(bg, mk(2)))
	err := w.d.CreateGroup(bg, mk(3))
	require.ErrorIs(t, err, mailops.ErrThrottled, "the 3rd CreateGroup fails")
	_, err = w.d.GetGroup(bg, mk(3).PrimaryAddress)
	assert.ErrorIs(t, err, mailops.ErrNotFound, "and was not applied")
	err = w.d.CreateGroup(bg, mk(4))
	require.ErrorIs(t, err, mailops.ErrUnavailable, "the 4th loses its reply")
	_, err = w.d.GetGroup(bg, mk(4).PrimaryAddress)
	assert.NoError(t, err, "but was applied")
}

func TestRandomFaultsAreSeeded(t *testing.T) {
	run := func() []string {
		cfg := fake.InstantTenantConfig()
		cfg.Faults = fake.RandomFaults{Throttle: 0.2, Unavailable: 0.1, ReplyLost: 0.1, ThrottleRetryAfter: fake.Uniform(time.Second, 10*time.Second)}
		w := newWorld(t, cfg)
		var out []string
		for i := 0; i < 100; i++ {
			_, err := w.d.ListDomains(bg)
			if err != nil {
				out = append(out, err.Error())
			} else {
				out = append(out, "ok")
			}
		}
		return out
	}
	a, b := run(), run()
	assert.Equal(t, a, b, "the same seed gives the same faults")
	fails := 0
	for _, x := range a {
		if x != "ok" {
			fails++
		}
	}
	assert.InDelta(t, 30, fails, 15, "throttle and unavailable fail the call; a lost reply on a read also fails it")
}

func TestConnectorsAndRemoteDomains(t *testing.T) {
	w := newWorld(t, fake.InstantTenantConfig())
	c := mailops.OutboundConnector{Name: "legacy", Type: mailops.OnPremises, RecipientDomains: []string{"contoso.com"}, SmartHosts: []string{"mx.contoso.com"}, Enabled: true}
	require.NoError(t, w.d.CreateOutboundConnector(bg, c))
	assert.ErrorIs(t, w.d.CreateOutboundConnector(bg, c), mailops.ErrExists)
	c.SmartHosts = []string{"mx2.contoso.com"}
	require.NoError(t, w.d.UpdateOutboundConnector(bg, c))
	got, err := w.d.GetOutboundConnector(bg, "legacy")
	require.NoError(t, err)
	assert.Equal(t, []string{"mx2.contoso.com"}, got.SmartHosts)
	require.NoError(t, w.d.DeleteOutboundConnector(bg, "legacy"))
	assert.ErrorIs(t, w.d.DeleteOutboundConnector(bg, "legacy"), mailops.ErrNotFound)
	assert.ErrorIs(t, w.d.UpdateOutboundConnector(bg, c), mailops.ErrNotFound)

	def, err := w.d.GetRemoteDomain(bg, "Default")
	require.NoError(t, err)
	assert.Equal(t, "*", def.DomainName)
	assert.ErrorIs(t, w.d.DeleteRemoteDomain(bg, "Default"), mailops.ErrForbidden)
	def.UseSimpleDisplayName = true
	require.NoError(t, w.d.SetRemoteDomain(bg, def))
	rd, _ := w.d.GetRemoteDomain(bg, "Default")
	assert.True(t, rd.UseSimpleDisplayName)
	assert.ErrorIs(t, w.d.CreateRemoteDomain(bg, mailops.RemoteDomain{Name: "all", DomainName: "*"}), mailops.ErrExists, "Default covers *")
}

func TestPropagationCoalesces(t *testing.T) {
	cfg := fake.InstantTenantConfig()
	cfg.Propagation.Domain = fake.Fixed(5 * time.Minute)
	w := newWorld(t, cfg)
	w.verified(t, "contoso.com") // Email enabled, accepted at once (no AcceptedDomain delay)
	d, ok := w.t.MailView().AcceptedDomain("contoso.com")
	require.True(t, ok)
	require.Equal(t, mailops.Authoritative, d.Type)
	require.NoError(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay)) // written now, visible in 5 minutes
	require.NoError(t, w.s.RunFor(time.Minute))
	require.NoError(t, w.d.SetDomainType(bg, "contoso.com", mailops.Authoritative)) // written before the first reached mail flow
	require.NoError(t, w.s.RunFor(4*time.Minute+30*time.Second))
	d, _ = w.t.MailView().AcceptedDomain("contoso.com")
	assert.Equal(t, mailops.Authoritative, d.Type, "the InternalRelay state was superseded in flight: mail flow never sees it")
	require.NoError(t, w.s.RunFor(time.Minute))
	d, _ = w.t.MailView().AcceptedDomain("contoso.com")
	assert.Equal(t, mailops.Authoritative, d.Type)
	require.NoError(t, w.d.SetDomainType(bg, "contoso.com", mailops.InternalRelay))
	require.NoError(t, w.s.RunFor(5*time.Minute))
	d, ok = w.t.MailView().AcceptedDomain("contoso.com")
	require.True(t, ok)
	assert.Equal(t, mailops.InternalRelay, d.Type)

	// A change made after the previous one propagated shows the gap.
	require.NoError(t, w.d.SetDomainType(bg, "contoso.com", mailops.Authoritative))
	require.NoError(t, w.s.RunFor(time.Minute))
	d, _ = w.t.MailView().AcceptedDomain("contoso.com")
	assert.Equal(t, mailops.InternalRelay, d.Type, "the old state holds until the new one propagates")
}

// The same model runs in real time on the wall executor: a Client over the
// tenant with real (tiny) latency and propagation.
func TestTenantOnTheWallExecutor(t *testing.T) {
	w := sim.NewWall(3)
	cloud := fake.NewCloud(w, w.Rand("cloud"), fake.DefaultCloudConfig())
	cfg := fake.InstantTenantConfig()
	cfg.Latency = fake.Fixed(time.Millisecond)
	cfg.Propagation.Group = fake.Fixed(20 * time.Millisecond)
	cfg.SessionLimit = 3
	tn := cloud.NewTenant("contoso", cfg)
	c := mailops.NewClient(tn.Driver("admin"), mailops.Options{Clock: w, Consistency: mailops.ConsistencyOptions{Reads: 2, Interval: 5 * time.Millisecond, Timeout: 2 * time.Second}})
	dom, err := c.AddDomain(bg, "contoso.com")
	require.NoError(t, err)
	cloud.PublishProof("contoso.com", dom.VerificationRecords[0].Value)
	_, err = c.VerifyDomain(bg, "contoso.com")
	require.NoError(t, err)
	require.NoError(t, c.EnableEmail(bg, "contoso.com"))
	require.NoError(t, c.AwaitAccepted(bg, "contoso.com"))
	require.NoError(t, c.CreateRecipient(bg, mailops.Recipient{Address: "alice@contoso.com", Kind: mailops.Mailbox, DisplayName: "Alice"}))
	require.NoError(t, c.CreateGroup(bg, mailops.Group{PrimaryAddress: "sales@contoso.com", Name: "Sales", Members: []mailops.Address{"alice@contoso.com"}, Owners: []mailops.Address{"alice@contoso.com"}}))
	require.NoError(t, c.Await(bg, "the group reaches mail flow", func(context.Context) (bool, error) {
		_, ok := tn.MailView().Group("sales@contoso.com")
		return ok, nil
	}), "propagation happens in real time")
	for _, call := range tn.CallLog() {
		assert.GreaterOrEqual(t, call.End.Sub(call.Start), time.Millisecond, "calls took real time")
	}
}
