package graph

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// TraceResultSize is the most rows one Get-MessageTraceV2 call returns ("The
// maximum value is 5000", learn.microsoft.com/powershell/module/exchangepowershell/get-messagetracev2).
const TraceResultSize = 5000

type exoTraceRow struct {
	Received         time.Time `json:"Received"`
	SenderAddress    string    `json:"SenderAddress"`
	RecipientAddress string    `json:"RecipientAddress"`
	Subject          string    `json:"Subject"`
	Status           string    `json:"Status"`
	MessageID        string    `json:"MessageId"`
}

// MessageTrace is Get-MessageTraceV2 -StartDate -EndDate
// [-RecipientAddress] [-SenderAddress] [-Status] -ResultSize 5000. When a
// call returns a full 5000 rows it asks for the next set as the cmdlet's
// reference says: the same query with -EndDate and
// -StartingRecipientAddress taken from the last row. Rows come back oldest
// first. Detail stays empty: it comes only from Get-MessageTraceDetailV2,
// per message, which the driver does not call.
func (d *Driver) MessageTrace(ctx context.Context, q mailops.TraceQuery) ([]mailops.TraceEntry, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	base := map[string]any{"StartDate": q.Start.UTC().Format(time.RFC3339Nano), "EndDate": q.End.UTC().Format(time.RFC3339Nano),
		"ResultSize": TraceResultSize}
	if len(q.Recipients) > 0 {
		base["RecipientAddress"] = q.Recipients
	}
	if len(q.Senders) > 0 {
		base["SenderAddress"] = q.Senders
	}
	if len(q.Status) > 0 {
		st := make([]string, len(q.Status))
		for i, s := range q.Status {
			st[i] = string(s)
		}
		base["Status"] = st
	}
	var out []mailops.TraceEntry
	seen := map[string]bool{}
	params := base
	for calls := 0; ; calls++ {
		if calls == maxPages {
			return nil, fmt.Errorf("graph: Get-MessageTraceV2: more than %d sets of rows: %w", maxPages, mailops.ErrUnavailable)
		}
		raw, err := d.exo.invoke(ctx, "Get-MessageTraceV2", params)
		if err != nil {
			return nil, err
		}
		rows, err := decodeAll[exoTraceRow]("Get-MessageTraceV2", raw)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			e, err := r.entry()
			if err != nil {
				return nil, err
			}
			key := e.MessageID + "\x00" + string(e.Recipient) + "\x00" + e.Received.String()
			if !seen[key] {
				seen[key] = true
				out = append(out, e)
			}
		}
		if len(rows) < TraceResultSize {
			break
		}
		last := rows[len(rows)-1]
		params = cloneParams(base)
		params["EndDate"] = last.Received.UTC().Format(time.RFC3339Nano)
		params["StartingRecipientAddress"] = last.RecipientAddress
	}
	slices.SortStableFunc(out, func(a, b mailops.TraceEntry) int {
		if c := a.Received.Compare(b.Received); c != 0 {
			return c
		}
		return strings.Compare(string(a.Recipient), string(b.Recipient))
	})
	return out, nil
}

func cloneParams(p map[string]any) map[string]any {
	out := make(map[string]any, len(p)+2)
	for k, v := range p {
		out[k] = v
	}
	return out
}

func (r exoTraceRow) entry() (mailops.TraceEntry, error) {
	bad := func(field, v string, err error) error {
		return &ResponseError{Service: "Exchange", Op: "Get-MessageTraceV2", Status: http.StatusOK, ContentType: "application/json",
			Reason: fmt.Sprintf("%s %q is not an address: %v", field, v, err), Err: mailops.ErrUnavailable}
	}
	e := mailops.TraceEntry{Received: r.Received, MessageID: r.MessageID, Subject: r.Subject, Status: mailops.TraceStatus(r.Status)}
	var err error
	if r.SenderAddress != "" {
		if e.Sender, err = mailops.ParseAddress(r.SenderAddress); err != nil {
			return e, bad("SenderAddress", r.SenderAddress, err)
		}
	}
	if e.Recipient, err = mailops.ParseAddress(r.RecipientAddress); err != nil {
		return e, bad("RecipientAddress", r.RecipientAddress, err)
	}
	return e, nil
}
