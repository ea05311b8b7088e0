package campaign_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func load(t *testing.T, edit func(string) string) *spec.File {
	t.Helper()
	src, err := os.ReadFile("../mailflow/testdata/spec/depta.yaml")
	require.NoError(t, err)
	s := string(src)
	if edit != nil {
		s = edit(s)
	}
	f, err := spec.Parse(strings.NewReader(s), "depta.yaml")
	require.NoError(t, err)
	return f
}

func TestCampaignIsSafeAndReproducible(t *testing.T) {
	f := load(t, nil)
	calls := 0
	res, err := campaign.Run(context.Background(), f, []uint64{1, 2, 3, 4}, campaign.Options{Workers: 2, Progress: func(done, total int) {
		calls++
		assert.Equal(t, 4, total)
	}})
	require.NoError(t, err)
	require.Len(t, res, 4)
	assert.Equal(t, 4, calls)
	for _, r := range res {
		assert.True(t, r.Safe(), "seed %d: %+v %v %v", r.Seed, r.Counts, r.Diff, r.Errors)
		assert.Positive(t, r.Counts.Delivered)
		assert.Nil(t, r.Run, "no report kept for a safe seed")
	}
	again, err := campaign.Run(context.Background(), f, []uint64{3}, campaign.Options{Workers: 1})
	require.NoError(t, err)
	assert.Equal(t, res[2].Counts, again[0].Counts, "a seed reproduces its run whatever the parallelism")
}

// A spec whose group forgets a target the legacy server delivers to is
// unsafe on every seed, and its report says why.
func TestCampaignCatchesADifference(t *testing.T) {
	f := load(t, func(s string) string {
		return strings.Replace(s, "targets: [bob@example.ac.jp, prof.emeritus@gmail.example]", "targets: [bob@example.ac.jp]", 1)
	})
	res, err := campaign.Run(context.Background(), f, []uint64{1}, campaign.Options{})
	require.NoError(t, err)
	require.False(t, res[0].Safe())
	require.NotNil(t, res[0].Run)
	assert.Contains(t, res[0].Run.Notes[0], "lab@depta.example.ac.jp")
	// The report comes from a second run of the seed that kept every hop
	// (the first kept only outcomes).
	hops := 0
	for _, e := range res[0].Run.Events {
		if e.Kind == mailflow.EvHop {
			hops++
		}
	}
	assert.Positive(t, hops, "the unsafe seed's report has its hops")
}

// The user's own cutover (the manufacturer example imported from Sendmail's
// files) simulates safely: every user and department address delivers where
// the legacy server did, devices keep sending through the relay.
func TestCampaignCutoverSpec(t *testing.T) {
	f, err := spec.ParseFile("../../examples/specs/manufacturer/spec.yaml")
	require.NoError(t, err)
	res, err := campaign.Run(context.Background(), f, []uint64{1}, campaign.Options{})
	require.NoError(t, err)
	assert.True(t, res[0].Safe(), "%+v %v %v", res[0].Counts, res[0].Diff, res[0].Errors)
	assert.Positive(t, res[0].Counts.Delivered)

	// A department that forgets a member the legacy server delivers to is
	// caught by the differential check.
	f.Cutover.Departments[0].Members = f.Cutover.Departments[0].Members[:1]
	res, err = campaign.Run(context.Background(), f, []uint64{1}, campaign.Options{})
	require.NoError(t, err)
	require.False(t, res[0].Safe())
	require.NotEmpty(t, res[0].Diff)
	assert.Equal(t, f.Cutover.Departments[0].Address, res[0].Diff[0].Address)
}
