package delegate

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops"
)

// scriptedReads is a ReplicaSource whose every read returns the next of its
// groups lists (the last one again once they run out).
type scriptedReads struct {
	reads [][]mailops.Group
	n     int
}

func (s *scriptedReads) ListGroups(context.Context) ([]mailops.Group, error) {
	gs := s.reads[min(s.n, len(s.reads)-1)]
	s.n++
	return gs, nil
}

func (s *scriptedReads) ListRecipients(context.Context) ([]mailops.Recipient, error) {
	return nil, nil
}

// One lagging admin read (the group missing, then its members as they were
// before) followed by a correct read records no drift and leaves the
// replica as it was; a real outside change is recorded exactly once, by the
// refresh after the one that first saw it.
func TestDriftNeedsTwoAgreeingReads(t *testing.T) {
	office := mailops.Address("office@depta.example.ac.jp")
	group := func(members ...mailops.Address) []mailops.Group {
		return []mailops.Group{{PrimaryAddress: office, Members: members, Owners: []mailops.Address{"admins@depta.example.ac.jp"}}}
	}
	src := &scriptedReads{reads: [][]mailops.Group{
		group(people[0]), // the first read
		nil,              // lagging: the group not visible yet
		group(people[0]), // correct again
		group(),          // lagging: as it was before its members were set
		group(people[0]), // correct again
		group(people[2]), // someone replaced the members in the admin center
		group(people[2]), // the next refresh agrees: drift
		group(people[2]),
		group(people[2]),
	}}
	s := sim.New(3)
	t.Cleanup(s.Close)
	st, _, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "delegate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	f := &Refresher{Store: st, Source: src, Config: testConfig, Clock: s}
	members := func(ctx context.Context) string {
		rep, err := st.Replica(ctx)
		if err != nil {
			return err.Error()
		}
		g, ok := rep.Group(office)
		if !ok {
			return "no group"
		}
		return groupState(g)
	}
	var recorded [][]Drift
	var states []string
	var ferr error
	s.Go(func() {
		ctx := context.Background()
		for range src.reads {
			ds, err := f.Refresh(ctx)
			if err != nil {
				ferr = err
				return
			}
			recorded, states = append(recorded, ds), append(states, members(ctx))
			if err := s.Sleep(ctx, 5*time.Minute); err != nil {
				ferr = err
				return
			}
		}
	})
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if ferr != nil {
		t.Fatal(ferr)
	}
	for i, ds := range recorded {
		want := 0
		if i == 6 {
			want = 1
		}
		if len(ds) != want {
			t.Errorf("refresh %d recorded %+v, want %d drift", i+1, ds, want)
		}
		wantState := "members=[u1@example.ac.jp]"
		if i >= 6 {
			wantState = "members=[u3@example.ac.jp]"
		}
		if !strings.HasPrefix(states[i], wantState+" ") {
			t.Errorf("after refresh %d the replica holds %q, want %s", i+1, states[i], wantState)
		}
	}
	all, err := DriftOf(context.Background(), st, "depta.example.ac.jp", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("drift log %+v, want exactly one entry", all)
	}
	if d := all[0].Drift; d.Address != office || d.Change != "changed" ||
		!strings.HasPrefix(d.Old, "members=[u1@example.ac.jp] ") || !strings.HasPrefix(d.New, "members=[u3@example.ac.jp] ") {
		t.Fatalf("drift entry %+v", d)
	}
	if n, err := st.VerifyAudit(context.Background()); err != nil || n != 1 {
		t.Fatalf("audit: %d %v, want the one drift entry", n, err)
	}
}
