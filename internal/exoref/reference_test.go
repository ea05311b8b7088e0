package exoref_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/exoref"
)

func TestDefault(t *testing.T) {
	ref := exoref.Default()
	assert.Same(t, ref, exoref.Default(), "parsed once")
	assert.Contains(t, ref.Source(), "office-docs-powershell")

	cmdlets := ref.Cmdlets()
	assert.True(t, slices.IsSorted(cmdlets))
	assert.Contains(t, cmdlets, "New-DistributionGroup")
	assert.Contains(t, cmdlets, "Set-AcceptedDomain")
	assert.NotContains(t, cmdlets, "New-AcceptedDomain", "on-premises only")
	assert.NotContains(t, cmdlets, "Remove-AcceptedDomain", "on-premises only")
	for _, c := range cmdlets {
		require.NoError(t, ref.CheckCmdlet(c, nil), c)
		params, ok := ref.Parameters(c)
		require.True(t, ok, c)
		assert.True(t, slices.IsSorted(params), c)
	}
}

func TestParametersAndCanonical(t *testing.T) {
	ref := exoref.Default()
	params, ok := ref.Parameters("remove-distributiongroup")
	require.True(t, ok)
	assert.Contains(t, params, "Identity")
	assert.Contains(t, params, "Confirm")
	assert.NotContains(t, params, "ErrorAction", "common parameters are not listed")

	params[0] = "Changed"
	again, _ := ref.Parameters("Remove-DistributionGroup")
	assert.NotEqual(t, "Changed", again[0], "Parameters returns a copy")

	mu, ok := ref.Parameters("New-MailUser")
	require.True(t, ok)
	assert.Contains(t, mu, "PrimarySmtpAddress", "on-premises-only parameters are documented, so listed")

	for _, cmdlet := range []string{"New-AcceptedDomain", "New-Nothing", ""} {
		_, ok := ref.Parameters(cmdlet)
		assert.False(t, ok, cmdlet)
	}

	for _, c := range []struct{ cmdlet, param, want string }{
		{"new-distributiongroup", "primarysmtpaddress", "PrimarySmtpAddress"},
		{"Set-Mailbox", "EMAILADDRESSES", "EmailAddresses"},
		{"Set-Mailbox", "erroraction", "ErrorAction"},
		{"New-MailUser", "primarysmtpaddress", "PrimarySmtpAddress"},
		{"Set-Mailbox", "Ident", ""},
		{"New-AcceptedDomain", "Name", ""},
		{"New-Nothing", "Name", ""},
	} {
		got, ok := ref.Canonical(c.cmdlet, c.param)
		assert.Equal(t, c.want != "", ok, "%s -%s", c.cmdlet, c.param)
		assert.Equal(t, c.want, got, "%s -%s", c.cmdlet, c.param)
	}
}

func TestParse(t *testing.T) {
	ref, err := exoref.Parse([]byte(`{"source":"test","cmdlets":{
		"Get-Thing":{"exchangeOnline":true,"parameters":{"Identity":{"required":"False"},"Old":{"onPremisesOnly":true}}},
		"New-Thing":{"exchangeOnline":false,"parameters":{}}}}`))
	require.NoError(t, err)
	assert.Equal(t, "test", ref.Source())
	assert.Equal(t, []string{"Get-Thing"}, ref.Cmdlets())
	assert.NoError(t, ref.CheckCmdlet("Get-Thing", []string{"identity"}))
	assert.ErrorIs(t, ref.CheckCmdlet("Get-Thing", []string{"Old"}), exoref.ErrOnPremisesOnly)
	assert.ErrorIs(t, ref.CheckCmdlet("New-Thing", nil), exoref.ErrOnPremisesOnly)
	assert.ErrorIs(t, ref.CheckCmdlet("Get-Mailbox", nil), exoref.ErrUnknownCmdlet)

	for name, data := range map[string]string{
		"not JSON":                  `{`,
		"no cmdlets":                `{"source":"x","cmdlets":{}}`,
		"exchangeOnline missing":    `{"cmdlets":{"Get-Thing":{"parameters":{}}}}`,
		"name not Verb-Noun":        `{"cmdlets":{"GetThing":{"exchangeOnline":true}}}`,
		"cmdlets differ in case":    `{"cmdlets":{"Get-Thing":{"exchangeOnline":true},"get-thing":{"exchangeOnline":true}}}`,
		"parameters differ in case": `{"cmdlets":{"Get-Thing":{"exchangeOnline":true,"parameters":{"Id":{},"ID":{}}}}}`,
		"bad parameter name":        `{"cmdlets":{"Get-Thing":{"exchangeOnline":true,"parameters":{"-Id":{}}}}}`,
	} {
		_, err := exoref.Parse([]byte(data))
		assert.ErrorIs(t, err, exoref.ErrFormat, name)
	}
}

func TestDefaultConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			assert.NoError(t, exoref.Default().CheckCmdlet("Get-Mailbox", []string{"Identity"}))
		})
	}
	wg.Wait()
}
