// Package runbook builds the two source migrations of mailops as plans from a
// typed spec: the consolidation of a departmental mail domain into the tenant,
// and the cutover of an organisation's domain from an on-premises server.
//
// Every step carries its reason, its gate and its rollback; the plan renders
// as the PowerShell an administrator reviews, and runs through mailops.Runner
// against the fake tenant in the simulator or a real tenant.
package runbook
