package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exampleImports are the commands that made examples/specs/*/spec.yaml from
// the legacy files beside it (run from the example's directory; the
// examples' README shows the same).
var exampleImports = map[string][]string{
	"university": {"import", "--kind", "consolidation", "--aliases", "legacy/etc/aliases", "--csv", "legacy/admin.csv", "--root", "legacy",
		"--domain", "physics.example.ac.jp", "--legacy-mx", "mx.physics.example.ac.jp", "--tenant-domain", "example.ac.jp",
		"--admin-group", "physics-admins@example.ac.jp", "--admin-owner", "it-desk@example.ac.jp", "--admin-member", "sato@example.ac.jp"},
	"manufacturer": {"import", "--kind", "cutover", "--aliases", "legacy/etc/mail/aliases", "--virtusertable", "legacy/etc/mail/virtusertable",
		"--local-host-names", "legacy/etc/mail/local-host-names", "--users", "legacy/users", "--root", "legacy",
		"--domain", "maker.example.co.jp", "--legacy-mx", "mail.maker.example.co.jp", "--admin", "yamada@maker.example.co.jp",
		"--tenant-domain", "maker.onmicrosoft.com", "--devices", "legacy/devices", "--relay-account", "relay@maker.example.co.jp"},
}

// TestExampleSpecs: each example spec is what import makes from its legacy
// files, and it plans and applies against fakegraph to the spec's end state.
func TestExampleSpecs(t *testing.T) {
	for name, args := range exampleImports {
		t.Run(name, func(t *testing.T) {
			t.Chdir(filepath.Join("..", "..", "examples", "specs", name))
			tmp := t.TempDir()
			out := filepath.Join(tmp, "spec.yaml")
			code, _, stderr := run(t, append(args, "-o", out)...)
			require.Equal(t, exitOK, code, stderr)
			assert.NotContains(t, stderr, "warning")
			want, err := os.ReadFile("spec.yaml")
			require.NoError(t, err)
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got), "examples/specs/%s/spec.yaml is stale: run the import again", name)

			sf, _, err := loadSpec("spec.yaml")
			require.NoError(t, err)
			zone := filepath.Join(tmp, "zone.txt")
			g, err := newFakeGraph(context.Background(), sf, 1, zone)
			require.NoError(t, err)
			url, stop, err := serveFake(g, g.Handler())
			require.NoError(t, err)
			defer stop()
			plan := filepath.Join(tmp, "plan.json")
			code, _, stderr = run(t, "plan", "spec.yaml", "--graph", url, "--out", plan)
			require.Equal(t, exitOK, code, stderr)
			code, _, stderr = run(t, "apply", plan, "--graph", url, "--skip-waits", "--dns-file", zone)
			require.Equal(t, exitOK, code, stderr)
			code, outText, stderr := run(t, "diff", "spec.yaml", "--graph", url, "--detailed-exitcode")
			assert.Equal(t, exitOK, code, outText+stderr)
		})
	}
}
