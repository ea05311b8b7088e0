package exoref_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/exoref"
)

func TestParseLine(t *testing.T) {
	cases := []struct {
		name   string
		line   string
		cmdlet string // "" means ok is false
		params []string
	}{
		{"group with list and bool", `New-DistributionGroup -Name 'Sales (dept)' -PrimarySmtpAddress 'a@b' -Members 'x@y','z@w' -ManagedBy 'o@b' -RequireSenderAuthenticationEnabled $false`,
			"New-DistributionGroup", []string{"Name", "PrimarySmtpAddress", "Members", "ManagedBy", "RequireSenderAuthenticationEnabled"}},
		{"switch with colon value", `Remove-DistributionGroup -Identity 'x' -Confirm:$false`,
			"Remove-DistributionGroup", []string{"Identity", "Confirm"}},
		{"hashtable value", `Set-Mailbox -Identity 'a' -EmailAddresses @{Add='smtp:x@y','smtp:z@w'}`,
			"Set-Mailbox", []string{"Identity", "EmailAddresses"}},
		{"hashtable with a dash inside", `Set-Mailbox -Identity 'a' -EmailAddresses @{Remove='smtp:-Foo@y'; Add = 'smtp:z@w'}`,
			"Set-Mailbox", []string{"Identity", "EmailAddresses"}},
		{"sub-expression argument", `New-Mailbox -Name 'a' -MicrosoftOnlineServicesID 'a@b' -Password (Read-Host -AsSecureString)`,
			"New-Mailbox", []string{"Name", "MicrosoftOnlineServicesID", "Password"}},
		{"assignment", `$cfg = Get-DkimSigningConfig -Identity 'x'`, "Get-DkimSigningConfig", []string{"Identity"}},
		{"assignment without spaces", `$cfg=Get-DkimSigningConfig -Identity 'x'`, "Get-DkimSigningConfig", []string{"Identity"}},
		{"compound assignment", `$all += Get-Mailbox -ResultSize 10`, "Get-Mailbox", []string{"ResultSize"}},
		{"pipeline gives the first command", `Get-Recipient -Identity 'x' | Where-Object { $_.Name -eq 'y' }`, "Get-Recipient", []string{"Identity"}},
		{"comment", `# New-Mailbox -Name 'x'`, "", nil},
		{"indented comment", `   #   Remove-DistributionGroup -Identity 'x' -Confirm:$false`, "", nil},
		{"blank", ``, "", nil},
		{"spaces", "  \t ", "", nil},
		{"zone MX line", `example.com. 3600 IN MX 10 example-com.mail.protection.outlook.com.`, "", nil},
		{"zone line with a Verb-Noun-shaped name", `Mail-Relay 3600 IN A 192.0.2.1`, "", nil},
		{"zone line without ttl or class", `Mail-Relay A 192.0.2.1`, "", nil},
		{"zone TXT line", `example.com. 3600 IN TXT "v=spf1 include:spf.protection.outlook.com -all"`, "", nil},
		{"no command", `$x.Name -eq 'y'`, "", nil},
		{"dash inside single quotes", `Set-User -Identity 'a -Foo b' -Bar 1`, "Set-User", []string{"Identity", "Bar"}},
		{"doubled apostrophe", `Set-User -Identity 'O''Brien -Foo' -Bar 1`, "Set-User", []string{"Identity", "Bar"}},
		{"typographic quotes doubled", "Set-User -Identity 'O\u2019\u2019Brien -Foo \u2018\u2018x\u201b\u201b' -Bar 1", "Set-User", []string{"Identity", "Bar"}},
		{"typographic quote closes", "Set-User -Identity \u2018a -Foo\u2019 -Bar 1", "Set-User", []string{"Identity", "Bar"}},
		{"double quotes with escapes", "Set-User -Identity \"a `\" -Foo \"\" -Baz\" -Bar 1", "Set-User", []string{"Identity", "Bar"}},
		{"sub-expression in double quotes", `Set-User -Identity "a $(Get-Date -Format 'x)') -Foo" -Bar 1`, "Set-User", []string{"Identity", "Bar"}},
		{"array sub-expression", `Set-DistributionGroup -Identity 'g' -ManagedBy @('a -Foo','b')`, "Set-DistributionGroup", []string{"Identity", "ManagedBy"}},
		{"empty array", `New-DistributionGroup -Name 'g' -Members @()`, "New-DistributionGroup", []string{"Name", "Members"}},
		{"braced variable", `Set-User -Identity ${a -Foo} -Bar 1`, "Set-User", []string{"Identity", "Bar"}},
		{"parameter with quoted colon value", `Set-User -Identity:'a b' -Bar:1`, "Set-User", []string{"Identity", "Bar"}},
		{"en dash parameter", "Set-User \u2013Identity 'a'", "Set-User", []string{"Identity"}},
		{"negative number is an argument", `Get-Date -Day -5`, "Get-Date", []string{"Day"}},
		{"escaped dash is an argument", "Set-User -Identity `-Foo", "Set-User", []string{"Identity"}},
		{"after -- no parameters", `Set-User -Identity -- -Foo`, "Set-User", []string{"Identity"}},
		{"stop parsing", `Set-User -Identity --% -Foo | Bar-Baz -Qux`, "Set-User", []string{"Identity"}},
		{"trailing comment", `Set-User -Identity 'a' # -Foo`, "Set-User", []string{"Identity"}},
		{"block comment", `Set-User <# -Foo #> -Identity 'a'`, "Set-User", []string{"Identity"}},
		{"no parameters", `Get-AcceptedDomain`, "Get-AcceptedDomain", nil},
		{"graph cmdlet", `New-MgDomain -BodyParameter @{ Id = 'x' }`, "New-MgDomain", []string{"BodyParameter"}},
		{"unterminated quote", `Set-User -Identity 'a`, "", nil},
		{"unterminated group", `Set-User -Identity (a`, "", nil},
		{"stray bracket", `Set-User -Identity a)`, "", nil},
		{"quoted command name", `'Set-User' -Identity 'a'`, "", nil},
		{"not Verb-Noun", `Set-User-X -Identity 'a'`, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmdlet, params, ok := exoref.ParseLine(c.line)
			assert.Equal(t, c.cmdlet != "", ok)
			assert.Equal(t, c.cmdlet, cmdlet)
			assert.Equal(t, c.params, params)
		})
	}
}

