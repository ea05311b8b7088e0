package mailopstest

import (
	"sort"
	"testing"
)

// testCase is one subtest of the suite.
type testCase struct {
	name string
	run  func(f *fixture)
}

func allCases() []testCase {
	var cases []testCase
	for _, cs := range [][]testCase{domainCases, acceptedCases, recipientCases, contactCases, forwardingCases, groupCases, groupTypeCases,
		outboundCases, inboundCases, remoteDomainCases, remoteForwardCases, outboundSpamCases, dkimCases, traceCases,
		takeoverCases, failureCases} {
		cases = append(cases, cs...)
	}
	return cases
}

// RunConformanceTests runs every case as a subtest of t, each against its
// own Harness from newHarness.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) { c.run(newFixture(t, newHarness)) })
	}
}

// CaseNames lists the suite's cases (subtest names), sorted, so that a
// harness can check that a run covered them all.
func CaseNames() []string {
	var out []string
	for _, c := range allCases() {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}
