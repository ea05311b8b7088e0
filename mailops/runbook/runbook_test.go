package runbook

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func testSpec() ConsolidationSpec {
	return ConsolidationSpec{
		Domain:   "depta.example.ac.jp",
		LegacyMX: "mx.depta.example.ac.jp",
		AdminGroup: mailops.Group{PrimaryAddress: "depta-admins@example.ac.jp", Name: "DeptA admins",
			Members: []mailops.Address{"alice@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"}, RequireSenderAuthentication: true},
		InitialDomain: "example.onmicrosoft.com",
		Addresses: []AddressSpec{
			{Address: "office@depta.example.ac.jp", DisplayName: "DeptA office", Targets: []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp"}, SendAs: []mailops.Address{"alice@example.ac.jp"}, External: true},
			{Address: "lab@depta.example.ac.jp", Targets: []mailops.Address{"bob@example.ac.jp"}},
		},
	}
}

func stepIDs(p *mailops.Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestConsolidationPlanOrder(t *testing.T) {
	spec := testSpec()
	loop := mailops.ForwardTo("lab@depta.example.ac.jp", false)
	pf := &Preflight{LoopFixes: map[mailops.Address][]mailops.Operation{
		"lab@depta.example.ac.jp": {mailops.SetForwarding{Address: "bob@example.ac.jp", From: &loop}},
	}}
	p, err := ConsolidationPlan(spec, pf, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"add-domain", "admin-group", "relay", "connector", "mx-switch", "groups", "authoritative", "restrict-senders"}, stepIDs(p),
		"nothing changes before the domain is the tenant's (add-domain first)")
	for _, s := range p.Steps {
		assert.NotEmpty(t, s.Reason, s.ID)
		if s.ID != "mx-switch" {
			assert.NotEmpty(t, s.Rollback, "step %s has a rollback", s.ID)
		}
	}
	groups := p.Steps[5]
	var kinds []string
	for _, a := range groups.Actions {
		switch o := a.Op.(type) {
		case mailops.SetForwarding:
			kinds = append(kinds, "unforward "+string(o.Address))
		case mailops.CreateGroup:
			kinds = append(kinds, "create "+string(o.Group.PrimaryAddress))
			assert.NotEmpty(t, o.Group.Members, "members are set in the creating call")
			assert.Equal(t, []mailops.Address{"depta-admins@example.ac.jp"}, o.Group.Owners)
		}
	}
	assert.Equal(t, []string{"unforward bob@example.ac.jp", "create office@depta.example.ac.jp", "create lab@depta.example.ac.jp"}, kinds,
		"loops are removed before any group is created")
	require.NotNil(t, groups.Actions[1].Wait, "and the removal propagates first")
	assert.Equal(t, DefaultTiming().Recipient, groups.Actions[1].Wait.For)
	last := groups.Actions[len(groups.Actions)-1]
	require.NotNil(t, last.Wait)
	assert.Equal(t, DefaultTiming().Group, last.Wait.For, "authoritative only after groups propagated")

	ps := p.PowerShell()
	for _, want := range []string{
		"New-MgDomain -BodyParameter @{ Id = 'depta.example.ac.jp' }",
		"Set-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType InternalRelay",
		"New-OutboundConnector -Name 'To depta.example.ac.jp legacy' -ConnectorType OnPremises -RecipientDomains 'depta.example.ac.jp' -SmartHosts 'mx.depta.example.ac.jp' -UseMXRecord $false -Enabled $true",
		"-RequireSenderAuthenticationEnabled $false",
		"Add-RecipientPermission -Identity 'office@depta.example.ac.jp' -AccessRights SendAs -Trustee 'alice@example.ac.jp' -Confirm:$false",
		"Set-Mailbox -Identity 'bob@example.ac.jp' -ForwardingAddress $null -ForwardingSmtpAddress $null -DeliverToMailboxAndForward $false",
		"# DNS add:    depta.example.ac.jp. 3600 IN MX 0 (the MX host of (Get-MgDomainServiceConfigurationRecord -DomainId 'depta.example.ac.jp'",
		"Update-MgDomain -DomainId 'depta.example.ac.jp' -SupportedServices @('Email')",
		"-Type Security",
		"Set-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType Authoritative",
		"Remove-OutboundConnector -Identity 'To depta.example.ac.jp legacy' -Confirm:$false",
		"New-DkimSigningConfig -DomainName 'depta.example.ac.jp' -Enabled $false",
		"selector1._domainkey.depta.example.ac.jp. 3600 IN CNAME (Get-DkimSigningConfig -Identity 'depta.example.ac.jp').Selector1CNAME",
		"Set-DkimSigningConfig -Identity 'depta.example.ac.jp' -Enabled $true",
	} {
		assert.Contains(t, ps, want)
	}
	assert.NotContains(t, ps, "mail.protection.outlook.com", "the MX host is never built from the domain name")
	assert.Less(t, strings.Index(ps, "DomainType InternalRelay"), strings.Index(ps, "New-OutboundConnector"))
	assert.Less(t, strings.Index(ps, "New-OutboundConnector"), strings.Index(ps, "IN MX 0 (the MX host"))
	assert.Less(t, strings.Index(ps, "IN MX 0 (the MX host"), strings.Index(ps, "New-DistributionGroup -Name 'DeptA office'"))
	assert.Less(t, strings.Index(ps, "New-DistributionGroup -Name 'DeptA office'"), strings.Index(ps, "\nSet-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType Authoritative"))
	lab := strings.Index(ps, "New-DistributionGroup -Name 'lab (depta.example.ac.jp)'")
	require.Positive(t, lab)
	assert.Contains(t, ps[lab:strings.Index(ps[lab:], "\n")+lab], "-RequireSenderAuthenticationEnabled $false", "created open: deferred mail may come back as external")
	restrict := strings.Index(ps, "Set-DistributionGroup -Identity 'lab@depta.example.ac.jp' -BypassSecurityGroupManagerCheck -RequireSenderAuthenticationEnabled $true")
	assert.Greater(t, restrict, strings.Index(ps, "[restrict-senders]"), "internal-only addresses are restricted after the senders' horizon")
	assert.Contains(t, ps, "# Wait 48h0m0s: senders' queues from before the switch have drained")
	assert.NotContains(t, ps, "Set-DistributionGroup -Identity 'office@depta.example.ac.jp'", "an address receiving external mail stays open")
}

func TestConsolidationUnsafeVariants(t *testing.T) {
	pf := &Preflight{LoopFixes: map[mailops.Address][]mailops.Operation{"lab@depta.example.ac.jp": {mailops.SetForwarding{Address: "bob@example.ac.jp"}}}}
	build := func(u Unsafe) *mailops.Plan {
		s := testSpec()
		s.Unsafe = u
		p, err := ConsolidationPlan(s, pf, nil)
		require.NoError(t, err, u)
		return p
	}
	groupsOf := func(p *mailops.Plan) []mailops.Action { return p.Steps[5].Actions }

	for _, a := range groupsOf(build(UnsafeEmptyGroup)) {
		if cg, ok := a.Op.(mailops.CreateGroup); ok {
			assert.Empty(t, cg.Group.Members, "empty-group creates groups without members")
		}
	}
	early := groupsOf(build(UnsafeEarlyAuthoritative))
	assert.Nil(t, early[len(early)-1].Wait, "early-authoritative does not wait for groups to propagate")
	for _, a := range groupsOf(build(UnsafeSenderAuth)) {
		if cg, ok := a.Op.(mailops.CreateGroup); ok {
			assert.True(t, cg.Group.RequireSenderAuthentication)
		}
	}
	for _, a := range groupsOf(build(UnsafeForwardLoop)) {
		_, isFix := a.Op.(mailops.SetForwarding)
		assert.False(t, isFix, "forward-loop skips the loop fix")
	}
	s := testSpec()
	s.Unsafe = "nonsense"
	assert.ErrorIs(t, s.Validate(), mailops.ErrInvalid)
}

func TestConsolidationSpecValidation(t *testing.T) {
	s := testSpec()
	s.Addresses[1].Targets = nil
	var ve *mailops.ValidationError
	require.ErrorAs(t, s.Validate(), &ve)
	assert.Equal(t, "ConsolidationSpec.Addresses[1].Targets", ve.Field)

	s = testSpec()
	s.Addresses[0].Address = "office@deptb.example.ac.jp"
	require.ErrorAs(t, s.Validate(), &ve)
	assert.Equal(t, "ConsolidationSpec.Addresses[0].Address", ve.Field)

	_, err := ConsolidationPlan(testSpec(), &Preflight{Findings: []Finding{{ID: "domain.held-elsewhere", Severity: "error", Message: "held"}}}, nil)
	assert.ErrorIs(t, err, ErrDomainHeld)
	_, err = ConsolidationPlan(testSpec(), nil, nil)
	assert.ErrorIs(t, err, mailops.ErrInvalid)
}

func TestParentVerifiedSkipsProof(t *testing.T) {
	p, err := ConsolidationPlan(testSpec(), &Preflight{ParentVerified: true}, nil)
	require.NoError(t, err)
	for _, a := range p.Steps[0].Actions {
		assert.Nil(t, a.DNS, "no ownership TXT when the parent domain is verified")
	}
	p, err = ConsolidationPlan(testSpec(), &Preflight{}, nil)
	require.NoError(t, err)
	var hasTXT bool
	for _, a := range p.Steps[0].Actions {
		hasTXT = hasTXT || (a.DNS != nil && a.DNS.AddVerification)
	}
	assert.True(t, hasTXT)
}

func TestDeriveSimpleDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"taro.yamada@example.co.jp": "Taro Yamada",
		"h_suzuki2@example.co.jp":   "H Suzuki2",
		"sales-tokyo@example.co.jp": "Sales Tokyo",
	} {
		got, err := DeriveSimpleDisplayName(mailops.MustParseAddress(in))
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.NoError(t, mailops.ValidateSimpleDisplayName(got))
	}
	_, err := DeriveSimpleDisplayName("___@example.co.jp")
	assert.ErrorIs(t, err, mailops.ErrInvalid)
}

