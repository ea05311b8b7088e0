package mailopstest

import (
	"sort"
	"testing"
)

type testCase struct {
	name string
	run  func(f *fixture)
}

// RunConformanceTests runs every case against the backend newHarness adapts.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	var cases []testCase
	cases = append(cases, domainCases...)
	cases = append(cases, recipientCases...)
	cases = append(cases, groupCases...)
	cases = append(cases, connectorCases...)
	cases = append(cases, remoteDomainCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(newFixture(t, newHarness)) })
	}
}

// CaseNames lists the suite's cases, for documentation and for checking that
// a run covered them all.
func CaseNames() []string {
	var out []string
	for _, cs := range [][]testCase{domainCases, recipientCases, groupCases, connectorCases, remoteDomainCases} {
		for _, c := range cs {
			out = append(out, c.name)
		}
	}
	sort.Strings(out)
	return out
}
