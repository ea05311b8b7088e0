package mailops_test

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

const tenantDomain = "depta.example.ac.jp"

var (
	alice = mailops.MustParseAddress("alice@" + tenantDomain)
	bob   = mailops.MustParseAddress("bob@" + tenantDomain)
	carol = mailops.MustParseAddress("carol@" + tenantDomain)
	sales = mailops.MustParseAddress("sales@" + tenantDomain)
	admin = mailops.MustParseAddress("admins@" + tenantDomain)
	ext   = mailops.MustParseAddress("partner@other.example.com")
)

func salesGroup() mailops.Group {
	return mailops.Group{
		PrimaryAddress:              sales,
		Name:                        "Sales",
		Members:                     []mailops.Address{alice, bob},
		Owners:                      []mailops.Address{admin},
		SendAs:                      []mailops.Address{alice},
		RequireSenderAuthentication: false,
	}
}

// newTestClient returns a Client over a script driver on a step clock, with
// the tenant domain verified.
func newTestClient(t *testing.T, opts mailops.Options) (*mailops.Client, *scriptDriver, *stepClock) {
	t.Helper()
	clk := newStepClock()
	d := newScriptDriver(clk)
	d.addVerified(tenantDomain)
	opts.Clock = clk
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	return mailops.NewClient(d, opts), d, clk
}

func throttled(after time.Duration) error {
	return &mailops.ThrottledError{Op: "test", RetryAfter: after}
}

func TestNewClientDefaults(t *testing.T) {
	c := mailops.NewClient(newScriptDriver(mailops.WallClock{}), mailops.Options{})
	o := c.Options()
	assert.Equal(t, mailops.WallClock{}, o.Clock)
	assert.NotNil(t, o.Logger)
	assert.NotNil(t, o.Rand)
	assert.Equal(t, 3, o.MaxSessions)
	assert.Equal(t, mailops.RetryOptions{MaxAttempts: 8, Base: time.Second, Max: 2 * time.Minute}, o.Retry)
	assert.Equal(t, mailops.ConsistencyOptions{Reads: 3, Interval: 2 * time.Second, Timeout: 5 * time.Minute}, o.Consistency)
	assert.False(t, o.AllowExternalMembers)
	assert.False(t, o.WaitConsistent)
}

func TestValidationNeverReachesDriver(t *testing.T) {
	ctx := context.Background()
	badMember := salesGroup()
	badMember.Members = []mailops.Address{alice, "Bob@DeptA.example.ac.jp"}
	noOwner := salesGroup()
	noOwner.Owners = nil
	cases := []struct {
		name  string
		field string
		call  func(c *mailops.Client) error
	}{
		{"group with one non-canonical member", "Group.Members[1]", func(c *mailops.Client) error { return c.CreateGroup(ctx, badMember) }},
		{"owner-less group", "Group.Owners", func(c *mailops.Client) error { return c.CreateGroup(ctx, noOwner) }},
		{"members listed twice", "Group.Members[1]", func(c *mailops.Client) error {
			return c.SetGroupMembers(ctx, sales, []mailops.Address{alice, alice})
		}},
		{"group listing itself", "Group.Members[0]", func(c *mailops.Client) error {
			return c.SetGroupMembers(ctx, sales, []mailops.Address{sales})
		}},
		{"non-ASCII simple display name", "Recipient.SimpleDisplayName", func(c *mailops.Client) error {
			return c.SetSimpleDisplayName(ctx, alice, "営業部")
		}},
		{"forward to itself", "Recipient.ForwardingSmtpAddress", func(c *mailops.Client) error {
			return c.SetForwarding(ctx, alice, mailops.ForwardTo(alice, false))
		}},
		{"keep copy without forwarding", "Recipient.DeliverToMailboxAndForward", func(c *mailops.Client) error {
			return c.SetForwarding(ctx, alice, mailops.Forwarding{KeepCopy: true})
		}},
		{"non-canonical domain", "Domain.Name", func(c *mailops.Client) error {
			_, err := c.AddDomain(ctx, "DeptB.Example.ac.jp")
			return err
		}},
		{"single-label domain", "Domain.Name", func(c *mailops.Client) error {
			_, err := c.VerifyDomain(ctx, "localhost")
			return err
		}},
		{"bad domain type", "DomainType", func(c *mailops.Client) error {
			return c.SetDomainType(ctx, tenantDomain, "ExternalRelay")
		}},
		{"bad read address", "Group.PrimaryAddress", func(c *mailops.Client) error {
			_, err := c.GetGroup(ctx, "not an address")
			return err
		}},
		{"SendAs on itself", "SendAs.Trustee", func(c *mailops.Client) error { return c.GrantSendAs(ctx, sales, sales) }},
		{"recipient without kind", "Recipient.Kind", func(c *mailops.Client) error {
			return c.CreateRecipient(ctx, mailops.Recipient{Address: alice, DisplayName: "Alice"})
		}},
		{"connector without smart hosts", "OutboundConnector.SmartHosts", func(c *mailops.Client) error {
			return c.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "to legacy", Type: mailops.OnPremises, RecipientDomains: []string{tenantDomain}})
		}},
		{"empty connector name", "InboundConnector.Name", func(c *mailops.Client) error {
			return c.DeleteInboundConnector(ctx, " ")
		}},
		{"remote domain pattern", "RemoteDomain.DomainName", func(c *mailops.Client) error {
			return c.CreateRemoteDomain(ctx, mailops.RemoteDomain{Name: "partner", DomainName: "a*.example.com"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, d, _ := newTestClient(t, mailops.Options{})
			err := tc.call(c)
			require.ErrorIs(t, err, mailops.ErrInvalid)
			var ve *mailops.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.Empty(t, d.Calls(), "nothing reaches the driver")
		})
	}
}

