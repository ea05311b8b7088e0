package mailflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// mxWorld adds shop.example to our tenant (a mailbox, ann) in a world that
// starts at start, and returns the domain as the admin reads it.
func mxWorld(t *testing.T, start time.Time) (*mailflow.World, mailops.Domain, mailops.Address) {
	t.Helper()
	w := instantWorld(mailflow.Config{Seed: 3, Start: start})
	w.AddInternetDomain("gmail.example")
	const d = "shop.example"
	ann := mailops.Address("ann@" + d)
	var dom mailops.Domain
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := hwProvision(ctx, w, c, d, []mailops.Address{ann}); err != nil {
			return err
		}
		var err error
		dom, err = c.GetDomain(ctx, d)
		return err
	})
	w.Expect().Address(ann, "ann")
	w.Expect().Reads("ann", mailflow.EXOMailbox("ours", ann), time.Time{}, time.Time{})
	return w, dom, ann
}

func sendTen(w *mailflow.World, to mailops.Address) {
	for i := 0; i < 10; i++ {
		w.SendFromInternet("alice@gmail.example", "Alice", to)
	}
}

func TestWorldStartsAtACurrentDateUnlessTold(t *testing.T) {
	w := mailflow.NewWorld(mailflow.Config{Seed: 1})
	assert.Equal(t, mailflow.DefaultStart, w.Scheduler().Now())
	assert.False(t, mailflow.DefaultStart.Before(fake.MXMicrosoftDate), "the default start is after Exchange Online began handing out mx.microsoft hosts")
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, at, mailflow.NewWorld(mailflow.Config{Seed: 1, Start: at}).Scheduler().Now())
}

// After 2026-07-01 a new domain's MX host is under mx.microsoft: a host built
// from the domain name in the old pattern resolves to nothing, senders defer
// and give up at their horizon; the host from the domain's service records
// delivers everything.
func TestOldPatternMXForANewDomainLosesMail(t *testing.T) {
	after := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	t.Run("old pattern built from the name", func(t *testing.T) {
		w, dom, ann := mxWorld(t, after)
		old := fake.MXHost(dom.Name, false, 0)
		require.True(t, strings.HasSuffix(old, ".mail.protection.outlook.com"))
		w.DNS().SetMX(dom.Name, time.Hour, mailflow.MX{Host: old})
		sendTen(w, ann)
		mustRun(t, w, 72*time.Hour)
		rep := w.Check()
		assert.Equal(t, 0, rep.Delivered, rep.String())
		assert.Equal(t, 10, rep.Bounced, "every sender gives up at its horizon")
		assert.False(t, rep.NoLoss())
		require.NotEmpty(t, rep.Violations)
		assert.Contains(t, rep.Violations[0].Cause, "4.4.7")
	})
	t.Run("host from the service records", func(t *testing.T) {
		w, dom, ann := mxWorld(t, after)
		host, ok := dom.ServiceMX()
		require.True(t, ok)
		assert.True(t, strings.HasSuffix(host, ".mx.microsoft"), host)
		w.DNS().SetMX(dom.Name, time.Hour, mailflow.MX{Host: host})
		sendTen(w, ann)
		mustRun(t, w, 72*time.Hour)
		rep := w.Check()
		assert.Equal(t, 10, rep.Delivered, rep.String())
		assert.True(t, rep.NoLoss(), rep.String())
	})
	t.Run("before July 2026 the old pattern is the service's", func(t *testing.T) {
		w, dom, ann := mxWorld(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		host, ok := dom.ServiceMX()
		require.True(t, ok)
		assert.Equal(t, fake.MXHost(dom.Name, false, 0), host)
		require.NoError(t, w.PointMXAtEXO(dom.Name, time.Hour))
		sendTen(w, ann)
		mustRun(t, w, 72*time.Hour)
		assert.Equal(t, 10, w.Check().Delivered)
	})
}

// The DNS publishes an address for every host the tenant handed out, and for
// no other name in Exchange Online's zones.
func TestDNSPublishesTheHostsTheServiceHandsOut(t *testing.T) {
	w, dom, ann := mxWorld(t, mailflow.DefaultStart)
	host, _ := dom.ServiceMX()
	require.NoError(t, w.PointMXAtEXO(dom.Name, time.Hour))
	sendTen(w, ann) // a sender's lookup makes the world publish what the service handed out
	mustRun(t, w, time.Hour)
	r := w.DNS().NewResolver("probe")
	addrs, err := r.LookupHost(context.Background(), host)
	require.NoError(t, err)
	assert.NotEmpty(t, addrs)
	_, err = r.LookupHost(context.Background(), fake.MXHost(dom.Name, false, 0))
	assert.Error(t, err, "the old pattern does not exist for a domain added after July 2026")
}
