package runbook

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/internal/exoref"
	"github.com/mailops-dev/mailops/mailops"
)

// sampleOperations has at least one value of every mailops Operation, in
// each of its rendering shapes.
func sampleOperations() []mailops.Operation {
	keep := "Old name"
	return []mailops.Operation{
		mailops.AddDomain{Name: "depta.example.ac.jp"},
		mailops.VerifyDomain{Name: "depta.example.ac.jp"},
		mailops.TakeOverDomain{Name: "depta.example.ac.jp"},
		mailops.EnableEmail{Name: "depta.example.ac.jp"},
		mailops.SetDomainType{Name: "depta.example.ac.jp", Type: mailops.InternalRelay},
		mailops.RemoveDomain{Name: "depta.example.ac.jp"},
		mailops.CreateGroup{Group: mailops.Group{PrimaryAddress: "sales@depta.example.ac.jp", Name: "営業", DisplayName: "営業部",
			Type: mailops.Security, Members: []mailops.Address{"a@example.ac.jp"}, Owners: []mailops.Address{"it@example.ac.jp"},
			SendAs: []mailops.Address{"a@example.ac.jp"}, SimpleDisplayName: "Sales"}},
		mailops.SetGroupMembers{Group: "sales@depta.example.ac.jp", Members: []mailops.Address{"a@example.ac.jp"}},
		mailops.SetGroupSenderAuthentication{Group: "sales@depta.example.ac.jp", Require: true},
		mailops.SetGroupSimpleDisplayName{Group: "sales@depta.example.ac.jp", Name: "Sales"},
		mailops.SetGroupSimpleDisplayName{Group: "sales@depta.example.ac.jp"},
		mailops.GrantSendAs{Group: "sales@depta.example.ac.jp", Trustee: "a@example.ac.jp"},
		mailops.RevokeSendAs{Group: "sales@depta.example.ac.jp", Trustee: "a@example.ac.jp"},
		mailops.DeleteGroup{Group: "sales@depta.example.ac.jp"},
		mailops.CreateRecipient{Recipient: mailops.Recipient{Address: "taro@example.co.jp", Kind: mailops.Mailbox, DisplayName: "山田 太郎",
			SimpleDisplayName: "Taro", ProxyAddresses: []mailops.Address{"t@example.co.jp"}, ForwardingAddress: "b@example.co.jp", ForwardingSmtpAddress: "x@gmail.example"}},
		mailops.CreateRecipient{Recipient: mailops.Recipient{Address: "ext@example.co.jp", Kind: mailops.MailUser, DisplayName: "Ext", ExternalAddress: "ext@gmail.example", SimpleDisplayName: "Ext"}},
		mailops.CreateRecipient{Recipient: mailops.Recipient{Address: "friend@gmail.example", Kind: mailops.MailContact, DisplayName: "Friend", SimpleDisplayName: "Friend"}},
		mailops.SetSimpleDisplayName{Address: "taro@example.co.jp", Kind: mailops.Mailbox, Name: "Taro", From: &keep},
		mailops.SetSimpleDisplayName{Address: "ext@example.co.jp", Kind: mailops.MailUser},
		mailops.SetSimpleDisplayName{Address: "friend@gmail.example", Kind: mailops.MailContact, Name: "Friend"},
		mailops.SetForwarding{Address: "taro@example.co.jp", Forwarding: mailops.ForwardTo("x@gmail.example", true)},
		mailops.SetForwarding{Address: "taro@example.co.jp", Forwarding: mailops.Forwarding{Address: "b@example.co.jp"}},
		mailops.SetForwarding{Address: "taro@example.co.jp"},
		mailops.CreateOutboundConnector{Connector: mailops.OutboundConnector{Name: "To legacy", Type: mailops.OnPremises, RecipientDomains: []string{"depta.example.ac.jp"}, SmartHosts: []string{"mx.depta.example.ac.jp"}, Enabled: true}},
		mailops.CreateOutboundConnector{Connector: mailops.OutboundConnector{Name: "All", Type: mailops.OnPremises, AllAcceptedDomains: true, UseMXRecord: true, Enabled: true}},
		mailops.UpdateOutboundConnector{Connector: mailops.OutboundConnector{Name: "To legacy", Type: mailops.OnPremises, RecipientDomains: []string{"depta.example.ac.jp"}, SmartHosts: []string{"mx2.depta.example.ac.jp"}, Enabled: false}},
		mailops.DeleteOutboundConnector{Name: "To legacy"},
		mailops.CreateInboundConnector{Connector: mailops.InboundConnector{Name: "From lists", Type: mailops.OnPremises, SenderDomains: []string{"*"},
			SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32")}, RestrictDomainsToIPAddresses: true, Enabled: true}},
		mailops.CreateInboundConnector{Connector: mailops.InboundConnector{Name: "Partner", Type: mailops.Partner, SenderDomains: []string{"partner.example"}, RequireTLS: true, Enabled: true}},
		mailops.DeleteInboundConnector{Name: "From lists"},
		mailops.CreateRemoteDomain{RemoteDomain: mailops.RemoteDomain{Name: "Partner", DomainName: "partner.example", UseSimpleDisplayName: true}},
		mailops.CreateRemoteDomain{RemoteDomain: mailops.RemoteDomain{Name: "Home", DomainName: "gmail.example", AutoForwardEnabled: mailops.BoolPtr(false)}},
		mailops.SetRemoteDomain{RemoteDomain: mailops.RemoteDomain{Name: mailops.DefaultRemoteDomain, DomainName: "*", UseSimpleDisplayName: true}},
		mailops.SetOutboundSpamPolicy{Policy: mailops.OutboundSpamPolicy{Name: mailops.DefaultOutboundSpamPolicy, AutoForwardingMode: mailops.AutoForwardOn}},
		mailops.CreateDkimSigningConfig{Domain: "depta.example.ac.jp"},
		mailops.SetDkimSigning{Domain: "depta.example.ac.jp", Enabled: true},
	}
}

// operationTypes lists the types in package mailops that have a PowerShell
// method: every Operation.
func operationTypes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "..", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	require.NoError(t, err)
	var out []string
	for _, f := range pkgs["mailops"].Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "PowerShell" {
				continue
			}
			switch r := fd.Recv.List[0].Type.(type) {
			case *ast.Ident:
				out = append(out, r.Name)
			case *ast.StarExpr:
				out = append(out, r.X.(*ast.Ident).Name)
			}
		}
	}
	slices.Sort(out)
	return slices.DeleteFunc(out, func(n string) bool { return n == "Plan" })
}

