package exoref_test

import (
	"fmt"

	"github.com/mailops-dev/mailops/internal/exoref"
)

func Example() {
	ref := exoref.Default()

	// The Graph driver checks each InvokeCommand before sending it.
	fmt.Println(ref.CheckCmdlet("New-DistributionGroup", []string{"Name", "Member"}))
	fmt.Println(ref.CheckCmdlet("Add-DistributionGroupMember", []string{"Identity", "Member", "Confirm"}))
	fmt.Println(ref.CheckCmdlet("New-AcceptedDomain", []string{"Name"}))

	// Tests check rendered scripts line by line.
	for _, err := range ref.CheckScript([]string{
		"New-MgDomain -BodyParameter @{ Id = 'example.com' }",
		"New-MailUser -Name 'x' -PrimarySmtpAddress 'x@example.com' -ExternalEmailAddress 'x@example.org'",
	}) {
		fmt.Println(err)
	}
	// Output:
	// New-DistributionGroup -Member: unknown parameter in Exchange Online
	// <nil>
	// New-AcceptedDomain: on-premises-only cmdlet in Exchange Online
	// line 2: New-MailUser -PrimarySmtpAddress: on-premises-only parameter in Exchange Online: New-MailUser -Name 'x' -PrimarySmtpAddress 'x@example.com' -ExternalEmailAddress 'x@example.org'
}

func ExampleParseLine() {
	cmdlet, params, ok := exoref.ParseLine(`$cfg = Set-Mailbox -Identity 'a -b' -EmailAddresses @{Add='smtp:x@example.com'} -Confirm:$false`)
	fmt.Println(cmdlet, params, ok)
	_, _, ok = exoref.ParseLine("# Set-Mailbox -Identity 'a'")
	fmt.Println(ok)
	// Output:
	// Set-Mailbox [Identity EmailAddresses Confirm] true
	// false
}
