package mailflow_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// Each verdict of the oracle, produced by a small world that does exactly
// the wrong thing, with the cause the report must give.
func TestOracleVerdicts(t *testing.T) {
	const d = "legacy.example"
	alice, bob := mailops.Address("alice@"+d), mailops.Address("bob@"+d)
	cases := []struct {
		name  string
		setup func(w *mailflow.World, l *mailflow.Legacy) mailops.Address
		run   time.Duration
		class mailflow.Class
		cause string
	}{
		{"delivered to someone else's mailbox", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			team := mailops.Address("team@" + d)
			l.SetAlias(team, bob) // the people of team are alice only
			w.Expect().Address(team, "alice")
			return team
		}, time.Hour, mailflow.Misdelivered, "not a mailbox of team@legacy.example"},
		{"delivered twice to the same person", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			both := mailops.Address("both@" + d)
			l.SetAlias(both, alice, "alice.copy@"+d)
			l.AddMailbox("alice.copy@" + d)
			w.Expect().Address(both, "alice")
			w.Expect().Reads("alice", mailflow.LegacyMailbox("alice.copy@"+d), time.Time{}, time.Time{})
			return both
		}, time.Hour, mailflow.Duplicated, "delivered more than once"},
		{"delivered to a mailbox its owner does not read yet", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			late := mailops.Address("late@" + d)
			l.AddMailbox(late)
			w.Expect().Address(late, "late")
			w.Expect().Reads("late", mailflow.LegacyMailbox(late), w.Scheduler().Now().Add(24*time.Hour), time.Time{})
			return late
		}, time.Hour, mailflow.Lost, "while its owner did not read it"},
		{"still queued at the horizon", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			l.Stop()
			return alice
		}, 3 * time.Hour, mailflow.Lost, "neither delivered nor bounced by the horizon (deferred"},
		{"mail to an address nobody declared, delivered", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			l.AddMailbox("stray@" + d)
			return "stray@" + d
		}, time.Hour, mailflow.Misdelivered, "which is not a mailbox of stray@legacy.example"},
		{"a valid address bounced", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			w.Expect().Address("gone@"+d, "gone")
			return "gone@" + d
		}, time.Hour, mailflow.Bounced, "550 5.1.1"},
		{"a forwarding loop", func(w *mailflow.World, l *mailflow.Legacy) mailops.Address {
			l.SetForward(alice, bob, false)
			l.SetForward(bob, alice, false)
			return alice
		}, time.Hour, mailflow.Looped, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := instantWorld(mailflow.Config{Seed: 3})
			l := w.AddLegacy("mx."+d, time.Hour, d)
			for _, p := range []mailops.Address{alice, bob} {
				l.AddMailbox(p)
				w.Expect().Address(p, p.Local())
				w.Expect().Reads(p.Local(), mailflow.LegacyMailbox(p), time.Time{}, time.Time{})
			}
			to := c.setup(w, l)
			m := w.SendFromInternet("x@outside.example", "X", to)
			mustRun(t, w, c.run)
			rep := w.Check()
			require.Equal(t, 1, rep.Sent)
			require.Len(t, rep.Violations, 1, rep.String())
			v := rep.Violations[0]
			assert.Equal(t, m.ID, v.Msg)
			assert.Equal(t, to, v.To)
			assert.Equal(t, c.class, v.Class, rep.String())
			assert.Contains(t, v.Cause, c.cause)
			assert.False(t, rep.NoLoss() && c.class != mailflow.Duplicated, "only a duplicate is not loss")
		})
	}
}
