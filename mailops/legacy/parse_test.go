package legacy

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// From aliases(5) (Postfix): the file's own example shapes.
const aliasesExample = `# Basic system aliases -- these MUST be present
MAILER-DAEMON:	postmaster
postmaster:	root

# General redirections for pseudo accounts
bin:		root
"quoted name": root
staff:	alice@example.ac.jp,
	bob, "|/usr/bin/vacation -a staff",
	/var/mail/staff.archive
lists: :include:/etc/mail/staff.list
keep: \keep, keep@elsewhere.example
`

func TestParseAliases(t *testing.T) {
	tb, err := ParseAliases(strings.NewReader(aliasesExample), "aliases")
	require.NoError(t, err)
	assert.Equal(t, []string{"mailer-daemon", "postmaster", "bin", "quoted name", "staff", "lists", "keep"}, tb.Keys())
	staff, ok := tb.Lookup("STAFF")
	require.True(t, ok, "keys are case-insensitive")
	assert.Equal(t, Pos{File: "aliases", Line: 8}, staff.Pos)
	assert.Equal(t, []Target{
		{Kind: TargetAddress, Value: "alice@example.ac.jp"},
		{Kind: TargetLocal, Value: "bob"},
		{Kind: TargetPipe, Value: "/usr/bin/vacation -a staff"},
		{Kind: TargetFile, Value: "/var/mail/staff.archive"},
	}, staff.Targets, "continuation lines, a quoted pipe with spaces, a file")
	lists, _ := tb.Lookup("lists")
	assert.Equal(t, []Target{{Kind: TargetInclude, Value: "/etc/mail/staff.list"}}, lists.Targets)
	keep, _ := tb.Lookup("keep")
	assert.Equal(t, TargetMailbox, keep.Targets[0].Kind)

	again, err := ParseAliases(strings.NewReader(RenderAliases(tb)), "aliases")
	require.NoError(t, err)
	for _, e := range tb.Entries {
		got, ok := again.Lookup(e.Key)
		require.True(t, ok, e.Key)
		assert.Equal(t, e.Targets, got.Targets, "parse(render(x)) == x for %s", e.Key)
	}
}

func TestParseAliasesErrors(t *testing.T) {
	for name, src := range map[string]string{
		"no colon":          "root you\n",
		"continuation only": "  you\n",
		"no targets":        "root:\n",
		"unquoted space":    "a b: c\n",
		"unterminated":      "\"abc: d\n",
	} {
		_, err := ParseAliases(strings.NewReader(src), "aliases")
		var se *SyntaxError
		require.True(t, errors.As(err, &se), name)
		assert.Equal(t, "aliases", se.Pos.File, name)
		assert.ErrorIs(t, err, ErrSyntax, name)
	}
}

// From virtual(5) (Postfix): a virtual alias domain and its addresses.
const virtualExample = `virtual-alias.domain    anything (right-hand content does not matter)
postmaster@virtual-alias.domain postmaster
user1@virtual-alias.domain      address1@example.com
user2@virtual-alias.domain      address2@example.com, address3@example.com
@catchall.example               joe@example.com
root                            admin@example.com
`

func TestParseVirtual(t *testing.T) {
	tb, domains, err := ParseVirtual(strings.NewReader(virtualExample), "virtual")
	require.NoError(t, err)
	assert.Equal(t, []string{"virtual-alias.domain"}, domains)
	e, ok := tb.Lookup("user2@virtual-alias.domain")
	require.True(t, ok)
	assert.Equal(t, []Target{{Kind: TargetAddress, Value: "address2@example.com"}, {Kind: TargetAddress, Value: "address3@example.com"}}, e.Targets)
	again, _, err := ParseVirtual(strings.NewReader(RenderMap(tb)), "virtual")
	require.NoError(t, err)
	assert.Equal(t, tb.Keys(), again.Keys())
}

// From Sendmail's virtusertable documentation (cf/README).
const virtusertableExample = `info@foo.com	foo-info
info@bar.com	bar-info
joe@bar.com	error:nouser 550 No such user here
jax@bar.com	error:5.7.0:550 Address invalid
@baz.org	jane@example.net
@foo.org	%1@example.com
`

func TestParseVirtusertable(t *testing.T) {
	tb, err := ParseVirtusertable(strings.NewReader(virtusertableExample), "virtusertable")
	require.NoError(t, err)
	joe, _ := tb.Lookup("joe@bar.com")
	assert.Equal(t, []Target{{Kind: TargetError, Value: "nouser 550 No such user here"}}, joe.Targets)
	_, err = ParseVirtusertable(strings.NewReader("nodomain value\n"), "v")
	assert.ErrorIs(t, err, ErrSyntax)
}

func TestParseForwardRefusesFilters(t *testing.T) {
	for _, src := range []string{"# Exim filter\nif $h_subject: contains \"x\" then save /tmp/x endif\n", "require \"fileinto\";\nfileinto \"x\";\n", "# Sieve filter\nkeep;\n"} {
		_, _, err := ParseForward(strings.NewReader(src), ".forward")
		assert.ErrorIs(t, err, ErrFilterFile, src)
	}
	ts, pos, err := ParseForward(strings.NewReader("\\taro, taro@home.example\n\"|/usr/bin/procmail\"\n"), "taro/.forward")
	require.NoError(t, err)
	assert.Equal(t, []Target{{Kind: TargetMailbox, Value: "taro"}, {Kind: TargetAddress, Value: "taro@home.example"}, {Kind: TargetPipe, Value: "/usr/bin/procmail"}}, ts)
	assert.Equal(t, 2, pos[2].Line)
}

func TestParseCSVAndUsers(t *testing.T) {
	tb, err := ParseCSV(strings.NewReader("address,targets\noffice@depta.example.ac.jp,alice@example.ac.jp,bob@example.ac.jp\nlab@depta.example.ac.jp,\"carol@example.ac.jp dave@example.ac.jp\"\n"), "x.csv")
	require.NoError(t, err)
	lab, _ := tb.Lookup("lab@depta.example.ac.jp")
	assert.Len(t, lab.Targets, 2)
	assert.Equal(t, 3, lab.Pos.Line)
	_, err = ParseCSV(strings.NewReader("a@b.example\n"), "x.csv")
	assert.ErrorIs(t, err, ErrSyntax, "a row with no target")
	us, err := ParseUsers(strings.NewReader("taro\nhanako@maker.example\n"), "users")
	require.NoError(t, err)
	assert.Equal(t, []string{"taro", "hanako@maker.example"}, us)
	_, err = ParseUsers(strings.NewReader("bad user\n"), "users")
	assert.ErrorIs(t, err, ErrSyntax)
}
