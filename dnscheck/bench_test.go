package dnscheck_test

import (
	"testing"

	"github.com/mailops-dev/mailops/dnscheck"
)

// BenchmarkCheckInProcess is a full Check (every finding family, the SPF
// walk and evaluation, DKIM, DMARC, autodiscover) against the fake DNS
// in-process, for a switched domain whose legacy server still sends.
func BenchmarkCheckInProcess(b *testing.B) {
	a := switchedZone(b)
	spec := baseSpec(dnscheck.Switched)
	spec.Domain = dom
	b.ReportAllocs()
	queries := 0
	for b.Loop() {
		r, err := dnscheck.Check(bg, a, spec)
		if err != nil || !r.Safe() {
			b.Fatal(err, r.Table())
		}
		queries = r.Queries
	}
	b.ReportMetric(float64(queries), "queries/check")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}
