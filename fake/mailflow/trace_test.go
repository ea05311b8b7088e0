package mailflow_test

import (
	"context"
	"fmt"
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
// Under a bounded retention whose ledger settles each message as soon as
// its copies have ended, the trace answers the same from what it fixed as
// they settled.
func TestMessageTraceListsTheBouncesOfTheVerificationGap(t *testing.T) {
	for _, r := range []mailflow.Retention{{}, {Keep: mailflow.RetainViolations, SettleDoneAfter: time.Nanosecond}} {
		t.Run(fmt.Sprint(r.Keep), func(t *testing.T) { traceGapBounces(t, r) })
	}
}

func traceGapBounces(t *testing.T, r mailflow.Retention) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 2, Retention: r})
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
	if r.SettleDoneAfter > 0 {
		w.SendFromInternet("x@gmail.example", "X", ann) // the ledger settles when a message is submitted
		for _, m := range []*mailflow.Message{gap, edge, after} {
			_, held := w.Ledger().Message(m.ID)
			assert.False(t, held, "message %d settled once its copies ended", m.ID)
		}
	}

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

// Under a bounded retention, message trace answers for Retention.TraceFor
// after Exchange Online received a copy, then forgets it.
func TestMessageTraceForgetsAfterTraceFor(t *testing.T) {
	w, taro := exoWorld(t, mailflow.Config{Seed: 2, Retention: mailflow.Retention{Keep: mailflow.RetainViolations,
		SettleDoneAfter: time.Minute, TraceFor: 2 * time.Hour}})
	start := w.Scheduler().Now()
	first := w.SendFromTenant(w.Tenant(), taro, "Taro", taro)
	mustRun(t, w, time.Hour)
	trace := func() []mailops.TraceEntry {
		var rows []mailops.TraceEntry
		admin(t, w, w.Tenant(), func(ctx context.Context, c *mailops.Client) error {
			var err error
			rows, err = c.MessageTrace(ctx, mailops.TraceQuery{Start: start, End: w.Scheduler().Now().Add(time.Minute)})
			return err
		})
		return rows
	}
	w.SendFromTenant(w.Tenant(), taro, "Taro", taro)
	_, held := w.Ledger().Message(first.ID)
	require.False(t, held, "settled a minute after its copy was delivered")
	rows := trace()
	require.Len(t, rows, 1, "the first message, settled, still traced")
	assert.Equal(t, mailops.TraceDelivered, rows[0].Status)
	assert.Equal(t, taro, rows[0].Sender)
	mustRun(t, w, 90*time.Minute)
	w.SendFromTenant(w.Tenant(), taro, "Taro", taro) // forgetting happens as messages are submitted
	mustRun(t, w, time.Minute)
	rows = trace()
	require.Len(t, rows, 2, "the first message's row is 2.5 hours old: forgotten")
	assert.True(t, rows[0].Received.After(first.Submitted.Add(time.Hour)), "the second message's row first")
	assert.Equal(t, "<3@mailflow.invalid>", rows[1].MessageID)
}
