package mailops_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func TestParseAddress(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"John.Smith@Example.COM", "john.smith@example.com"},
		{"  a@deptA.example.ac.jp ", "a@depta.example.ac.jp"},
		{"a@bücher.example", "a@xn--bcher-kva.example"},
		{"a@xn--bcher-kva.example", "a@xn--bcher-kva.example"},
		{"info+tag@example.com", "info+tag@example.com"},
	}
	for _, c := range cases {
		got, err := mailops.ParseAddress(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, mailops.Address(c.want), got, c.in)
		assert.NoError(t, got.Validate())
	}
}

func TestParseAddressRejects(t *testing.T) {
	for _, in := range []string{
		"", "   ", "no-at-sign", "@example.com", "a@", "Bob <b@example.com>",
		"a@b", "x@-bad.com", "x@bad-.com", "日本@example.jp", "a@exa mple.com",
		"a@" + strings.Repeat("a", 64) + ".com", strings.Repeat("l", 65) + "@example.com",
		"a@ex_ample.com",
	} {
		_, err := mailops.ParseAddress(in)
		require.Error(t, err, in)
		assert.ErrorIs(t, err, mailops.ErrInvalid, in)
		var ve *mailops.ValidationError
		require.ErrorAs(t, err, &ve, in)
		assert.Equal(t, "Address", ve.Field)
		assert.Equal(t, in, ve.Value, "the error names the whole offending value")
	}
}

func TestAddressParts(t *testing.T) {
	a := mailops.MustParseAddress("Sales@DeptA.Example.ac.jp")
	assert.Equal(t, "sales", a.Local())
	assert.Equal(t, "depta.example.ac.jp", a.Domain())
	assert.Error(t, mailops.Address("Sales@DeptA.example.jp").Validate(), "non-canonical form is invalid")
	assert.Panics(t, func() { mailops.MustParseAddress("nope") })
}

func TestParseDomainName(t *testing.T) {
	d, err := mailops.ParseDomainName("Bücher.Example.")
	require.NoError(t, err)
	assert.Equal(t, "xn--bcher-kva.example", d)
	_, err = mailops.ParseDomainName(strings.Repeat("abcdefghi.", 26) + "com")
	assert.ErrorIs(t, err, mailops.ErrInvalid)
}

func validGroup() mailops.Group {
	return mailops.Group{
		PrimaryAddress:              "sales@depta.example.ac.jp",
		Name:                        "DeptA Sales",
		Members:                     []mailops.Address{"alice@example.ac.jp", "bob@example.ac.jp"},
		Owners:                      []mailops.Address{"depta-admins@example.ac.jp"},
		SendAs:                      []mailops.Address{"alice@example.ac.jp"},
		RequireSenderAuthentication: false,
	}
}

