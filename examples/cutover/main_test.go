package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runJSON(t *testing.T, args ...string) summary {
	t.Helper()
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run(append(args, "-json"), &out, &errOut), errOut.String())
	var s summary
	require.NoError(t, json.Unmarshal(out.Bytes(), &s), out.String())
	return s
}

func TestSafeRunLosesNothing(t *testing.T) {
	s := runJSON(t, "-seed", "3", "-addresses", "50")
	assert.Greater(t, s.Sent, 1000)
	// Bounces inside the documented verification gap (adding the domain
	// until InternalRelay reaches mail flow) are reported, not loss.
	assert.Equal(t, s.Sent, s.Delivered+s.GapBounced)
	assert.Equal(t, s.Bounced, s.GapBounced)
	assert.Zero(t, s.Lost+s.Looped+s.Misdelivered)
}

func TestUnsafeVariantsShowLoss(t *testing.T) {
	for _, u := range unsafeVariants {
		t.Run(string(u), func(t *testing.T) {
			s := runJSON(t, "-seed", "3", "-addresses", "50", "-unsafe", string(u))
			assert.Positive(t, s.Bounced+s.Lost+s.Looped+s.Misdelivered, "%s must lose mail: %+v", u, s)
		})
	}
}

func TestTimelineReportAndPowerShell(t *testing.T) {
	var out, errOut bytes.Buffer
	file := filepath.Join(t.TempDir(), "report.html")
	require.Equal(t, 0, run([]string{"-seed", "2", "-report", file}, &out, &errOut), errOut.String())
	text := out.String()
	for _, want := range []string{"preflight:", "forwarding.loop", "mx-switch", "gate:", "internet→EXO→group", "no mail lost."} {
		assert.Contains(t, text, want)
	}
	html, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(html), "<svg")
	assert.Contains(t, string(html), "No mail lost.")
	assert.Greater(t, strings.Count(string(html), "<rect"), 50, "bars per route and time")

	out.Reset()
	require.Equal(t, 0, run([]string{"-powershell"}, &out, &errOut))
	assert.Contains(t, out.String(), "New-DistributionGroup")
	assert.Contains(t, out.String(), "Set-AcceptedDomain -Identity 'depta.example.ac.jp' -DomainType InternalRelay")
	// As the university does, members with tenant mailboxes may send as
	// the departmental address.
	assert.Regexp(t, `Add-RecipientPermission -Identity 'addr\d{3}@depta\.example\.ac\.jp' -AccessRights SendAs -Trustee 'user\d{2}@example\.ac\.jp' -Confirm:\$false`, out.String())
	assert.NotContains(t, out.String(), "mail.protection.outlook.com", "the MX host comes from the service")
}

func TestBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run([]string{"-unsafe", "nope"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "known: empty-group")
	assert.Equal(t, 2, run([]string{"-addresses", "0"}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"-runbook", "other"}, &out, &errOut))
	assert.Equal(t, 2, run([]string{"-nosuchflag"}, &out, &errOut))
}
