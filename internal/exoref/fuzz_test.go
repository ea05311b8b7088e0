package exoref_test

import (
	"strings"
	"testing"

	"github.com/mailops-dev/mailops/internal/exoref"
)

// FuzzParseLine: no panic; an ok line yields a Verb-Noun name and parameter
// names with no dash or colon; ParseLine agrees with ParseCommands.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`New-DistributionGroup -Name 'Sales (dept)' -Members 'x@y','z@w' -RequireSenderAuthenticationEnabled $false`,
		`Remove-DistributionGroup -Identity 'x' -Confirm:$false`,
		`Set-Mailbox -Identity 'a' -EmailAddresses @{Add='smtp:x@y','smtp:z@w'}`,
		`New-Mailbox -Name 'a' -Password (Read-Host -AsSecureString)`,
		`$cfg = Get-DkimSigningConfig -Identity 'x' | Where-Object { $_.Enabled }`,
		"Set-User -Identity 'O\u2019\u2019Brien' \u2013Bar \"a $(Get-Date) `\" b\" ${x} <# c #> # d",
		`example.com. 3600 IN MX 10 x.mail.protection.outlook.com.`,
		`Set-User -Identity --% -Foo | x`,
		"((((",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmdlet, params, ok := exoref.ParseLine(line)
		cmds, err := exoref.ParseCommands(line)
		if ok != (err == nil && len(cmds) > 0) {
			t.Fatalf("ParseLine ok %v, ParseCommands %d commands, err %v", ok, len(cmds), err)
		}
		if !ok {
			return
		}
		if cmdlet != cmds[0].Name {
			t.Fatalf("ParseLine %q, ParseCommands %q", cmdlet, cmds[0].Name)
		}
		for _, c := range cmds {
			verb, noun, found := strings.Cut(c.Name, "-")
			if !found || verb == "" || noun == "" || strings.Contains(noun, "-") || strings.ContainsAny(c.Name, " \t'\"$(){}") {
				t.Fatalf("command %q is not Verb-Noun", c.Name)
			}
			if !strings.Contains(line, c.Name) {
				t.Fatalf("command %q not in the line", c.Name)
			}
		}
		for _, p := range params {
			if p == "" || strings.ContainsAny(p, ": \t") || strings.HasPrefix(p, "-") {
				t.Fatalf("parameter %q", p)
			}
		}
	})
}