func TestGroupValidate(t *testing.T) {
	require.NoError(t, validGroup().Validate())

	many := func(n int, dom string) []mailops.Address {
		out := make([]mailops.Address, n)
		for i := range out {
			out[i] = mailops.Address("u" + strings.Repeat("x", i%3) + itoa(i) + "@" + dom)
		}
		return out
	}
	cases := []struct {
		name  string
		edit  func(*mailops.Group)
		field string
	}{
		{"bad primary", func(g *mailops.Group) { g.PrimaryAddress = "not an address" }, "Group.PrimaryAddress"},
		{"no name", func(g *mailops.Group) { g.Name = "" }, "Group.Name"},
		{"name 65", func(g *mailops.Group) { g.Name = strings.Repeat("n", 65) }, "Group.Name"},
		{"display 257", func(g *mailops.Group) { g.DisplayName = strings.Repeat("d", 257) }, "Group.DisplayName"},
		{"no owner", func(g *mailops.Group) { g.Owners = nil }, "Group.Owners"},
		{"11 owners", func(g *mailops.Group) { g.Owners = many(11, "example.ac.jp") }, "Group.Owners"},
		{"bad member", func(g *mailops.Group) { g.Members = append(g.Members, "Carol <c@example.ac.jp>") }, "Group.Members[2]"},
		{"dup member", func(g *mailops.Group) { g.Members = append(g.Members, "alice@example.ac.jp") }, "Group.Members[2]"},
		{"self member", func(g *mailops.Group) { g.Members = append(g.Members, g.PrimaryAddress) }, "Group.Members[2]"},
		{"too many members", func(g *mailops.Group) { g.Members = many(mailops.MaxGroupMembers+1, "example.ac.jp") }, "Group.Members"},
		{"bad sendas", func(g *mailops.Group) { g.SendAs = []mailops.Address{"x"} }, "Group.SendAs[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := validGroup()
			c.edit(&g)
			err := g.Validate()
			var ve *mailops.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, c.field, ve.Field)
			assert.ErrorIs(t, err, mailops.ErrInvalid)
		})
	}
	g := validGroup()
	g.Members = many(mailops.MaxGroupMembers, "example.ac.jp")
	assert.NoError(t, g.Validate(), "exactly the limit is allowed")
	g.Owners = many(10, "example.ac.jp")
	assert.NoError(t, g.Validate(), "ten owners are allowed")
	g.Name = strings.Repeat("名", 64)
	assert.NoError(t, g.Validate(), "64 characters, not bytes")
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func TestSimpleDisplayName(t *testing.T) {
	for _, ok := range []string{"", "Taro Yamada", `Sales (Tokyo) - "HQ" 2/3: what?`, "O'Brien, J.+K."} {
		assert.NoError(t, mailops.ValidateSimpleDisplayName(ok), ok)
	}
	for _, bad := range []string{"山田 太郎", "a_b", "x@y", "semi;colon", "tab\t", "émile", strings.Repeat("a", 257)} {
		err := mailops.ValidateSimpleDisplayName(bad)
		assert.ErrorIs(t, err, mailops.ErrInvalid, bad)
	}
}

func TestRecipientValidate(t *testing.T) {
	r := mailops.Recipient{Address: "taro@example.co.jp", Kind: mailops.Mailbox, DisplayName: "山田 太郎", SimpleDisplayName: "Taro Yamada"}
	require.NoError(t, r.Validate())
	assert.Equal(t, []mailops.Address{"taro@example.co.jp"}, r.Addresses())

	cases := map[string]func(*mailops.Recipient){
		"Recipient.Kind":                       func(r *mailops.Recipient) { r.Kind = "Contact" },
		"Recipient.DisplayName":                func(r *mailops.Recipient) { r.DisplayName = "" },
		"Recipient.SimpleDisplayName":          func(r *mailops.Recipient) { r.SimpleDisplayName = "山田" },
		"Recipient.ForwardingSmtpAddress":      func(r *mailops.Recipient) { r.ForwardingSmtpAddress = r.Address },
		"Recipient.DeliverToMailboxAndForward": func(r *mailops.Recipient) { r.DeliverToMailboxAndForward = true },
		"Recipient.ExternalAddress":            func(r *mailops.Recipient) { r.ExternalAddress = "x@partner.example" },
		"Recipient.ProxyAddresses[0]":          func(r *mailops.Recipient) { r.ProxyAddresses = []mailops.Address{r.Address} },
	}
	for field, edit := range cases {
		c := r
		edit(&c)
		var ve *mailops.ValidationError
		require.ErrorAs(t, c.Validate(), &ve, field)
		assert.Equal(t, field, ve.Field)
	}
	mu := mailops.Recipient{Address: "p@example.co.jp", Kind: mailops.MailUser, DisplayName: "P"}
	var ve *mailops.ValidationError
	require.ErrorAs(t, mu.Validate(), &ve)
	assert.Equal(t, "Recipient.ExternalAddress", ve.Field)
	mu.ExternalAddress = "p@partner.example"
	assert.NoError(t, mu.Validate())
}

