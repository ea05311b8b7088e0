package exoref_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/exoref"
)

func TestCheckScript(t *testing.T) {
	ref := exoref.Default()
	lines := []string{
		"# Plan: example", // 1
		"",                // 2
		"New-MgDomain -BodyParameter @{ Id = 'example.com' }",                                        // 3
		"Confirm-MgDomain -DomainId 'example.com'",                                                   // 4
		"New-DistributionGroup -Name 'Sales' -Members 'a@example.com','b@example.com' -Bogus $true",  // 5
		"New-AcceptedDomain -Name 'example.com' -DomainName 'example.com'",                           // 6
		"New-MailUser -Name 'x' -PrimarySmtpAddress 'x@example.com' -ExternalEmailAddress 'x@y.org'", // 7
		"#   Remove-DistributionGroup -Identity 'x' -Bogus:$false",                                   // 8
		"example.com. 3600 IN MX 0 example-com.mail.protection.outlook.com.",                         // 9
		"$cfg = Get-DkimSigningConfig -Identity 'example.com' | Where-Object Enabled -eq $true",      // 10
		"Set-Mailbox -Identity 'a' -Password (Get-Mailboxx -Identity 'b')",                           // 11
		"Set-DistributionGroup -Identity 'O’Brien'",                                                  // 12
		"Remove-DistributionGroup -Identity 'x' -Confirm:$false -ErrorAction Stop",                   // 13
	}
	type want struct {
		line     int
		sentinel error
	}
	var got []want
	for _, err := range ref.CheckScript(lines) {
		var le *exoref.LineError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, lines[le.Line-1], le.Text)
		assert.Contains(t, err.Error(), le.Text)
		var s error
		for _, cand := range []error{exoref.ErrUnknownCmdlet, exoref.ErrUnknownParameter, exoref.ErrOnPremisesOnly, exoref.ErrSyntax} {
			if errors.Is(err, cand) {
				s = cand
			}
		}
		got = append(got, want{le.Line, s})
	}
	assert.Equal(t, []want{
		{5, exoref.ErrUnknownParameter},
		{6, exoref.ErrOnPremisesOnly},
		{7, exoref.ErrOnPremisesOnly},
		{11, exoref.ErrUnknownCmdlet},
		{12, exoref.ErrSyntax},
	}, got)

	assert.Nil(t, ref.CheckScript(lines[:4]))
}
