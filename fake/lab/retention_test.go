package lab

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// labRun is what a lab shows of a run at one instant.
type labRun struct {
	Grade     Grade
	Digest    string
	Delivered map[mailflow.Mailbox]int
	Timeline  []string
}

// runRetaining runs scenario name (with steady extra traffic for four days)
// under retention r for six virtual days, migrating at 30 minutes, and
// returns what the lab shows at the end of each day.
func runRetaining(t *testing.T, name string, r mailflow.Retention) ([]labRun, *mailflow.Ledger) {
	t.Helper()
	sc := loadScenario(t, name)
	sc.Traffic = append(sc.Traffic, TrafficProfile{Name: "days", For: spec.Duration(96 * time.Hour), PerHour: 60,
		From: []string{"someone@outside.example", "alice@example.ac.jp"}})
	e, err := newEngineRetaining(sc, 9, r)
	require.NoError(t, err)
	t.Cleanup(func() { e.w.Scheduler().Close() })
	e.stepTo(e.w.start.Add(30 * time.Minute))
	if sc.MigrateAt == nil {
		_, err := e.act(Action{Op: "migrate"}, nil)
		require.NoError(t, err)
	}
	var runs []labRun
	for day := 1; day <= 6; day++ {
		e.stepTo(e.w.start.Add(time.Duration(day) * 24 * time.Hour))
		require.NoError(t, e.err)
		run := labRun{Grade: e.grade(nil), Digest: e.watch.sum(), Delivered: e.watch.delivered}
		es, _ := e.tl.since(0)
		for _, x := range es {
			run.Timeline = append(run.Timeline, fmt.Sprintf("%s %s %s", x.At.Format(time.RFC3339), x.Kind, x.Text))
		}
		runs = append(runs, run)
	}
	return runs, e.w.Ledger()
}

// TestLabRetentionKeepsEveryVerdict runs scenarios with steady traffic for
// days under the lab's retention and keeping everything, from the same
// seed: at the end of every day the grade (the oracle's report, in flight,
// checks and checkpoints), the digest, the deliveries per mailbox and the
// timeline are the same, while the lab's ledger has settled and forgotten
// the old messages and kept only its last events.
func TestLabRetentionKeepsEveryVerdict(t *testing.T) {
	for _, name := range []string{"consolidation-scripted.yaml", "exercises/empty-group.yaml", "exercises/forward-loop.yaml"} {
		t.Run(name, func(t *testing.T) {
			all, full := runRetaining(t, name, mailflow.Retention{})
			counted := map[mailflow.Mailbox]int{}
			for _, ev := range full.Events() {
				if ev.Kind == mailflow.EvDeliver {
					counted[ev.Mailbox]++
				}
			}
			assert.Equal(t, counted, all[len(all)-1].Delivered, "the running counts are the whole ledger's")
			lab, led := runRetaining(t, name, labRetention())
			require.Len(t, lab, len(all))
			for i := range all {
				assert.Equal(t, all[i], lab[i], "day %d", i+1)
			}
			last := all[len(all)-1].Grade
			require.Greater(t, last.Oracle.Sent, 5000, "days of traffic")
			t.Logf("%s: sent %d, delivered %d, lost %d, looped %d, bounced %d", name, last.Oracle.Sent, last.Oracle.Delivered,
				last.Oracle.Lost, last.Oracle.Looped, last.Oracle.Bounced)
			assert.Zero(t, led.Late(), "no event after its pair settled")
			msgs := led.Messages()
			require.NotEmpty(t, msgs)
			assert.Greater(t, msgs[0].ID, last.Oracle.Sent/2, "the lab's ledger forgot the settled messages")
			assert.Len(t, led.Events(), labEvents, "the lab's ledger keeps its last events")
		})
	}
}
