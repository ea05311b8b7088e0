package mailops

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sourceOperationTypes lists the types of this package that have an Apply
// method: every Operation, read from the source so that a new one is noticed.
func sourceOperationTypes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	require.NoError(t, err)
	var out []string
	for _, f := range pkgs["mailops"].Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "Apply" {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok {
				out = append(out, id.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// sampleOperations has every operation type with its fields set (copied
// from mailops/runbook's cmdlet test, where the same list checks PowerShell).
func sampleOperations() []Operation {
	keep := "Old name"
	req := true
	typ := Distribution
	return []Operation{
		AddDomain{Name: "depta.example.ac.jp"},
		VerifyDomain{Name: "depta.example.ac.jp"},
		TakeOverDomain{Name: "depta.example.ac.jp"},
		EnableEmail{Name: "depta.example.ac.jp"},
		SetDomainType{Name: "depta.example.ac.jp", Type: InternalRelay, From: Authoritative},
		RemoveDomain{Name: "depta.example.ac.jp"},
		CreateGroup{Group: Group{PrimaryAddress: "sales@depta.example.ac.jp", Name: "営業", DisplayName: "営業部",
			Type: Security, Members: []Address{"a@example.ac.jp"}, Owners: []Address{"it@example.ac.jp"},
			SendAs: []Address{"a@example.ac.jp"}, SimpleDisplayName: "Sales"}},
		SetGroupMembers{Group: "sales@depta.example.ac.jp", Members: []Address{"a@example.ac.jp"}, From: []Address{"b@example.ac.jp"}},
		SetGroupSenderAuthentication{Group: "sales@depta.example.ac.jp", Require: true, From: &req},
		SetGroupSimpleDisplayName{Group: "sales@depta.example.ac.jp", Name: "Sales"},
		GrantSendAs{Group: "sales@depta.example.ac.jp", Trustee: "a@example.ac.jp"},
		RevokeSendAs{Group: "sales@depta.example.ac.jp", Trustee: "a@example.ac.jp"},
		DeleteGroup{Group: "sales@depta.example.ac.jp"},
		CreateRecipient{Recipient: Recipient{Address: "taro@example.co.jp", Kind: Mailbox, DisplayName: "山田 太郎",
			SimpleDisplayName: "Taro", ProxyAddresses: []Address{"t@example.co.jp"}, ForwardingAddress: "b@example.co.jp", ForwardingSmtpAddress: "x@gmail.example"}},
		CreateRecipient{Recipient: Recipient{Address: "ext@example.co.jp", Kind: MailUser, DisplayName: "Ext", ExternalAddress: "ext@gmail.example"}},
		SetSimpleDisplayName{Address: "taro@example.co.jp", Kind: Mailbox, Name: "Taro", From: &keep},
		SetForwarding{Address: "taro@example.co.jp", Forwarding: ForwardTo("x@gmail.example", true)},
		CreateOutboundConnector{Connector: OutboundConnector{Name: "To legacy", Type: OnPremises, RecipientDomains: []string{"depta.example.ac.jp"}, SmartHosts: []string{"mx.depta.example.ac.jp"}, Enabled: true}},
		UpdateOutboundConnector{Connector: OutboundConnector{Name: "To legacy", Type: OnPremises, SmartHosts: []string{"mx2.depta.example.ac.jp"}},
			From: &OutboundConnector{Name: "To legacy", Type: OnPremises, SmartHosts: []string{"mx.depta.example.ac.jp"}}},
		DeleteOutboundConnector{Name: "To legacy"},
		CreateInboundConnector{Connector: InboundConnector{Name: "From lists", Type: OnPremises, SenderDomains: []string{"*"},
			SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32")}, RestrictDomainsToIPAddresses: true, Enabled: true}},
		DeleteInboundConnector{Name: "From lists"},
		CreateRemoteDomain{RemoteDomain: RemoteDomain{Name: "Home", DomainName: "gmail.example", AutoForwardEnabled: BoolPtr(false)}},
		SetRemoteDomain{RemoteDomain: RemoteDomain{Name: DefaultRemoteDomain, DomainName: "*", UseSimpleDisplayName: true}},
		SetOutboundSpamPolicy{Policy: OutboundSpamPolicy{Name: DefaultOutboundSpamPolicy, AutoForwardingMode: AutoForwardOn}},
		CreateDkimSigningConfig{Domain: "depta.example.ac.jp"},
		SetDkimSigning{Domain: "depta.example.ac.jp", Enabled: true},
		CreateGroup{Group: Group{PrimaryAddress: "x@depta.example.ac.jp", Name: "x", Type: typ.Or(), Members: []Address{"a@example.ac.jp"}, Owners: []Address{"it@example.ac.jp"}}},
	}
}

// TestEncodeOperationRegistryCoversEveryType: every operation type of the
// package is registered, and the samples cover every registered type.
func TestEncodeOperationRegistryCoversEveryType(t *testing.T) {
	src := sourceOperationTypes(t)
	require.NotEmpty(t, src)
	assert.Equal(t, src, OperationTypes())
	var sampled []string
	for _, op := range sampleOperations() {
		e, err := EncodeOperation(op)
		require.NoError(t, err)
		sampled = append(sampled, e.Type)
	}
	slices.Sort(sampled)
	assert.Equal(t, src, slices.Compact(sampled))
}

// TestEncodeOperationRoundTrip: decode(encode(op)) == op for every sample.
func TestEncodeOperationRoundTrip(t *testing.T) {
	for _, op := range sampleOperations() {
		e, err := EncodeOperation(op)
		require.NoError(t, err)
		back, err := e.Decode()
		require.NoError(t, err, e.Type)
		assert.Equal(t, op, back, e.Type)
		assert.Equal(t, op.Describe(), back.Describe())
	}
}

type foreignOp struct{ AddDomain }

// TestEncodeOperationRefusesUnknown: unregistered types, unknown names and
// unknown fields are errors, never silently dropped.
func TestEncodeOperationRefusesUnknown(t *testing.T) {
	_, err := EncodeOperation(foreignOp{})
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = EncodedOperation{Type: "FormatDisk", Fields: []byte(`{}`)}.Decode()
	assert.Error(t, err)
	_, err = EncodedOperation{Type: "AddDomain", Fields: []byte(`{"Name":"a.example","Force":true}`)}.Decode()
	assert.Error(t, err)
}
