package delegate

import (
	"fmt"
	"strings"
)

// psq quotes s as a PowerShell single-quoted string.
func psq(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ManagementScope renders, for one delegated domain, the Exchange Online
// commands that enforce the service's boundary inside Exchange too: a
// management scope over the recipients whose primary address is in the
// domain, and a role group giving the domain's admin group the Distribution
// Groups role within that scope only. An admin who bypasses the service (in
// the admin center or PowerShell) then still cannot touch another domain's
// addresses.
func (c Config) ManagementScope(domain string) (string, error) {
	d, ok := c.Domain(domain)
	if !ok {
		return "", fmt.Errorf("delegate: domain %q is not delegated", domain)
	}
	scope := "delegate " + d.Name
	filter := fmt.Sprintf("PrimarySmtpAddress -like '*@%s'", d.Name)
	return strings.Join([]string{
		fmt.Sprintf("# Exchange-side boundary for %s: its admins manage only its recipients.", d.Name),
		fmt.Sprintf("New-ManagementScope -Name %s -RecipientRestrictionFilter %q", psq(scope), filter),
		fmt.Sprintf("New-RoleGroup -Name %s -Roles 'Distribution Groups' -CustomRecipientWriteScope %s -Members %s",
			psq(scope+" admins"), psq(scope), psq(string(d.AdminGroup))),
	}, "\n") + "\n", nil
}