func TestPolicyRefusesExternalAddresses(t *testing.T) {
	ctx := context.Background()
	c, d, _ := newTestClient(t, mailops.Options{})
	d.addVerified("other.example.net")
	d.mu.Lock()
	d.domains["unverified.example.org"] = mailops.Domain{Name: "unverified.example.org", Type: mailops.Authoritative}
	d.mu.Unlock()

	g := salesGroup()
	g.Members = []mailops.Address{alice, ext}
	err := c.CreateGroup(ctx, g)
	require.ErrorIs(t, err, mailops.ErrPolicy)
	var pe *mailops.PolicyError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Group.Members[1]", pe.Field)
	assert.Equal(t, string(ext), pe.Value)
	for _, op := range d.ops() {
		assert.Contains(t, []string{"ListDomains", "GetDomain"}, op, "only domains are read: the group is never sent")
	}

	g = salesGroup()
	g.Owners = []mailops.Address{mailops.MustParseAddress("boss@unverified.example.org")}
	err = c.CreateGroup(ctx, g)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Group.Owners[0]", pe.Field, "an unverified domain is not accepted")

	g = salesGroup()
	g.SendAs = []mailops.Address{mailops.MustParseAddress("x@other.example.net")}
	require.NoError(t, c.CreateGroup(ctx, g), "a second verified domain is internal")

	err = c.SetGroupMembers(ctx, sales, []mailops.Address{ext})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Group.Members[0]", pe.Field)
	err = c.GrantSendAs(ctx, sales, ext)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "GrantSendAs.Trustee", pe.Field)
	assert.Zero(t, d.count("SetGroupMembers"))
	assert.Zero(t, d.count("GrantSendAs"))

	// Per call.
	require.NoError(t, c.SetGroupMembers(mailops.WithExternalMembers(ctx), sales, []mailops.Address{alice, ext}))
	got, err := c.GetGroup(ctx, sales)
	require.NoError(t, err)
	assert.Equal(t, []mailops.Address{alice, ext}, got.Members)

	// Per client.
	c2, d2, _ := newTestClient(t, mailops.Options{AllowExternalMembers: true})
	g = salesGroup()
	g.Members = []mailops.Address{ext}
	require.NoError(t, c2.CreateGroup(ctx, g))
	assert.Zero(t, d2.count("ListDomains")+d2.count("GetDomain"), "no domain read when externals are allowed")
	assert.Equal(t, 1, d2.count("CreateGroup"))
}

