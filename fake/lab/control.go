package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
)

// controlHandler is the control API and page.
func (l *Lab) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pageHandler())
	mux.Handle("GET /assets/", assetHandler())
	mux.HandleFunc("GET /api/state", l.apiState)
	mux.HandleFunc("GET /api/events", l.apiEvents)
	mux.HandleFunc("GET /api/timeline", func(w http.ResponseWriter, r *http.Request) {
		es, _ := l.e.tl.since(0)
		writeJSON(w, es)
	})
	mux.HandleFunc("GET /api/ledger", l.apiLedger)
	mux.HandleFunc("GET /api/mailboxes", l.apiMailboxes)
	mux.HandleFunc("GET /api/tenant", l.apiTenant)
	mux.HandleFunc("GET /api/grade", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, l.Grade()) })
	mux.HandleFunc("GET /api/log", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, l.Log()) })
	mux.HandleFunc("POST /api/action", l.apiAction)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (l *Lab) apiState(w http.ResponseWriter, _ *http.Request) {
	var st struct {
		Title    string    `json:"title"`
		Kind     string    `json:"kind"`
		Seed     uint64    `json:"seed"`
		Clock    string    `json:"clock"`
		Start    time.Time `json:"start"`
		Now      time.Time `json:"now"`
		Migrated bool      `json:"migrationStarted"`
		Roles    map[string]string
		Ports    Ports    `json:"ports"`
		Hints    []string `json:"hints"`
		Error    string   `json:"error,omitempty"`
	}
	l.Do(func() {
		st.Title, st.Kind, st.Seed, st.Clock = l.e.sc.Title, string(l.e.sc.file.Kind), l.e.seed, l.clk.spec.String()
		st.Start, st.Now, st.Migrated, st.Hints = l.e.w.start, l.e.now(), len(l.e.w.migs) > 0, l.e.sc.Hints
		st.Roles = l.e.w.roles
		if l.e.err != nil {
			st.Error = l.e.err.Error()
		}
	})
	st.Ports = l.Ports()
	writeJSON(w, st)
}

// apiEvents streams the timeline as server-sent events, from ?from=N (or
// the Last-Event-ID) on, until the client goes away or the lab stops.
func (l *Lab) apiEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		if n, err := strconv.Atoi(id); err == nil {
			from = n + 1
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	for {
		es, changed := l.e.tl.since(from)
		for _, e := range es {
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\nevent: entry\ndata: %s\n\n", e.Seq, b)
			from = e.Seq + 1
		}
		fl.Flush()
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-l.stop:
			return
		}
	}
}

// ledgerMessage is one message with everything that happened to it.
type ledgerMessage struct {
	*mailflow.Message
	Events []ledgerEvent `json:"events"`
}

type ledgerEvent struct {
	At      time.Time          `json:"at"`
	Kind    mailflow.EventKind `json:"kind"`
	Orig    mailops.Address    `json:"orig"`
	Rcpt    mailops.Address    `json:"rcpt,omitempty"`
	Host    string             `json:"host,omitempty"`
	Mailbox mailflow.Mailbox   `json:"mailbox,omitempty"`
	Reply   string             `json:"reply,omitempty"`
	Route   string             `json:"route,omitempty"`
	Detail  string             `json:"detail,omitempty"`
}

// apiLedger lists the last ?limit= messages (default 100) with their hops,
// deferrals, deliveries and bounces; ?problems=1 keeps only messages with a
// bounce, loop or drop. Under the lab's retention (labRetention) the ledger
// holds the messages not settled yet and the last labEvents events: older
// messages are summarised in the oracle's counts and violations (GET
// /api/grade), not listed, and a held message shows the events still kept.
func (l *Lab) apiLedger(w http.ResponseWriter, r *http.Request) {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 {
		limit = 100
	}
	problems := r.URL.Query().Get("problems") != ""
	var out []ledgerMessage
	l.Do(func() {
		led := l.e.w.Ledger()
		byMsg := map[int][]ledgerEvent{}
		bad := map[int]bool{}
		for _, e := range led.Events() {
			le := ledgerEvent{At: e.At, Kind: e.Kind, Orig: e.Orig, Rcpt: e.Rcpt, Host: e.Host, Mailbox: e.Mailbox, Route: e.Route, Detail: e.Detail}
			if e.Reply.Code != 0 {
				le.Reply = e.Reply.String()
			}
			byMsg[e.Msg] = append(byMsg[e.Msg], le)
			if e.Kind == mailflow.EvBounce || e.Kind == mailflow.EvLoop || e.Kind == mailflow.EvDrop {
				bad[e.Msg] = true
			}
		}
		msgs := led.Messages()
		for i := len(msgs) - 1; i >= 0 && len(out) < limit; i-- {
			m := msgs[i]
			if problems && !bad[m.ID] {
				continue
			}
			c := *m
			out = append(out, ledgerMessage{Message: &c, Events: byMsg[m.ID]})
		}
	})
	writeJSON(w, out)
}

// apiMailboxes lists every mailbox with a delivery and how many it had.
func (l *Lab) apiMailboxes(w http.ResponseWriter, _ *http.Request) {
	var counts map[mailflow.Mailbox]int
	l.Do(func() { counts = maps.Clone(l.e.watch.delivered) })
	type row struct {
		Mailbox   mailflow.Mailbox `json:"mailbox"`
		IMAPUser  string           `json:"imapUser"`
		Delivered int              `json:"delivered"`
	}
	var out []row
	for _, mb := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, row{Mailbox: mb, IMAPUser: mailboxAddress(mb), Delivered: counts[mb]})
	}
	writeJSON(w, out)
}

// apiTenant shows the tenant as an admin reads it (every group as written)
// and as mail flow sees it now (after propagation).
func (l *Lab) apiTenant(w http.ResponseWriter, _ *http.Request) {
	var out struct {
		Admin struct {
			Groups []mailops.Group `json:"groups"`
		} `json:"admin"`
		MailFlow struct {
			Domains    []mailops.Domain            `json:"domains"`
			Groups     []mailops.Group             `json:"groups"`
			Connectors []mailops.OutboundConnector `json:"outboundConnectors"`
		} `json:"mailFlow"`
		DNS   []DNSChange `json:"dnsHistory"`
		Calls []string    `json:"calls"`
	}
	l.Do(func() {
		t := l.e.w.Tenant()
		out.Admin.Groups = t.Groups()
		v := t.MailView()
		out.MailFlow.Domains = v.AcceptedDomains()
		for _, g := range out.Admin.Groups {
			if mg, ok := v.Group(g.PrimaryAddress); ok {
				out.MailFlow.Groups = append(out.MailFlow.Groups, mg)
			}
		}
		out.MailFlow.Connectors = v.OutboundConnectors()
		out.DNS = slices.Clone(l.e.dns.changes)
		for _, c := range t.CallLog() {
			s := fmt.Sprintf("%s %s %s %s", c.End.Format(time.DateTime), c.Admin, c.Op, c.Target)
			if c.Err != nil {
				s += ": " + c.Err.Error()
			}
			out.Calls = append(out.Calls, s)
		}
	})
	writeJSON(w, out)
}

func (l *Lab) apiAction(w http.ResponseWriter, r *http.Request) {
	var a Action
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		http.Error(w, "bad action: "+err.Error(), http.StatusBadRequest)
		return
	}
	a.At = time.Time{}
	got, err := l.Act(a)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, got)
}
