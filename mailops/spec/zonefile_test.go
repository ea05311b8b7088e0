package spec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/mailops"
)

func TestZoneRecordsFromFileAndInline(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "depta.zone"), []byte(`$ORIGIN depta.example.ac.jp.
$TTL 7200
@   IN SOA ns.example.ac.jp. hostmaster.example.ac.jp. 1 3600 600 86400 300
@   IN MX 10 mx.depta.example.ac.jp.
@   IN TXT "v=spf1 a:mx.depta.example.ac.jp -all"
mx  300 IN A 192.0.2.10
`), 0o644))
	z := Zone{Origin: "depta.example.ac.jp", File: "depta.zone", Records: []string{"www IN CNAME web.example.ac.jp."}}
	rs, err := z.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, []mailops.DNSRecord{
		{Type: "MX", Label: "@", Value: "mx.depta.example.ac.jp", Preference: 10, TTL: 7200},
		{Type: "TXT", Label: "@", Value: "v=spf1 a:mx.depta.example.ac.jp -all", TTL: 7200},
		{Type: "A", Label: "mx", Value: "192.0.2.10", TTL: 300},
		{Type: "CNAME", Label: "www", Value: "web.example.ac.jp", TTL: 3600},
	}, rs, "SOA skipped, $TTL and per-record TTLs honoured")

	_, err = Zone{Origin: "depta.example.ac.jp", Records: []string{"@ IN MX ten mx"}}.Load(dir)
	var pe *ParseError
	require.True(t, errors.As(err, &pe), "%v", err)
	assert.ErrorIs(t, err, ErrParse)
}
