package mailflow_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

// observeParams is a department world with every kind of event: hops and
// deferrals (KeepEvents, transient faults, lost replies), loops and bounces
// (the broken migrations), run long enough for pairs to settle.
func observeParams(seed uint64, r mailflow.Retention, observe func(mailflow.Event)) hwParams {
	return hwParams{seed: seed, people: 6, addrs: 10, perHour: 20, hours: 100, mxTTL: time.Hour,
		domainMax: 5 * time.Minute, recipMax: time.Hour, groupMax: time.Hour, connMax: time.Hour, loops: 1,
		legacyForwards: 2, smtpFaults: 3, lostReplies: 1, retention: r, keepEvents: true, observe: observe}
}

// TestObserverSeesEveryEvent runs the same seeded worlds keeping every event
// and under the bounded retentions, with an observer from the start: under
// every retention the observer sees exactly the events that keeping every
// event lists (Ledger.Events), in the same order, trails spelt out.
func TestObserverSeesEveryEvent(t *testing.T) {
	kinds := map[mailflow.EventKind]int{}
	for i, v := range []variant{correct, forwardLoop, noConnector} {
		seed := uint64(i + 11)
		t.Run(fmt.Sprintf("seed=%d/%s", seed, v), func(t *testing.T) {
			var all []mailflow.Event
			for _, r := range retentions {
				var seen []mailflow.Event
				h, err := newHW(observeParams(seed, r, func(e mailflow.Event) { seen = append(seen, e) }))
				require.NoError(t, err)
				h.migrate(v)
				h.run(t)
				require.Zero(t, h.w.Ledger().Late())
				if r.Keep == mailflow.RetainAll {
					all = h.w.Ledger().Events()
					require.NotEmpty(t, all)
				}
				require.Equal(t, len(all), len(seen), "retention %+v: events observed", r)
				assert.Equal(t, all, seen, "retention %+v: the observer sees what keeping everything lists", r)
			}
			trails := 0
			for _, e := range all {
				kinds[e.Kind]++
				if len(e.Trail) > 0 {
					trails++
				}
			}
			assert.NotZero(t, trails, "events carry their trails")
		})
	}
	for _, k := range []mailflow.EventKind{mailflow.EvSubmit, mailflow.EvHop, mailflow.EvDefer, mailflow.EvDeliver, mailflow.EvLoop} {
		assert.NotZero(t, kinds[k], "the worlds recorded %s events", k)
	}
}

// TestLedgerMessageUntilSettled: Message finds every message under
// RetainAll, and under a bounded retention the messages not settled yet, not
// the settled ones; an observer sees the deliveries of messages it can still
// look up.
func TestLedgerMessageUntilSettled(t *testing.T) {
	for _, r := range retentions {
		t.Run(fmt.Sprintf("keep=%d", r.Keep), func(t *testing.T) {
			var h *hwWorld
			missing := 0
			h, err := newHW(observeParams(3, r, func(e mailflow.Event) {
				if e.Kind != mailflow.EvDeliver {
					return
				}
				if m, ok := h.w.Ledger().Message(e.Msg); !ok || m.ID != e.Msg {
					missing++
				}
			}))
			require.NoError(t, err)
			h.migrate(correct)
			h.run(t)
			assert.Zero(t, missing, "a delivery's message is still held when it is delivered")
			l := h.w.Ledger()
			msgs := l.Messages()
			require.NotEmpty(t, msgs)
			for _, m := range msgs {
				got, ok := l.Message(m.ID)
				assert.True(t, ok)
				assert.Same(t, m, got)
			}
			last := msgs[len(msgs)-1].ID
			_, ok := l.Message(last + 1)
			assert.False(t, ok, "no message after the last")
			_, ok = l.Message(0)
			assert.False(t, ok, "no message 0")
			if r.Keep == mailflow.RetainAll {
				assert.Equal(t, 1, msgs[0].ID, "keeping everything holds the first message")
				return
			}
			require.Greater(t, msgs[0].ID, 1, "pairs settled and their messages were forgotten")
			for _, id := range []int{1, msgs[0].ID - 1} {
				m, ok := l.Message(id)
				assert.False(t, ok, "settled message %d", id)
				assert.Nil(t, m)
			}
		})
	}
}
