package mailops

import "time"

// TraceStatus is a message trace row's delivery status (Get-MessageTraceV2
// -Status).
type TraceStatus string

// Message trace statuses used by mailops.
const (
	TraceDelivered TraceStatus = "Delivered"
	TraceFailed    TraceStatus = "Failed"
	TracePending   TraceStatus = "Pending"
	TraceExpanded  TraceStatus = "Expanded"
)

// TraceQuery selects message trace rows (Get-MessageTraceV2). Recipients may
// use a wildcard local part ("*@depta.example.ac.jp"). Exchange Online keeps
// 90 days of data and answers at most 10 days per query; Start and End are
// required.
//
// Source: learn.microsoft.com/powershell/module/exchangepowershell/get-messagetracev2.
type TraceQuery struct {
	Recipients []string      `json:"recipients,omitempty"`
	Senders    []string      `json:"senders,omitempty"`
	Status     []TraceStatus `json:"status,omitempty"`
	Start      time.Time     `json:"start"`
	End        time.Time     `json:"end"`
}

// MaxTraceWindow is the longest Start..End span one Get-MessageTraceV2 query
// accepts ("You can only return 10 days worth of data per query").
const MaxTraceWindow = 10 * 24 * time.Hour

// Validate checks the window.
func (q TraceQuery) Validate() error {
	if q.Start.IsZero() || q.End.IsZero() || !q.Start.Before(q.End) {
		return invalid("TraceQuery.Start", q.Start.String(), "Start and End are required and Start must be before End")
	}
	if q.End.Sub(q.Start) > MaxTraceWindow {
		return invalid("TraceQuery.End", q.End.String(), "at most 10 days per query")
	}
	return nil
}

// TraceEntry is one row of a message trace: one message to one recipient.
type TraceEntry struct {
	Received  time.Time   `json:"received"`
	MessageID string      `json:"messageId"`
	Sender    Address     `json:"sender"`
	Recipient Address     `json:"recipient"`
	Subject   string      `json:"subject,omitempty"`
	Status    TraceStatus `json:"status"`
	// Detail is the delivery or failure reason, e.g. "550 5.4.1".
	Detail string `json:"detail,omitempty"`
}

// MatchesRecipient reports whether a (lower-case) matches pattern: an exact
// address or "*@domain".
func MatchesRecipient(pattern string, a Address) bool {
	if d, ok := cutWildcard(pattern); ok {
		return a.Domain() == d
	}
	return Address(pattern) == a
}

func cutWildcard(p string) (string, bool) {
	if len(p) > 2 && p[0] == '*' && p[1] == '@' {
		return p[2:], true
	}
	return "", false
}