func testCutover() CutoverSpec {
	return CutoverSpec{
		Domain: "maker.example.co.jp", LegacyMX: "mail.maker.example.co.jp", Admin: "it@maker.example.co.jp",
		Users: []UserSpec{
			{Address: "taro.yamada@maker.example.co.jp", DisplayName: "山田 太郎"},
			{Address: "hanako.sato@maker.example.co.jp", DisplayName: "佐藤 花子", SimpleDisplayName: "Hanako Sato (Sales)"},
			{Address: "it@maker.example.co.jp", DisplayName: "IT"},
		},
		Departments:  []DepartmentSpec{{Address: "sales@maker.example.co.jp", DisplayName: "営業部", Members: []mailops.Address{"taro.yamada@maker.example.co.jp", "hanako.sato@maker.example.co.jp"}, External: true}},
		RelayAccount: "relay@maker.example.co.jp",
	}
}

func TestCutoverPlan(t *testing.T) {
	p, err := CutoverPlan(testCutover(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"add-domain", "relay", "accounts", "autodiscover", "parallel-run", "lower-ttl", "mx-switch", "departments", "simple-display-names", "device-relay", "authoritative", "decommission"}, stepIDs(p))
	ps := p.PowerShell()
	assert.Contains(t, ps, "Set-Mailbox -Identity 'taro.yamada@maker.example.co.jp' -SimpleDisplayName 'Taro Yamada'")
	assert.Contains(t, ps, "-SimpleDisplayName 'Hanako Sato (Sales)'")
	assert.Contains(t, ps, "Set-RemoteDomain -Identity 'Default' -UseSimpleDisplayName $true")
	assert.Contains(t, ps, "# DNS add:    autodiscover.maker.example.co.jp. 3600 IN CNAME autodiscover.outlook.com")
	assert.Contains(t, ps, "New-DistributionGroup -Name '営業部'")
	assert.Contains(t, ps, "-RequireSenderAuthenticationEnabled $false")
	assert.NotContains(t, ps, "IN MX 20", "no low-priority EXO MX")
	assert.NotContains(t, ps, "AutoForwardEnabled", "the cutover leaves automatic forwarding alone")
	assert.Contains(t, ps, "Set-DistributionGroup -Identity 'sales@maker.example.co.jp' -BypassSecurityGroupManagerCheck -SimpleDisplayName 'Sales'", "mail sent as the group shows ASCII outside")
	assert.Contains(t, ps, "#   Set-RemoteDomain -Identity 'Default' -UseSimpleDisplayName $false", "without an observed value the rollback restores the documented default")

	u := testCutover()
	u.Unsafe = UnsafeLowPriorityMX
	p, err = CutoverPlan(u, nil)
	require.NoError(t, err)
	assert.Contains(t, p.PowerShell(), "IN MX 20 (the MX host of (Get-MgDomainServiceConfigurationRecord")

	bad := testCutover()
	bad.Departments[0].Members = append(bad.Departments[0].Members, "friend@partner.example")
	assert.ErrorIs(t, bad.Validate(), mailops.ErrPolicy, "department groups have no external members")
	bad = testCutover()
	bad.Users[1].SimpleDisplayName = "佐藤"
	assert.ErrorIs(t, bad.Validate(), mailops.ErrInvalid, "an explicit simple display name is validated")
}

