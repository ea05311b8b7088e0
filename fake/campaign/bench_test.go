package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/mailops/legacy"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// department1000 is an aliases file of a 1,000-address department whose
// addresses deliver to one to three of 200 people with tenant mailboxes.
func department1000() string {
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "addr%04d: ", i)
		for j := 0; j <= i%3; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "user%03d@example.ac.jp", (i*7+j*13)%200)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// BenchmarkImportSimulate1000 is one op = import a 1,000-address
// department's aliases file into a spec, then simulate it under one seed
// (the migration under traffic, the probes and the differential check).
func BenchmarkImportSimulate1000(b *testing.B) {
	src := department1000()
	for b.Loop() {
		al, err := legacy.ParseAliases(strings.NewReader(src), "aliases")
		if err != nil {
			b.Fatal(err)
		}
		res, err := spec.Import(&legacy.Server{LocalDomains: []string{"depta.example.ac.jp"}, Aliases: al}, nil, spec.ImportOptions{
			Kind: spec.Consolidation, Domain: "depta.example.ac.jp", LegacyMX: "mx.depta.example.ac.jp", TenantDomains: []string{"example.ac.jp"},
			Admins: spec.Admins{Group: "depta-admins@example.ac.jp", Owners: []string{"user000@example.ac.jp"}}})
		if err != nil {
			b.Fatal(err)
		}
		f := res.File
		f.Traffic = spec.Traffic{PerHour: 200, Duration: spec.Duration(12 * 3600e9)}
		if err := f.Validate(); err != nil {
			b.Fatal(err)
		}
		out, err := campaign.Run(context.Background(), f, []uint64{1}, campaign.Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		if !out[0].Safe() {
			b.Fatalf("unsafe: %+v %v %v", out[0].Counts, out[0].Diff, out[0].Errors)
		}
	}
}
