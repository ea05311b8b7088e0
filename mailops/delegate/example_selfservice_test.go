package delegate_test

import (
	"fmt"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// An employee's request to join a group: the members after the change are
// the ones they saw plus themselves, guarded by what they saw.
func ExampleMembership() {
	seen := []mailops.Address{"sato@example.ac.jp"}
	r := delegate.Membership("office@dept.example.ac.jp", "suzuki@example.ac.jp", seen, true)
	fmt.Println(r.Kind, r.Address(), r.Targets, r.From)
	cfg := delegate.Config{Domains: []delegate.DomainConfig{{Name: "dept.example.ac.jp", AdminGroup: "admins@dept.example.ac.jp"}}}
	fmt.Println("needs IT:", cfg.NeedsApproval(r))
	// Output:
	// join_group office@dept.example.ac.jp [sato@example.ac.jp suzuki@example.ac.jp] [sato@example.ac.jp]
	// needs IT: true
}
