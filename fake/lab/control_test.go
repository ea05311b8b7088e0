package lab

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
)

// TestLedgerAndMailboxesAPI: /api/ledger lists the last ?limit= messages
// the ledger holds, newest first, with their events; /api/mailboxes counts
// every delivery per mailbox, as the ledger's events do while it still
// keeps them all.
func TestLedgerAndMailboxesAPI(t *testing.T) {
	l := startLab(t, "consolidation.yaml", 4)
	post(t, l, Action{Op: "migrate"})
	post(t, l, Action{Op: "advance", Duration: "3h"})
	base := "http://" + l.Ports().Control

	var msgs []struct {
		ID     int
		Events []struct {
			Kind mailflow.EventKind `json:"kind"`
		} `json:"events"`
	}
	getJSON(t, base+"/api/ledger?limit=5", &msgs)
	var held []int
	counts := map[mailflow.Mailbox]int{}
	kept := 0
	l.Do(func() {
		led := l.e.w.Ledger()
		for _, m := range led.Messages() {
			held = append(held, m.ID)
		}
		evs := led.Events()
		kept = len(evs)
		for _, ev := range evs {
			if ev.Kind == mailflow.EvDeliver {
				counts[ev.Mailbox]++
			}
		}
	})
	require.Less(t, kept, labEvents, "the ledger still keeps every event of three hours")
	require.Len(t, msgs, 5)
	require.Greater(t, len(held), 50, "the ledger holds the last hour's messages (labSettle)")
	for i, m := range msgs {
		assert.Equal(t, held[len(held)-1-i], m.ID, "newest first")
	}
	for _, m := range msgs[2:] {
		require.NotEmpty(t, m.Events, "message %d", m.ID)
		assert.Equal(t, mailflow.EvSubmit, m.Events[0].Kind, "message %d starts with its submission", m.ID)
	}

	var rows []struct {
		Mailbox   mailflow.Mailbox `json:"mailbox"`
		Delivered int              `json:"delivered"`
	}
	getJSON(t, base+"/api/mailboxes", &rows)
	got := map[mailflow.Mailbox]int{}
	for _, r := range rows {
		got[r.Mailbox] = r.Delivered
	}
	require.NotEmpty(t, counts)
	assert.Equal(t, counts, got, fmt.Sprintf("%d mailboxes", len(counts)))
}