func TestPolicyDomainReadFailureIsNotAbsence(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{})
	d.script("ListDomains", fault{Err: mailops.ErrForbidden})
	err := c.CreateGroup(context.Background(), salesGroup())
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Zero(t, d.count("CreateGroup"))
}

func TestRetryNeverSoonerThanRetryAfter(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{Retry: mailops.RetryOptions{Base: time.Second, Max: 4 * time.Second}})
	d.Latency = 0
	d.script("GetGroup", fault{Err: throttled(90 * time.Second)}, fault{Err: throttled(time.Second)}, fault{Err: throttled(0)})
	d.putGroup(salesGroup())
	_, err := c.GetGroup(context.Background(), sales)
	require.NoError(t, err)
	calls := d.Calls()
	require.Len(t, calls, 4)
	gap1 := calls[1].Start.Sub(calls[0].End)
	gap2 := calls[2].Start.Sub(calls[1].End)
	gap3 := calls[3].Start.Sub(calls[2].End)
	assert.Equal(t, 90*time.Second, gap1, "Retry-After above the backoff is honoured exactly")
	assert.GreaterOrEqual(t, gap2, time.Second)
	assert.LessOrEqual(t, gap2, 2*time.Second, "backoff 2 is in [1s, 2s]")
	assert.GreaterOrEqual(t, gap3, 2*time.Second, "no hint: backoff 3 is in [2s, 4s]")
	assert.LessOrEqual(t, gap3, 4*time.Second)
}

func TestRetryBackoffIsCapped(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{Retry: mailops.RetryOptions{MaxAttempts: 12, Base: time.Second, Max: 5 * time.Second}})
	for range 11 {
		d.script("ListGroups", fault{Err: mailops.ErrUnavailable})
	}
	_, err := c.ListGroups(context.Background())
	require.NoError(t, err)
	calls := d.Calls()
	require.Len(t, calls, 12)
	for i := 1; i < len(calls); i++ {
		gap := calls[i].Start.Sub(calls[i-1].End)
		want := min(5*time.Second, time.Second<<(i-1))
		assert.LessOrEqual(t, gap, want, "retry %d", i)
		assert.GreaterOrEqual(t, gap, want/2, "retry %d", i)
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{Retry: mailops.RetryOptions{MaxAttempts: 4}})
	for range 10 {
		d.script("SetGroupSenderAuthentication", fault{Err: mailops.ErrTooManySessions})
	}
	d.putGroup(salesGroup())
	err := c.SetGroupSenderAuthentication(context.Background(), sales, true)
	require.ErrorIs(t, err, mailops.ErrTooManySessions)
	assert.Contains(t, err.Error(), "giving up after 4 attempts")
	assert.Equal(t, 4, d.count("SetGroupSenderAuthentication"))
}

func TestRetryAfterTooManySessionsSucceeds(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{})
	d.script("CreateGroup", fault{Err: mailops.ErrTooManySessions}, fault{Err: throttled(time.Minute)})
	require.NoError(t, c.CreateGroup(context.Background(), salesGroup()))
	assert.Equal(t, 3, d.count("CreateGroup"))
	assert.Zero(t, d.countAfter("CreateGroup", "GetGroup"), "no read-back without a lost reply")
}

