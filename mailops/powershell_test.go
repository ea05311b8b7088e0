package mailops

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPSQuote(t *testing.T) {
	assert.Equal(t, `'plain'`, psQuote("plain"))
	assert.Equal(t, `'O''Brien'`, psQuote("O'Brien"))
	assert.Equal(t, "'it\u2019\u2019s'", psQuote("it\u2019s"), "typographic quotes end a PowerShell string too")
	assert.Equal(t, `'$(Remove-Item C:\)'`, psQuote(`$(Remove-Item C:\)`), "single quotes expand nothing")
	assert.Equal(t, `'営業部'`, psQuote("営業部"))
	assert.Equal(t, "@()", psList([]string{}))
	assert.Equal(t, `'a@x.jp','b@x.jp'`, psList([]Address{"a@x.jp", "b@x.jp"}))
}

func TestOperationsPowerShell(t *testing.T) {
	f := false
	// Group cmdlets render -Alias (else Exchange derives it from Name,
	// turning Japanese into "?") and -BypassSecurityGroupManagerCheck on
	// every change (else an admin who is not an owner is refused):
	// New-/Set-DistributionGroup, fidelity audit A3 and A5.
	cases := []struct {
		op   Operation
		want []string
	}{
		{SetDomainType{Name: "depta.example.ac.jp", Type: InternalRelay},
			[]string{`Set-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType InternalRelay`}},
		{CreateOutboundConnector{Connector: OutboundConnector{Name: "To deptA legacy", Type: OnPremises, RecipientDomains: []string{"depta.example.ac.jp"}, SmartHosts: []string{"mx.depta.example.ac.jp"}, Enabled: true}},
			[]string{`New-OutboundConnector -Name 'To deptA legacy' -ConnectorType OnPremises -RecipientDomains 'depta.example.ac.jp' -SmartHosts 'mx.depta.example.ac.jp' -UseMXRecord $false -Enabled $true`}},
		{CreateGroup{Group: Group{PrimaryAddress: "sales@depta.example.ac.jp", Name: "DeptA Sales", DisplayName: "営業 'A'", Members: []Address{"a@example.ac.jp", "b@example.ac.jp"}, Owners: []Address{"admins@example.ac.jp"}, SendAs: []Address{"a@example.ac.jp"}}},
			[]string{
				`New-DistributionGroup -Name 'DeptA Sales' -Alias 'sales' -DisplayName '営業 ''A''' -PrimarySmtpAddress 'sales@depta.example.ac.jp' -Type Distribution -Members 'a@example.ac.jp','b@example.ac.jp' -ManagedBy 'admins@example.ac.jp' -RequireSenderAuthenticationEnabled $false`,
				`Add-RecipientPermission -Identity 'sales@depta.example.ac.jp' -AccessRights SendAs -Trustee 'a@example.ac.jp' -Confirm:$false`,
			}},
		{SetGroupSenderAuthentication{Group: "sales@depta.example.ac.jp", Require: false, From: &f},
			[]string{`Set-DistributionGroup -Identity 'sales@depta.example.ac.jp' -BypassSecurityGroupManagerCheck -RequireSenderAuthenticationEnabled $false`}},
		{SetSimpleDisplayName{Address: "taro@example.co.jp", Kind: Mailbox, Name: "Taro Yamada"},
			[]string{`Set-Mailbox -Identity 'taro@example.co.jp' -SimpleDisplayName 'Taro Yamada'`}},
		{SetRemoteDomain{RemoteDomain: RemoteDomain{Name: "Default", DomainName: "*", UseSimpleDisplayName: true}},
			[]string{`Set-RemoteDomain -Identity 'Default' -UseSimpleDisplayName $true`}},
		{SetRemoteDomain{RemoteDomain: RemoteDomain{Name: "Default", DomainName: "*", UseSimpleDisplayName: true, AutoForwardEnabled: BoolPtr(false)}},
			[]string{`Set-RemoteDomain -Identity 'Default' -UseSimpleDisplayName $true -AutoForwardEnabled $false`}},
		{SetForwarding{Address: "a@example.ac.jp", Forwarding: ForwardTo("a@gmail.example", true)},
			[]string{`Set-Mailbox -Identity 'a@example.ac.jp' -ForwardingAddress $null -ForwardingSmtpAddress 'smtp:a@gmail.example' -DeliverToMailboxAndForward $true`}},
		{SetForwarding{Address: "a@example.ac.jp", Forwarding: Forwarding{Address: "b@example.ac.jp"}},
			[]string{`Set-Mailbox -Identity 'a@example.ac.jp' -ForwardingAddress 'b@example.ac.jp' -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false`}},
		{SetForwarding{Address: "a@example.ac.jp"},
			[]string{`Set-Mailbox -Identity 'a@example.ac.jp' -ForwardingAddress $null -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false`}},
	}
	for _, c := range cases {
		require.NoError(t, c.op.Validate(), c.op.Describe())
		assert.Equal(t, c.want, c.op.PowerShell(), c.op.Describe())
	}
	// -Members takes at most 10,000 entries: the rest are added one by one.
	many := make([]Address, MaxMembersPerCall+2)
	for i := range many {
		many[i] = Address("u" + strings.Repeat("x", 1) + itoaT(i) + "@example.ac.jp")
	}
	ps := SetGroupMembers{Group: "big@example.ac.jp", Members: many}.PowerShell()
	require.Len(t, ps, 3)
	// -BypassSecurityGroupManagerCheck: an admin who is not an owner
	// modifies the group (Update-DistributionGroupMember).
	assert.True(t, strings.HasPrefix(ps[0], "Update-DistributionGroupMember -Identity 'big@example.ac.jp' -BypassSecurityGroupManagerCheck -Members "))
	assert.Equal(t, strings.Count(ps[0], "@example.ac.jp'"), MaxMembersPerCall+1, "10,000 members plus the identity")
	assert.Contains(t, ps[2], "Add-DistributionGroupMember")
}