func TestListDomainPlan(t *testing.T) {
	spec := ListDomainSpec{Domain: "lists.example.ac.jp", ListServer: "ml.example.ac.jp", LegacyMX: "ml.example.ac.jp",
		ListServerIPs: []netip.Prefix{netip.MustParsePrefix("192.0.2.25/32")}}
	p, err := ListDomainPlan(spec, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"add-domain", "relay", "connector", "inbound-connector", "mx-switch"}, stepIDs(p),
		"both connectors exist and have propagated before the MX moves")
	ps := p.PowerShell()
	assert.Contains(t, ps, "New-OutboundConnector -Name 'To list server ml.example.ac.jp' -ConnectorType OnPremises -RecipientDomains 'lists.example.ac.jp' -SmartHosts 'ml.example.ac.jp' -UseMXRecord $false")
	assert.Contains(t, ps, "New-InboundConnector -Name 'From list server ml.example.ac.jp' -ConnectorType OnPremises")
	assert.Contains(t, ps, "-SenderIPAddresses '192.0.2.25/32'")
	checkLines(t, "list domain", planLines(p))
	bad := spec
	bad.ListServerIPs = nil
	_, err = ListDomainPlan(bad, nil)
	assert.ErrorIs(t, err, mailops.ErrInvalid)
}