func TestOutboundConnectorValidate(t *testing.T) {
	c := mailops.OutboundConnector{Name: "to deptA", Type: mailops.OnPremises, RecipientDomains: []string{"depta.example.ac.jp"}, SmartHosts: []string{"mx.depta.example.ac.jp"}, Enabled: true}
	require.NoError(t, c.Validate())
	c2 := c
	c2.SmartHosts = []string{"192.0.2.10", "198.51.100.0/24"}
	require.NoError(t, c2.Validate())

	cases := map[string]func(*mailops.OutboundConnector){
		"OutboundConnector.Name":                func(c *mailops.OutboundConnector) { c.Name = strings.Repeat("x", 65) },
		"OutboundConnector.Type":                func(c *mailops.OutboundConnector) { c.Type = "Hybrid" },
		"OutboundConnector.SmartHosts":          func(c *mailops.OutboundConnector) { c.SmartHosts = nil },
		"OutboundConnector.RecipientDomains":    func(c *mailops.OutboundConnector) { c.RecipientDomains = nil },
		"OutboundConnector.RecipientDomains[0]": func(c *mailops.OutboundConnector) { c.RecipientDomains = []string{"domain.*.contoso.com"} },
		"OutboundConnector.AllAcceptedDomains":  func(c *mailops.OutboundConnector) { c.Type = mailops.Partner; c.AllAcceptedDomains = true },
		"OutboundConnector.SmartHosts[0]":       func(c *mailops.OutboundConnector) { c.SmartHosts = []string{"bad host"} },
	}
	for field, edit := range cases {
		x := c
		edit(&x)
		var ve *mailops.ValidationError
		require.ErrorAs(t, x.Validate(), &ve, field)
		assert.Equal(t, field, ve.Field)
	}
	w := c
	w.RecipientDomains = []string{"*.contoso.com", "*"}
	assert.NoError(t, w.Validate())
	mx := c
	mx.SmartHosts, mx.UseMXRecord = nil, true
	assert.NoError(t, mx.Validate())
}

func TestInboundConnectorValidate(t *testing.T) {
	c := mailops.InboundConnector{Name: "from lists", Type: mailops.OnPremises, SenderDomains: []string{"lists.example.ac.jp"},
		SenderIPAddresses: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.7/32")}, RestrictDomainsToIPAddresses: true}
	require.NoError(t, c.Validate())
	for _, bad := range []string{"10.0.0.0/16", "2001:db8::/64", "192.0.2.1/24"} {
		x := c
		x.SenderIPAddresses = []netip.Prefix{netip.MustParsePrefix(bad)}
		var ve *mailops.ValidationError
		require.ErrorAs(t, x.Validate(), &ve, bad)
		assert.Equal(t, "InboundConnector.SenderIPAddresses[0]", ve.Field)
		assert.Equal(t, bad, ve.Value)
	}
	x := c
	x.SenderDomains = nil
	assert.ErrorIs(t, x.Validate(), mailops.ErrInvalid)
	x = c
	x.SenderIPAddresses = nil
	assert.ErrorIs(t, x.Validate(), mailops.ErrInvalid, "restrict without IPs")
}

func TestDomainAndRemoteDomainValidate(t *testing.T) {
	assert.NoError(t, mailops.Domain{Name: "depta.example.ac.jp", Type: mailops.InternalRelay}.Validate())
	assert.ErrorIs(t, mailops.Domain{Name: "DeptA.example.ac.jp"}.Validate(), mailops.ErrInvalid)
	assert.ErrorIs(t, mailops.Domain{Name: "x.example", Type: "ExternalRelay"}.Validate(), mailops.ErrInvalid)
	assert.ErrorIs(t, mailops.DomainType("ExternalRelay").Validate(), mailops.ErrInvalid)
	assert.NoError(t, mailops.RemoteDomain{Name: "Default", DomainName: "*"}.Validate())
	assert.NoError(t, mailops.RemoteDomain{Name: "partners", DomainName: "*.partner.example", UseSimpleDisplayName: true}.Validate())
	assert.ErrorIs(t, mailops.RemoteDomain{Name: "", DomainName: "*"}.Validate(), mailops.ErrInvalid)
	assert.ErrorIs(t, mailops.RemoteDomain{Name: "x", DomainName: "a.*.b"}.Validate(), mailops.ErrInvalid)
}

func TestErrorsMatch(t *testing.T) {
	var err error = &mailops.ThrottledError{Op: "CreateGroup", RetryAfter: 30}
	wrapped := errors.Join(errors.New("context"), err)
	assert.ErrorIs(t, wrapped, mailops.ErrThrottled)
	var te *mailops.ThrottledError
	require.ErrorAs(t, wrapped, &te)
	assert.Equal(t, "CreateGroup", te.Op)
	assert.ErrorIs(t, &mailops.PolicyError{Field: "f"}, mailops.ErrPolicy)
	assert.NotErrorIs(t, &mailops.PolicyError{}, mailops.ErrInvalid)
}
