package mailflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// A department added to the tenant is Authoritative until InternalRelay
// reaches mail flow: internal mail to its addresses bounces with 5.1.10 in
// that gap. The message trace lists those bounces, and the delivery after.
func TestMessageTraceListsTheBouncesOfTheVerificationGap(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 2})
	const dept = "dept.uni.example"
	ann := mailops.Address("ann@" + dept)
	w.AddLegacy("mx."+dept, time.Hour, dept).AddMailbox(ann)
	start := w.Scheduler().Now()
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error { return hwProvision(ctx, w, c, dept, nil) })
	gap := w.SendFromTenant(w.Tenant(), taro, "Taro", ann)
	mustRun(t, w, time.Hour)
	edge := w.SendFromInternet("x@gmail.example", "X", "ghost@"+hwOrg)
	mustRun(t, w, time.Hour)
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		if err := c.SetDomainType(ctx, dept, mailops.InternalRelay); err != nil {
			return err
		}
		return c.CreateOutboundConnector(ctx, mailops.OutboundConnector{Name: "To dept", Type: mailops.OnPremises, RecipientDomains: []string{dept},
			SmartHosts: []string{"mx." + dept}, Enabled: true})
	})
	mustRun(t, w, time.Hour)
	after := w.SendFromTenant(w.Tenant(), taro, "Taro", ann)
	mustRun(t, w, time.Hour)

	trace := func(q mailops.TraceQuery) []mailops.TraceEntry {
		var rows []mailops.TraceEntry
		q.Start, q.End = start, w.Scheduler().Now().Add(time.Minute)
		admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
			var err error
			rows, err = c.MessageTrace(ctx, q)
			return err
		})
		return rows
	}
	rows := trace(mailops.TraceQuery{Recipients: []string{"*@" + dept}})
	require.Len(t, rows, 2)
	assert.Equal(t, mailops.TraceFailed, rows[0].Status)
	assert.True(t, strings.HasPrefix(rows[0].Detail, "550 5.1.10"), rows[0].Detail)
	assert.Equal(t, ann, rows[0].Recipient)
	assert.Equal(t, taro, rows[0].Sender)
	assert.Equal(t, gap.Submitted.Add(2*time.Second), rows[0].Received, "when Exchange Online received it (one hop after submission)")
	assert.Equal(t, mailops.TraceDelivered, rows[1].Status, "handed on to the department's server")
	assert.True(t, rows[1].Received.After(after.Submitted))

	failed := trace(mailops.TraceQuery{Status: []mailops.TraceStatus{mailops.TraceFailed}})
	require.Len(t, failed, 2, "the gap bounce and the edge's refusal")
	assert.Equal(t, mailops.Address("ghost@"+hwOrg), failed[1].Recipient)
	assert.True(t, strings.HasPrefix(failed[1].Detail, "550 5.4.1"), failed[1].Detail)
	assert.Equal(t, edge.From, failed[1].Sender)

	assert.Len(t, trace(mailops.TraceQuery{Senders: []string{"x@gmail.example"}}), 1)
	assert.Len(t, trace(mailops.TraceQuery{Recipients: []string{string(ann)}, Status: []mailops.TraceStatus{mailops.TraceDelivered}}), 1)
	var none []mailops.TraceEntry
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		var err error
		none, err = c.MessageTrace(ctx, mailops.TraceQuery{Start: start.Add(-time.Hour), End: start})
		return err
	})
	assert.Empty(t, none, "outside the window")
}

// A copy still in Exchange Online's queue is Pending.
func TestMessageTraceShowsPendingCopies(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 2})
	w.AddLegacy("mx.down.example", time.Hour, "down.example").Stop()
	start := w.Scheduler().Now()
	w.SendFromTenant(w.Tenant(), taro, "Taro", "bob@down.example")
	mustRun(t, w, time.Hour)
	var rows []mailops.TraceEntry
	admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
		var err error
		rows, err = c.MessageTrace(ctx, mailops.TraceQuery{Start: start, End: w.Scheduler().Now()})
		return err
	})
	require.Len(t, rows, 1)
	assert.Equal(t, mailops.TracePending, rows[0].Status)
}