// planLines collects every cmdlet line a plan renders: its actions and its
// rollbacks (which the script shows commented out), one action at a time.
func planLines(p *mailops.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		for _, a := range append(slices.Clone(s.Actions), s.Rollback...) {
			if a.Op != nil {
				out = append(out, a.Op.PowerShell()...)
			}
		}
	}
	return out
}

func checkLines(t *testing.T, what string, lines []string) {
	t.Helper()
	for _, err := range exoref.Default().CheckScript(lines) {
		t.Errorf("%s: %v", what, err)
	}
}

// TestRenderedCmdletsAreDocumentedForExchangeOnline renders every operation
// and every variant of both runbooks and fails on an Exchange cmdlet or
// parameter that Microsoft's cmdlet reference does not document for Exchange
// Online, or marks on-premises only (Graph PowerShell's *-Mg* cmdlets aside).
func TestRenderedCmdletsAreDocumentedForExchangeOnline(t *testing.T) {
	ops := sampleOperations()
	var sampled []string
	for _, o := range ops {
		require.NoError(t, o.Validate(), o.Describe())
		checkLines(t, o.Describe(), o.PowerShell())
		sampled = append(sampled, reflect.TypeOf(o).Name())
	}
	for _, typ := range operationTypes(t) {
		assert.Contains(t, sampled, typ, "every operation type is rendered by this test")
	}

	loop := mailops.ForwardTo("lab@depta.example.ac.jp", false)
	pf := &Preflight{LoopFixes: map[mailops.Address][]mailops.Operation{
		"lab@depta.example.ac.jp": {mailops.SetForwarding{Address: "bob@example.ac.jp", From: &loop}}}}
	variants := map[string]func(*ConsolidationSpec, *Preflight){
		"safe":            func(*ConsolidationSpec, *Preflight) {},
		"parent-verified": func(_ *ConsolidationSpec, p *Preflight) { p.ParentVerified = true },
		"takeover":        func(s *ConsolidationSpec, p *Preflight) { s.TakeOver, p.HeldUnmanaged = true, true },
		"admins as owners": func(s *ConsolidationSpec, _ *Preflight) {
			s.AdminGroup, s.AdminOwners = mailops.Group{}, []mailops.Address{"alice@example.ac.jp"}
		},
		"gap check": func(s *ConsolidationSpec, _ *Preflight) { s.GapCheck = &GapCheck{} },
	}
	for _, u := range []Unsafe{UnsafeEmptyGroup, UnsafeEarlyAuthoritative, UnsafeSenderAuth, UnsafeForwardLoop} {
		variants["unsafe "+string(u)] = func(s *ConsolidationSpec, _ *Preflight) { s.Unsafe = u }
	}
	for name, change := range variants {
		s, p := testSpec(), *pf
		change(&s, &p)
		plan, err := ConsolidationPlan(s, &p, nil)
		require.NoError(t, err, name)
		checkLines(t, "consolidation "+name, planLines(plan))
		checkLines(t, "consolidation "+name+" script", strings.Split(plan.PowerShell(), "\n"))
	}
	for _, u := range []Unsafe{"", UnsafeLowPriorityMX, UnsafeSenderAuth, UnsafeEmptyGroup} {
		s := testCutover()
		s.Unsafe = u
		s.DeviceNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		plan, err := CutoverPlan(s, nil)
		require.NoError(t, err, u)
		checkLines(t, "cutover "+string(u), planLines(plan))
		checkLines(t, "cutover "+string(u)+" script", strings.Split(plan.PowerShell(), "\n"))
	}
}

// TestCmdletCheckHasTeeth: the reference refuses what Exchange Online does
// not document, so the test above can fail.
func TestCmdletCheckHasTeeth(t *testing.T) {
	ref := exoref.Default()
	assert.NotEmpty(t, ref.CheckScript([]string{"New-MailUser -Name 'x' -ExternalEmailAddress 'x@y.example' -PrimarySmtpAddress 'x@contoso.example'"}),
		"New-MailUser -PrimarySmtpAddress is on-premises only")
	assert.NotEmpty(t, ref.CheckScript([]string{"Set-MailUser -Identity 'x@contoso.example' -ForwardingSmtpAddress 'smtp:y@z.example'"}),
		"Set-MailUser has no forwarding parameters")
	assert.NotEmpty(t, ref.CheckScript([]string{"New-AcceptedDomain -Name 'x' -DomainName 'x.example'"}), "on-premises only cmdlet")
}