func itoaT(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		i /= 10
		if i == 0 {
			return s
		}
	}
}

func TestPlanPowerShellAndValidate(t *testing.T) {
	p := &Plan{Name: "t", Steps: []Step{{
		ID: "relay", Title: "Relay the domain", Reason: "EXO bounces until then", Gate: "domain verified",
		Actions: []Action{
			{Op: SetDomainType{Name: "depta.example.ac.jp", Type: InternalRelay}},
			{Wait: &Wait{Reason: "domain type propagates", For: 5 * 60e9}},
			{DNS: &DNSChange{Domain: "depta.example.ac.jp", Add: []DNSRecord{{Type: "MX", Label: "@", Value: "depta-example-ac-jp.mail.protection.outlook.com", Preference: 0, TTL: 3600}}}},
		},
		Rollback: []Action{{Op: SetDomainType{Name: "depta.example.ac.jp", Type: Authoritative}}},
	}}}
	require.NoError(t, p.Validate())
	s := p.PowerShell()
	assert.Contains(t, s, "# ---- Step 1: Relay the domain [relay]")
	assert.Contains(t, s, "# Why: EXO bounces until then")
	assert.Contains(t, s, "Set-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType InternalRelay\n")
	assert.Contains(t, s, "# Wait 5m0s: domain type propagates")
	assert.Contains(t, s, "# DNS add:    depta.example.ac.jp. 3600 IN MX 0 depta-example-ac-jp.mail.protection.outlook.com")
	assert.Contains(t, s, "#   Set-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType Authoritative")

	bad := &Plan{Name: "b", Steps: []Step{{ID: "x", Actions: []Action{{}}}}}
	assert.ErrorIs(t, bad.Validate(), ErrInvalid)
	dup := &Plan{Name: "d", Steps: []Step{{ID: "x"}, {ID: "x"}}}
	assert.ErrorIs(t, dup.Validate(), ErrInvalid)
	badOp := &Plan{Name: "o", Steps: []Step{{ID: "x", Actions: []Action{{Op: SetDomainType{Name: "depta.example.ac.jp", Type: "ExternalRelay"}}}}}}
	assert.ErrorIs(t, badOp.Validate(), ErrInvalid)
	assert.NotEqual(t, p.Fingerprint(), dup.Fingerprint())
}
