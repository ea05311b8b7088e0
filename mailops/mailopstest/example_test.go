package mailopstest_test

import (
	"fmt"
	"strings"

	"github.com/mailops-dev/mailops/mailops/mailopstest"
)

// CaseNames lists the subtests RunConformanceTests runs; a harness can check
// that a run covered them all, and -run selects some by name.
func ExampleCaseNames() {
	for _, name := range mailopstest.CaseNames() {
		if strings.HasPrefix(name, "Failure/") {
			fmt.Println(name)
		}
	}
	// Output:
	// Failure/CancelledListIsNotEmpty
	// Failure/CancelledReadIsNotNotFound
	// Failure/CancelledWriteAppliesNothing
}
