package legacy

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testServer(t *testing.T) *Server {
	t.Helper()
	al, err := ParseAliases(strings.NewReader(`office: alice@example.ac.jp, bob
bob: bob, bob@home.example
lists: :include:/etc/mail/staff.list
escape: :include:/../../secret
loopa: loopb
loopb: loopa
prog: "|/usr/local/bin/ticket"
`), "aliases")
	require.NoError(t, err)
	vu, err := ParseVirtusertable(strings.NewReader("sales@depta.example.ac.jp office\n@other.example %1@example.ac.jp\nold@depta.example.ac.jp error:nouser 550 gone\n"), "virtusertable")
	require.NoError(t, err)
	root, err := os.OpenRoot("testdata")
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	fw, fp, err := ParseForward(strings.NewReader("\\carol, carol@home.example\n"), "carol/.forward")
	require.NoError(t, err)
	return &Server{
		LocalDomains: []string{"depta.example.ac.jp"}, Users: []string{"bob", "carol"},
		Aliases: al, Virtusertable: vu, Root: root,
		Forward: map[string]ForwardFile{"carol": {Targets: fw, Pos: fp}},
	}
}

func deliveries(r Resolution) []string {
	var out []string
	for _, d := range r.Deliveries {
		s := d.Address
		if d.Local {
			s = "local:" + s
		}
		out = append(out, s)
	}
	return out
}

func TestResolve(t *testing.T) {
	s := testServer(t)
	for addr, want := range map[string][]string{
		"office@depta.example.ac.jp": {"alice@example.ac.jp", "bob@home.example", "local:bob"},
		"sales@depta.example.ac.jp":  {"alice@example.ac.jp", "bob@home.example", "local:bob"},
		"x@other.example":            {"x@example.ac.jp"},
		"carol@depta.example.ac.jp":  {"carol@home.example", "local:carol"},
		"lists@depta.example.ac.jp":  {"alice@example.ac.jp", "bob@home.example", "carol@example.ac.jp", "local:bob"},
	} {
		r, err := s.Resolve(addr)
		require.NoError(t, err, addr)
		assert.ElementsMatch(t, want, deliveries(r), addr)
		assert.NotEmpty(t, r.Chain, addr)
	}
}

func TestResolveDecisions(t *testing.T) {
	s := testServer(t)
	for addr, what := range map[string]string{
		"prog@depta.example.ac.jp":   "|/usr/local/bin/ticket",
		"old@depta.example.ac.jp":    "error:nouser 550 gone",
		"nobody@depta.example.ac.jp": "nobody",
		"escape@depta.example.ac.jp": ":include:/../../secret",
	} {
		r, err := s.Resolve(addr)
		require.NoError(t, err, addr)
		require.NotEmpty(t, r.Decisions, addr)
		assert.Equal(t, what, r.Decisions[0].What, addr)
		assert.Empty(t, r.Deliveries, addr)
	}
	r, err := s.Resolve("loopa@depta.example.ac.jp")
	require.NoError(t, err)
	require.NotEmpty(t, r.Decisions)
	assert.Contains(t, r.Decisions[0].Reason, "alias loop", "a loop is a decision, never a hang or a delivery")
	r, _ = s.Resolve("escape@depta.example.ac.jp")
	assert.Contains(t, r.Decisions[0].Reason, "outside", "an include cannot leave the tree")
}
