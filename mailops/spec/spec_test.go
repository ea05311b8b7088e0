package spec

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/legacy"
)

func load(t *testing.T) *File {
	t.Helper()
	f, err := os.Open("testdata/depta.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := Parse(f, "depta.yaml")
	require.NoError(t, err)
	return s
}

func TestParseAndBuild(t *testing.T) {
	s := load(t)
	assert.Equal(t, Consolidation, s.Kind)
	assert.Equal(t, time.Hour, s.Departments[0].LegacyMXTTL.D())
	rbs, err := s.ConsolidationRunbooks()
	require.NoError(t, err)
	require.Len(t, rbs, 1)
	rb := rbs[0]
	assert.Equal(t, mailops.Security, rb.AdminGroup.Type, "the admin group is a mail-enabled security group")
	assert.Equal(t, []mailops.Address{"bob@example.ac.jp", "prof.emeritus@gmail.example"}, rb.Addresses[1].Targets)
	rs := s.Recipients()
	require.Len(t, rs, 4)
	assert.Equal(t, mailops.Address("lab@depta.example.ac.jp"), rs[1].ForwardingSmtpAddress)
	assert.Equal(t, mailops.MailContact, rs[3].Kind)

	out, err := Marshal(s)
	require.NoError(t, err)
	again, err := Parse(bytes.NewReader(out), "again.yaml")
	require.NoError(t, err)
	assert.Equal(t, s, again, "parse(marshal(x)) == x")
}

func TestStrictErrorsNameTheLine(t *testing.T) {
	src, err := os.ReadFile("testdata/depta.yaml")
	require.NoError(t, err)
	for name, c := range map[string]struct {
		edit func(string) string
		line int
		msg  string
	}{
		"unknown field": {func(s string) string {
			return strings.Replace(s, "    legacyMXTTL: 1h", "    legacyMXTTL: 1h\n    legacyTTL: 2h", 1)
		}, 18, "legacyTTL"},
		"wrong type":   {func(s string) string { return strings.Replace(s, "perHour: 100", "perHour: [1]", 1) }, 31, "float64"},
		"bad duration": {func(s string) string { return strings.Replace(s, "legacyMXTTL: 1h", "legacyMXTTL: soon", 1) }, 17, "duration"},
	} {
		_, err := Parse(strings.NewReader(c.edit(string(src))), "depta.yaml")
		var pe *ParseError
		require.True(t, errors.As(err, &pe), "%s: %v", name, err)
		assert.Equal(t, c.line, pe.Line, name)
		assert.Contains(t, pe.Error(), c.msg, name)
		assert.Contains(t, pe.Error(), "depta.yaml:", name)
		assert.ErrorIs(t, err, ErrParse, name)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	src, err := os.ReadFile("testdata/depta.yaml")
	require.NoError(t, err)
	for field, edit := range map[string]func(string) string{
		"departments[0].addresses[1].targets[1]": func(s string) string {
			return strings.Replace(s, "prof.emeritus@gmail.example]", "stranger@gmail.example]", 1)
		},
		"apiVersion":                          func(s string) string { return strings.Replace(s, "mailops.dev/v1", "v0", 1) },
		"departments[0].addresses[0].address": func(s string) string { return strings.Replace(s, "office@depta", "office@deptb", 1) },
		"tenant.contacts[0].address": func(s string) string {
			return strings.Replace(s, "prof.emeritus@gmail.example, display", "x@example.ac.jp, display", 1)
		},
		"departments[0].admins.owners[0]": func(s string) string {
			return strings.Replace(s, "owners: [it@example.ac.jp]", "owners: [nobody@example.ac.jp]", 1)
		},
	} {
		_, err := Parse(strings.NewReader(edit(string(src))), "depta.yaml")
		var ve *mailops.ValidationError
		require.True(t, errors.As(err, &ve), "%s: %v", field, err)
		assert.Equal(t, field, ve.Field)
	}
}

// docs/spec.schema.json is generated from the Go types; regenerate it with
// go run ./mailops/spec/internal/genschema after changing them.
func TestSchemaIsCommitted(t *testing.T) {
	want, err := Schema()
	require.NoError(t, err)
	got, err := os.ReadFile("../../docs/spec.schema.json")
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "docs/spec.schema.json is out of date: run go run ./mailops/spec/internal/genschema")
}

// A cutover import never writes an external member into a department group
// (the spec would be invalid): the outside target is a decision.
func TestImportCutoverExternalTargetIsADecision(t *testing.T) {
	al, err := legacy.ParseAliases(strings.NewReader("sales: taro, partner@outside.example\nhelp: partner@outside.example\n"), "aliases")
	require.NoError(t, err)
	srv := &legacy.Server{LocalDomains: []string{"maker.example.co.jp"}, Users: []string{"taro"}, Aliases: al}
	res, err := Import(srv, nil, ImportOptions{Kind: Cutover, Domain: "maker.example.co.jp", LegacyMX: "mail.maker.example.co.jp", TenantDomains: []string{"maker.onmicrosoft.com"}})
	require.NoError(t, err)
	require.NoError(t, res.File.Validate(), "the imported spec is valid")
	var what []string
	for _, d := range res.File.Decisions {
		what = append(what, d.Address+" "+d.What)
	}
	assert.Contains(t, what, "sales@maker.example.co.jp partner@outside.example")
	assert.Contains(t, what, "help@maker.example.co.jp help@maker.example.co.jp", "an address left with no member inside is not migrated")
	require.Len(t, res.File.Cutover.Departments, 1)
	assert.Equal(t, []string{"taro@maker.example.co.jp"}, res.File.Cutover.Departments[0].Members)
}