func TestParseCommands(t *testing.T) {
	cases := []struct {
		name string
		line string
		want []exoref.Command
	}{
		{"pipeline", `Get-Recipient -Identity 'x' | Where-Object RecordType -eq 'Txt' | Set-Mailbox -HiddenFromAddressListsEnabled $true`,
			[]exoref.Command{{Name: "Get-Recipient", Params: []string{"Identity"}}, {Name: "Where-Object", Params: []string{"eq"}}, {Name: "Set-Mailbox", Params: []string{"HiddenFromAddressListsEnabled"}}}},
		{"pipeline from an expression", `'a','b' | ForEach-Object { Set-Mailbox -Identity $_ -Type Shared }`,
			[]exoref.Command{{Name: "ForEach-Object"}, {Name: "Set-Mailbox", Params: []string{"Identity", "Type"}}}},
		{"outer command before nested ones", `New-Mailbox -Name 'a' -Password (Read-Host -AsSecureString) -Alias (Get-Random -Maximum 9)`,
			[]exoref.Command{{Name: "New-Mailbox", Params: []string{"Name", "Password", "Alias"}}, {Name: "Read-Host", Params: []string{"AsSecureString"}}, {Name: "Get-Random", Params: []string{"Maximum"}}}},
		{"nested pipeline", `Set-Mailbox -Identity (Get-Mailbox -Identity 'a' | Select-Object -First 1).Identity`,
			[]exoref.Command{{Name: "Set-Mailbox", Params: []string{"Identity"}}, {Name: "Get-Mailbox", Params: []string{"Identity"}}, {Name: "Select-Object", Params: []string{"First"}}}},
		{"statements and chains", `Get-Mailbox; Get-MailUser -Identity 'a' && Get-Recipient -Filter 'x' || Write-Host 'no'`,
			[]exoref.Command{{Name: "Get-Mailbox"}, {Name: "Get-MailUser", Params: []string{"Identity"}}, {Name: "Get-Recipient", Params: []string{"Filter"}}, {Name: "Write-Host"}}},
		{"hashtable value command", `$h = @{ Key = Get-Mailbox -Identity 'a'; 'Other-Key' = 1 }`,
			[]exoref.Command{{Name: "Get-Mailbox", Params: []string{"Identity"}}}},
		{"hashtable keys are not commands", `@{ Get-Mailbox = 1 }`, nil},
		{"double-quoted sub-expression", `Write-Host "found $(Get-Mailbox -Identity 'a' -Foo)"`,
			[]exoref.Command{{Name: "Write-Host"}, {Name: "Get-Mailbox", Params: []string{"Identity", "Foo"}}}},
		{"graph verification lookup", `(Get-MgDomainVerificationDnsRecord -DomainId 'x' | Where-Object RecordType -eq 'Txt')`,
			[]exoref.Command{{Name: "Get-MgDomainVerificationDnsRecord", Params: []string{"DomainId"}}, {Name: "Where-Object", Params: []string{"eq"}}}},
		{"stop parsing hides the rest of the line", `Set-User -Identity --% -Foo | Bar-Baz -Qux`, []exoref.Command{{Name: "Set-User", Params: []string{"Identity"}}}},
		{"line continuation", "Set-User -Identity 'a' `\n  -Bar 1", []exoref.Command{{Name: "Set-User", Params: []string{"Identity", "Bar"}}}},
		{"comment hides the rest of its line only", "Get-Mailbox # | Set-X -Y\nGet-User -Z 1",
			[]exoref.Command{{Name: "Get-Mailbox"}, {Name: "Get-User", Params: []string{"Z"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := exoref.ParseCommands(c.line)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestParseCommandsSyntaxErrors(t *testing.T) {
	deep := ""
	for range 100 {
		deep += "("
	}
	for _, line := range []string{
		`Set-User -Identity 'a`,
		`Set-User -Identity "a`,
		`Set-User -Identity "a $(Get-Date"`,
		`Set-User -Identity (a`,
		`Set-User -Identity @{a=1`,
		`Set-User -Identity a)`,
		`Set-User -Identity (a}`,
		`Set-User -Identity ${a`,
		`Set-User <# -Identity`,
		"Set-User -Identity 'O\u2019Brien'",
		deep,
	} {
		t.Run(line, func(t *testing.T) {
			_, err := exoref.ParseCommands(line)
			require.Error(t, err)
			assert.True(t, errors.Is(err, exoref.ErrSyntax), "%v", err)
			_, _, ok := exoref.ParseLine(line)
			assert.False(t, ok)
		})
	}
}
