package spec

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse feeds arbitrary bytes to Parse: it never panics, and a file that
// parses marshals to YAML that parses to the same value.
func FuzzParse(f *testing.F) {
	src, err := os.ReadFile("testdata/depta.yaml")
	require.NoError(f, err)
	f.Add(src)
	f.Add([]byte("apiVersion: mailops.dev/v1\nkind: Cutover\n"))
	f.Add([]byte("kind: [\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("traffic: {duration: 1h, perHour: 1e400}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			require.Nil(t, s)
			return
		}
		out, err := Marshal(s)
		require.NoError(t, err, "a parsed spec marshals")
		again, err := Parse(bytes.NewReader(out), "again.yaml")
		require.NoError(t, err, "the marshalled spec parses:\n%s", out)
		require.Equal(t, s, again, "parse(marshal(x)) == x:\n%s", out)
	})
}
