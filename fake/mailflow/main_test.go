package mailflow_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs 30 random whole migrations per property unless -rapid.checks
// says otherwise: each check is a whole migration under traffic.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "rapid.checks" })
	if !explicit {
		_ = flag.Set("rapid.checks", "30")
	}
	os.Exit(m.Run())
}
