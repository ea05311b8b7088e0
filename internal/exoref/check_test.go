package exoref_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/exoref"
)

func TestCheckCmdlet(t *testing.T) {
	ref := exoref.Default()
	cases := []struct {
		name     string
		cmdlet   string
		params   []string
		sentinel error          // nil: no error
		want     []exoref.Error // the *Error values, in order
	}{
		{"documented", "New-DistributionGroup", []string{"Name", "PrimarySmtpAddress", "Members", "ManagedBy", "RequireSenderAuthenticationEnabled"}, nil, nil},
		{"no parameters", "Get-AcceptedDomain", nil, nil, nil},
		{"switch", "Remove-DistributionGroup", []string{"Identity", "Confirm"}, nil, nil},
		{"cloud-only parameter", "New-DistributionGroup", []string{"Name", "BccBlocked"}, nil, nil},
		{"common parameters", "Get-Mailbox", []string{"Identity", "ErrorAction", "WarningAction", "Verbose", "Debug", "ErrorVariable", "WarningVariable", "OutVariable", "OutBuffer", "PipelineVariable", "InformationAction", "InformationVariable", "ProgressAction"}, nil, nil},
		{"case-insensitive names", "new-distributiongroup", []string{"NAME", "primarysmtpaddress", "erroraction"}, nil, nil},
		{"unknown parameter", "New-MailUser", []string{"Name", "Foo"}, exoref.ErrUnknownParameter,
			[]exoref.Error{{Cmdlet: "New-MailUser", Parameter: "Foo", Reason: exoref.UnknownParameter}}},
		{"abbreviation refused", "Set-Mailbox", []string{"Ident"}, exoref.ErrUnknownParameter,
			[]exoref.Error{{Cmdlet: "Set-Mailbox", Parameter: "Ident", Reason: exoref.UnknownParameter}}},
		{"parameter with its dash refused", "Set-Mailbox", []string{"-Identity"}, exoref.ErrUnknownParameter,
			[]exoref.Error{{Cmdlet: "Set-Mailbox", Parameter: "-Identity", Reason: exoref.UnknownParameter}}},
		{"on-premises-only cmdlet", "New-AcceptedDomain", []string{"Name", "DomainName"}, exoref.ErrOnPremisesOnly,
			[]exoref.Error{{Cmdlet: "New-AcceptedDomain", Reason: exoref.OnPremisesOnlyCmdlet}}},
		{"on-premises-only cmdlet, any case", "enable-mailuser", nil, exoref.ErrOnPremisesOnly,
			[]exoref.Error{{Cmdlet: "enable-mailuser", Reason: exoref.OnPremisesOnlyCmdlet}}},
		// exo-cmdlets.json marks New-MailUser -PrimarySmtpAddress onPremisesOnly.
		{"on-premises-only parameter", "New-MailUser", []string{"Name", "primarySMTPaddress"}, exoref.ErrOnPremisesOnly,
			[]exoref.Error{{Cmdlet: "New-MailUser", Parameter: "primarySMTPaddress", Reason: exoref.OnPremisesOnlyParameter}}},
		{"unknown cmdlet", "New-DistributionGroupp", []string{"Name"}, exoref.ErrUnknownCmdlet,
			[]exoref.Error{{Cmdlet: "New-DistributionGroupp", Reason: exoref.UnknownCmdlet}}},
		{"several wrong parameters", "Set-MailUser", []string{"Identity", "Bar", "RecipientLimits", "PrimarySmtpAddress"}, exoref.ErrUnknownParameter,
			[]exoref.Error{
				{Cmdlet: "Set-MailUser", Parameter: "Bar", Reason: exoref.UnknownParameter},
				{Cmdlet: "Set-MailUser", Parameter: "RecipientLimits", Reason: exoref.OnPremisesOnlyParameter},
				{Cmdlet: "Set-MailUser", Parameter: "PrimarySmtpAddress", Reason: exoref.OnPremisesOnlyParameter},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ref.CheckCmdlet(c.cmdlet, c.params)
			if c.sentinel == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, c.sentinel)
			assert.Equal(t, c.want, errorsOf(err))
			var e *exoref.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, c.want[0], *e)
		})
	}
}

// errorsOf flattens an *Error or a join of them.
func errorsOf(err error) []exoref.Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []exoref.Error
		for _, e := range j.Unwrap() {
			out = append(out, errorsOf(e)...)
		}
		return out
	}
	if e, ok := err.(*exoref.Error); ok {
		return []exoref.Error{*e}
	}
	return nil
}

func TestErrorSentinels(t *testing.T) {
	all := []error{exoref.ErrUnknownCmdlet, exoref.ErrUnknownParameter, exoref.ErrOnPremisesOnly}
	for reason, want := range map[exoref.Reason]error{
		exoref.UnknownCmdlet:           exoref.ErrUnknownCmdlet,
		exoref.UnknownParameter:        exoref.ErrUnknownParameter,
		exoref.OnPremisesOnlyCmdlet:    exoref.ErrOnPremisesOnly,
		exoref.OnPremisesOnlyParameter: exoref.ErrOnPremisesOnly,
	} {
		e := &exoref.Error{Cmdlet: "Set-X", Parameter: "Y", Reason: reason}
		for _, s := range all {
			assert.Equal(t, s == want, errors.Is(e, s), "%s is %v", reason, s)
		}
		assert.Contains(t, e.Error(), string(reason))
	}
	assert.Equal(t, "New-MailUser -Foo: unknown parameter in Exchange Online",
		(&exoref.Error{Cmdlet: "New-MailUser", Parameter: "Foo", Reason: exoref.UnknownParameter}).Error())
	assert.Equal(t, "New-AcceptedDomain: on-premises-only cmdlet in Exchange Online",
		(&exoref.Error{Cmdlet: "New-AcceptedDomain", Reason: exoref.OnPremisesOnlyCmdlet}).Error())
}

func TestIsExchangeCmdlet(t *testing.T) {
	ref := exoref.Default()
	for name, want := range map[string]bool{
		"New-DistributionGroup":             true,
		"new-distributiongroup":             true,
		"New-AcceptedDomain":                true, // listed, on-premises only: CheckCmdlet refuses it
		"New-DistributionGroupp":            true, // misspelt: CheckCmdlet reports it unknown
		"Get-EXOMailbox":                    true, // not in the file: reported unknown until added
		"New-MgDomain":                      false,
		"Confirm-MgDomain":                  false,
		"Get-MgDomainVerificationDnsRecord": false,
		"Update-MgDomain":                   false,
		"get-mgdomain":                      false,
		"Where-Object":                      false,
		"where-object":                      false,
		"Read-Host":                         false,
		"Select-Object":                     false,
		"ForEach-Object":                    false,
		"Resolve-DnsName":                   false,
		"Get-Mailbox.ps1":                   false,
		"example.com.":                      false,
		"":                                  false,
	} {
		assert.Equal(t, want, ref.IsExchangeCmdlet(name), name)
	}
}
