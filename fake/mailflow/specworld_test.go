package mailflow_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func loadSpec(t *testing.T, edit func(string) string) *spec.File {
	t.Helper()
	src, err := os.ReadFile("testdata/spec/depta.yaml")
	require.NoError(t, err)
	s := string(src)
	if edit != nil {
		s = edit(s)
	}
	f, err := spec.Parse(strings.NewReader(s), "depta.yaml")
	require.NoError(t, err)
	return f
}

// runSpec migrates the spec's department under traffic, then probes every
// address once the migration is done.
func runSpec(t *testing.T, f *spec.File, seed uint64) (*mailflow.SpecWorld, mailflow.Report) {
	t.Helper()
	w, err := mailflow.NewSpecWorld(testConfig(seed), f)
	require.NoError(t, err)
	ms := w.StartMigrations(w.Start.Add(30*time.Minute), nil)
	require.NoError(t, w.Scheduler().RunFor(72*time.Hour))
	for _, m := range ms {
		require.True(t, m.Done)
		require.NoError(t, m.Err)
	}
	w.Probe(w.Scheduler().Now())
	require.NoError(t, w.Scheduler().RunFor(72*time.Hour))
	return w, w.Check()
}

// A user's own department, from its spec: no mail lost, and every address
// delivers in Exchange Online exactly where the legacy server delivered.
func TestSpecWorldMigratesWithoutLossAndTheSameDeliveries(t *testing.T) {
	w, rep := runSpec(t, loadSpec(t, nil), 5)
	assert.True(t, rep.NoLoss(), rep.String())
	assert.Positive(t, rep.Delivered)
	assert.Empty(t, w.Differential())
}

// The differential check catches a deliberately wrong mapping: the spec's
// group for lab@ forgets the emeritus professor, whom the legacy server's
// alias reaches.
func TestDifferentialCatchesAWrongMapping(t *testing.T) {
	f := loadSpec(t, func(s string) string {
		return strings.Replace(s, "targets: [bob@example.ac.jp, prof.emeritus@gmail.example]", "targets: [bob@example.ac.jp]", 1)
	})
	w, _ := runSpec(t, f, 5)
	mm := w.Differential()
	require.Len(t, mm, 1)
	assert.Equal(t, "lab@depta.example.ac.jp", mm[0].Address)
	assert.Equal(t, []string{"bob@example.ac.jp", "prof.emeritus@gmail.example"}, mm[0].Legacy)
	assert.Equal(t, []string{"bob@example.ac.jp"}, mm[0].EXO)
	assert.Contains(t, mm[0].String(), "aliases:3", "the report names the alias chain")
}

// A zone whose SPF record the department's legacySPF does not name would
// publish two SPF records after the switch: the world refuses it at once,
// naming the field, instead of a DNS gate that never opens.
func TestSpecWorldRefusesAnUnnamedLegacySPF(t *testing.T) {
	f := loadSpec(t, func(s string) string {
		return strings.Replace(s, "    legacySPF: \"v=spf1 a:mx.depta.example.ac.jp -all\"\n", "", 1)
	})
	_, err := mailflow.NewSpecWorld(testConfig(5), f)
	var ve *mailops.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "departments[0].legacySPF", ve.Field)
}
