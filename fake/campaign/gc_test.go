package campaign_test

import (
	"runtime/debug"
	"testing"

	"github.com/mailops-dev/mailops/fake/campaign"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGCSetsAndRestoresTheTarget(t *testing.T) {
	before := gcPercent()
	t.Setenv("GOGC", "")
	restore := campaign.TuneGC()
	if got := gcPercent(); got != campaign.GCPercent {
		t.Errorf("target %d while tuned, want %d", got, campaign.GCPercent)
	}
	restore()
	if got := gcPercent(); got != before {
		t.Errorf("target %d after restore, want %d", got, before)
	}
}

func TestTuneGCLeavesAnExplicitGOGC(t *testing.T) {
	before := gcPercent()
	t.Setenv("GOGC", "50")
	restore := campaign.TuneGC()
	defer restore()
	if got := gcPercent(); got != before {
		t.Errorf("target %d with GOGC set, want it left at %d", got, before)
	}
}