func TestNoRetryOfPermanentErrors(t *testing.T) {
	for _, perm := range []error{mailops.ErrNotFound, mailops.ErrExists, mailops.ErrForbidden,
		mailops.ErrDomainTaken, mailops.ErrNotVerified, mailops.ErrInvalid, mailops.ErrPolicy, context.Canceled} {
		t.Run(perm.Error(), func(t *testing.T) {
			c, d, _ := newTestClient(t, mailops.Options{})
			d.script("CreateGroup", fault{Err: perm})
			err := c.CreateGroup(context.Background(), salesGroup())
			require.ErrorIs(t, err, perm)
			assert.Equal(t, 1, d.count("CreateGroup"))
			assert.Zero(t, d.countAfter("CreateGroup", "GetGroup"), "no read-back")
		})
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	c, d, clk := newTestClient(t, mailops.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.script("GetDomain", fault{Err: throttled(time.Hour), Before: cancel})
	_, err := c.GetDomain(ctx, tenantDomain)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, mailops.ErrThrottled, "the last error is kept")
	assert.Equal(t, 1, d.count("GetDomain"))
	assert.Equal(t, epoch, clk.Now(), "no time passed")
}

func TestLostReplyCreateResolvedByReadBack(t *testing.T) {
	ctx := context.Background()
	c, d, _ := newTestClient(t, mailops.Options{})
	d.putMailbox(admin, alice) // the owner and the SendAs trustee: read as security principals
	d.script("CreateGroup", fault{Err: mailops.ErrUnavailable, Apply: true})
	require.NoError(t, c.CreateGroup(ctx, salesGroup()))
	assert.Equal(t, []string{"ListDomains", "GetRecipient", "GetRecipient", "CreateGroup", "CreateGroup", "GetGroup"}, d.ops())

	// A different group took the address while the reply was lost.
	other := salesGroup()
	other.PrimaryAddress = mailops.MustParseAddress("support@" + tenantDomain)
	theirs := other
	theirs.Members = []mailops.Address{carol}
	d.script("CreateGroup", fault{Err: mailops.ErrUnavailable, Before: func() { d.putGroup(theirs) }})
	err := c.CreateGroup(ctx, other)
	require.ErrorIs(t, err, mailops.ErrExists)
	assert.Contains(t, err.Error(), "different object exists")

	// The read-back fails: the error says so and is not taken as success.
	third := salesGroup()
	third.PrimaryAddress = mailops.MustParseAddress("help@" + tenantDomain)
	d.script("CreateGroup", fault{Err: mailops.ErrUnavailable, Apply: true})
	d.script("GetGroup", fault{Err: mailops.ErrForbidden})
	err = c.CreateGroup(ctx, third)
	require.ErrorIs(t, err, mailops.ErrExists)
	require.ErrorIs(t, err, mailops.ErrForbidden)
}

func TestLostReplyOtherCreates(t *testing.T) {
	ctx := context.Background()
	c, d, _ := newTestClient(t, mailops.Options{})
	d.script("AddDomain", fault{Err: mailops.ErrUnavailable, Apply: true})
	dom, err := c.AddDomain(ctx, "deptb.example.ac.jp")
	require.NoError(t, err)
	assert.Equal(t, "deptb.example.ac.jp", dom.Name, "the domain read back is returned")

	r := mailops.Recipient{Address: alice, Kind: mailops.Mailbox, DisplayName: "Alice", SimpleDisplayName: "Alice A."}
	d.script("CreateRecipient", fault{Err: mailops.ErrUnavailable, Apply: true})
	require.NoError(t, c.CreateRecipient(ctx, r))

	oc := mailops.OutboundConnector{Name: "to legacy", Type: mailops.OnPremises, RecipientDomains: []string{tenantDomain}, SmartHosts: []string{"mx.depta.example.ac.jp"}, Enabled: true}
	d.script("CreateOutboundConnector", fault{Err: mailops.ErrUnavailable, Apply: true})
	require.NoError(t, c.CreateOutboundConnector(ctx, oc))

	rd := mailops.RemoteDomain{Name: "partner", DomainName: "partner.example.com", UseSimpleDisplayName: true}
	d.script("CreateRemoteDomain", fault{Err: mailops.ErrUnavailable, Apply: true})
	require.NoError(t, c.CreateRemoteDomain(ctx, rd))
	d.script("CreateRemoteDomain", fault{Err: mailops.ErrUnavailable})
	rd2 := rd
	rd2.UseSimpleDisplayName = false
	require.ErrorIs(t, c.CreateRemoteDomain(ctx, rd2), mailops.ErrExists, "a different remote domain exists")
}

func TestLostReplyDelete(t *testing.T) {
	ctx := context.Background()
	c, d, _ := newTestClient(t, mailops.Options{})
	d.putGroup(salesGroup())
	d.script("DeleteGroup", fault{Err: mailops.ErrUnavailable, Apply: true})
	require.NoError(t, c.DeleteGroup(ctx, sales))
	assert.Equal(t, 2, d.count("DeleteGroup"))

	err := c.DeleteGroup(ctx, sales)
	require.ErrorIs(t, err, mailops.ErrNotFound, "without a lost reply, not found is an error")
}

func TestAwaitNInARow(t *testing.T) {
	c, _, clk := newTestClient(t, mailops.Options{Consistency: mailops.ConsistencyOptions{Reads: 3, Interval: 10 * time.Second}})
	seq := []bool{true, false, true, true, false, true, true, true, true}
	var at []time.Time
	reads := 0
	err := c.Await(context.Background(), "flaky", func(context.Context) (bool, error) {
		at = append(at, clk.Now())
		reads++
		return seq[reads-1], nil
	})
	require.NoError(t, err)
	assert.Equal(t, 8, reads, "stops at the first run of three")
	for i := 1; i < len(at); i++ {
		assert.Equal(t, 10*time.Second, at[i].Sub(at[i-1]))
	}
}

func TestAwaitNotFoundIsNotYetAndOtherErrorsAbort(t *testing.T) {
	c, _, _ := newTestClient(t, mailops.Options{Consistency: mailops.ConsistencyOptions{Reads: 2, Interval: time.Second}})
	reads := 0
	err := c.Await(context.Background(), "x", func(context.Context) (bool, error) {
		reads++
		if reads <= 2 {
			return true, mailops.ErrNotFound
		}
		return true, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 4, reads)

	reads = 0
	err = c.Await(context.Background(), "x", func(context.Context) (bool, error) {
		reads++
		if reads == 2 {
			return false, mailops.ErrForbidden
		}
		return true, nil
	})
	require.ErrorIs(t, err, mailops.ErrForbidden)
	assert.Equal(t, 2, reads)
}

func TestAwaitTimeout(t *testing.T) {
	c, _, clk := newTestClient(t, mailops.Options{Consistency: mailops.ConsistencyOptions{Interval: time.Minute, Timeout: 10 * time.Minute}})
	err := c.Await(context.Background(), "never", func(context.Context) (bool, error) { return false, nil })
	require.ErrorIs(t, err, mailops.ErrNotConsistent)
	assert.Contains(t, err.Error(), "never")
	assert.Equal(t, epoch.Add(10*time.Minute), clk.Now())
}

func TestWaitConsistentAfterWrite(t *testing.T) {
	c, d, _ := newTestClient(t, mailops.Options{WaitConsistent: true, Consistency: mailops.ConsistencyOptions{Reads: 3, Interval: time.Second}})
	d.Stale = 2 // the new group is invisible to the next two reads
	require.NoError(t, c.CreateGroup(context.Background(), salesGroup()))
	assert.Equal(t, 5, d.count("GetGroup"), "two stale reads, then three in a row")

	require.NoError(t, c.DeleteGroup(context.Background(), sales))
	assert.Equal(t, 8, d.count("GetGroup"), "absence seen three times")

	d.putGroup(salesGroup())
	require.NoError(t, c.AwaitGroup(context.Background(), salesGroup()))
	want := salesGroup()
	want.Members = []mailops.Address{carol}
	require.ErrorIs(t, c.AwaitGroup(context.Background(), want), mailops.ErrNotConsistent)
}

func TestLogsRetriesAndGiveUps(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, d, _ := newTestClient(t, mailops.Options{Logger: log, Retry: mailops.RetryOptions{MaxAttempts: 2}})
	// A 429 with a Retry-After does not use up an attempt; the two
	// unavailable replies do.
	d.script("GetGroup", fault{Err: throttled(30 * time.Second)}, fault{Err: mailops.ErrUnavailable}, fault{Err: mailops.ErrUnavailable})
	_, err := c.GetGroup(context.Background(), sales)
	require.ErrorIs(t, err, mailops.ErrUnavailable)
	out := buf.String()
	assert.Contains(t, out, `msg="mailops: retrying" op=GetGroup attempt=1`)
	assert.Contains(t, out, "delay=30s")
	assert.Contains(t, out, `msg="mailops: giving up" op=GetGroup attempt=3`)
	assert.Equal(t, 3, strings.Count(out, `msg="mailops: call failed"`))
}
