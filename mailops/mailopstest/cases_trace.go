package mailopstest

import (
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailops-dev/mailops/mailops"
)

// Message trace. Source: Get-MessageTraceV2
// (learn.microsoft.com/powershell/module/exchangepowershell/get-messagetracev2):
// StartDate and EndDate bound the query; "You can only return 10 days worth
// of data per query" and data is kept for 90 days.
var traceCases = []testCase{
	{"Trace/WindowIsChecked", func(f *fixture) {
		base := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
		if nh, ok := f.h.(NowHarness); ok {
			base = nh.Now().Add(-2 * time.Hour)
		}
		rcpt := []string{"*@" + f.newDomain()}
		for _, q := range []mailops.TraceQuery{
			{Recipients: rcpt, Start: base, End: base.Add(-time.Hour)},           // End before Start
			{Recipients: rcpt, Start: base.Add(-11 * 24 * time.Hour), End: base}, // over 10 days
			{Recipients: rcpt, Start: base, End: base},                           // empty window
			{Recipients: rcpt, End: base},                                        // no Start
		} {
			_, err := f.d.MessageTrace(f.ctx, q)
			assert.ErrorIs(f.t, err, mailops.ErrInvalid, "window %s .. %s", q.Start, q.End)
		}
		if _, ok := f.h.(NowHarness); !ok {
			f.t.Log("no NowHarness: the valid query is not tried (the service keeps only the last 90 days)")
			return
		}
		rows, err := f.d.MessageTrace(f.ctx, mailops.TraceQuery{Recipients: rcpt, Start: base, End: base.Add(time.Hour)})
		assert.NoError(f.t, err, "a valid window")
		assert.Empty(f.t, rows, "nobody mails a domain no tenant holds")
	}},
}
