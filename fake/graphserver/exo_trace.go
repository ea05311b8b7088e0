package graphserver

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Get-MessageTraceV2's result sizes: "The default value is 1000. The
// maximum value is 5000" (learn.microsoft.com/powershell/module/exchangepowershell/get-messagetracev2).
const (
	traceDefaultResultSize = 1000
	traceMaxResultSize     = 5000
)

// getMessageTrace is Get-MessageTraceV2 -StartDate -EndDate
// [-RecipientAddress] [-SenderAddress] [-Status] [-ResultSize]
// [-StartingRecipientAddress]. Rows come newest first; a caller pages by
// passing the last row's Received as -EndDate and its RecipientAddress as
// -StartingRecipientAddress, as the cmdlet's reference describes.
func getMessageTrace(s *Server, r *http.Request, p params) ([]any, error) {
	if err := p.check("StartDate", "EndDate", "RecipientAddress", "SenderAddress", "Status", "ResultSize", "StartingRecipientAddress"); err != nil {
		return nil, err
	}
	start, err := p.date("StartDate")
	if err != nil {
		return nil, err
	}
	end, err := p.date("EndDate")
	if err != nil {
		return nil, err
	}
	var q mailops.TraceQuery
	q.Start, q.End = start, end
	if q.Recipients, err = p.strs("RecipientAddress"); err != nil {
		return nil, err
	}
	if q.Senders, err = p.strs("SenderAddress"); err != nil {
		return nil, err
	}
	st, err := p.strs("Status")
	if err != nil {
		return nil, err
	}
	for _, x := range st {
		q.Status = append(q.Status, mailops.TraceStatus(x))
	}
	size := traceDefaultResultSize
	if p.has("ResultSize") {
		raw, _ := p.raw("ResultSize")
		n, err := strconv.Atoi(strings.Trim(string(raw), `"`))
		if size = n; err != nil || size < 1 || size > traceMaxResultSize {
			return nil, cmdletErr("Cannot validate argument on parameter 'ResultSize'. The value must be between 1 and 5000.")
		}
	}
	after, err := p.str("StartingRecipientAddress")
	if err != nil {
		return nil, err
	}
	// The paging EndDate is the last row's Received: rows at that instant
	// are still in range, ordered by recipient after StartingRecipientAddress.
	q.End = q.End.Add(time.Nanosecond)
	rows, err := s.d.MessageTrace(r.Context(), q)
	if err != nil {
		return nil, backing("", err)
	}
	slices.SortStableFunc(rows, func(a, b mailops.TraceEntry) int {
		if c := b.Received.Compare(a.Received); c != 0 {
			return c
		}
		return strings.Compare(string(a.Recipient), string(b.Recipient))
	})
	var out []any
	for _, e := range rows {
		if e.Received.After(end) || (after != "" && e.Received.Equal(end) && string(e.Recipient) <= strings.ToLower(after)) {
			continue
		}
		if len(out) == size {
			break
		}
		out = append(out, map[string]any{"Received": e.Received.UTC().Format(time.RFC3339Nano), "SenderAddress": string(e.Sender),
			"RecipientAddress": string(e.Recipient), "Subject": e.Subject, "Status": string(e.Status), "MessageId": e.MessageID,
			"MessageTraceId": objectID("trace", e.MessageID+"/"+string(e.Recipient))})
	}
	return out, nil
}
