package lab

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
	"github.com/mailops-dev/mailops/mailops"
)

// Action is one control action: from the control API, or a scenario's
// scripted event. The control log holds each with the virtual time it took
// effect.
type Action struct {
	// At is when the action took effect (set by the lab).
	At time.Time `json:"at,omitzero" yaml:"-"`
	// Op is advance, clock, migrate, smtp-fault, throttle, lag,
	// dns-fault, send, stop-legacy, probe or note.
	Op string `json:"op" yaml:"op"`
	// Duration: advance's step; throttle's Retry-After (default 30s).
	Duration string `json:"duration,omitempty" yaml:"duration,omitempty"`
	// Clock: real, manual or xN (op clock).
	Clock string `json:"clock,omitempty" yaml:"clock,omitempty"`
	// Host (a role such as legacy or exo, or a host name), Stage
	// (connect, mail, rcpt, data, data-reply), Rcpt (empty: any), Count (0:
	// for ever; throttle: how many requests, default 5) and the reply for
	// smtp-fault.
	Host     string `json:"host,omitempty" yaml:"host,omitempty"`
	Stage    string `json:"stage,omitempty" yaml:"stage,omitempty"`
	Rcpt     string `json:"rcpt,omitempty" yaml:"rcpt,omitempty"`
	Count    int    `json:"count,omitempty" yaml:"count,omitempty"`
	Code     int    `json:"code,omitempty" yaml:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty" yaml:"enhanced,omitempty"`
	Text     string `json:"text,omitempty" yaml:"text,omitempty"`
	// From and To for send.
	From string `json:"from,omitempty" yaml:"from,omitempty"`
	To   string `json:"to,omitempty" yaml:"to,omitempty"`
	// Lag: how stale admin reads are during a lag burst (Duration long;
	// default 5m).
	Lag string `json:"lag,omitempty" yaml:"lag,omitempty"`
	// Mode of a dns-fault on the name in Host: servfail, silent (no
	// answer: a timeout) or none (answer again).
	Mode string `json:"mode,omitempty" yaml:"mode,omitempty"`
	// SMTP and HTTP are outside clients' traffic (ops smtp and graph),
	// recorded by the lab: one SMTP command, or one Graph or Exchange admin
	// API request.
	SMTP *smtpserve.Command `json:"smtp,omitempty" yaml:"-"`
	HTTP *HTTPRequest       `json:"http,omitempty" yaml:"-"`
}

// Ops the lab understands.
var ops = map[string]bool{"advance": true, "clock": true, "migrate": true, "smtp-fault": true,
	"throttle": true, "lag": true, "dns-fault": true, "send": true, "stop-legacy": true, "probe": true, "note": true}

func (a Action) validate() error {
	if a.Op == opSMTP || a.Op == opGraph {
		return fmt.Errorf("lab: %s actions are recorded from outside clients, not taken", a.Op)
	}
	if !ops[a.Op] {
		return fmt.Errorf("lab: unknown action %q", a.Op)
	}
	switch a.Op {
	case "advance":
		d, err := time.ParseDuration(a.Duration)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			return fmt.Errorf("lab: advance %q: want a duration in (0, 720h]", a.Duration)
		}
	case "clock":
		if _, err := ParseClock(a.Clock); err != nil {
			return err
		}
	case "smtp-fault":
		switch a.Stage {
		case mailflow.StageConnect, mailflow.StageMail, mailflow.StageRcpt, mailflow.StageData, mailflow.StageDataReply:
		default:
			return fmt.Errorf("lab: smtp-fault stage %q: want connect, mail, rcpt, data or data-reply", a.Stage)
		}
		if a.Host == "" {
			return fmt.Errorf("lab: smtp-fault needs a host")
		}
		if a.Code != 0 && (a.Code < 400 || a.Code > 599) {
			return fmt.Errorf("lab: smtp-fault code %d: want 4xx or 5xx", a.Code)
		}
	case "throttle":
		if a.Duration != "" {
			if d, err := time.ParseDuration(a.Duration); err != nil || d <= 0 {
				return fmt.Errorf("lab: throttle Retry-After %q: want a positive duration", a.Duration)
			}
		}
	case "lag":
		for _, v := range []string{a.Duration, a.Lag} {
			if v == "" {
				continue
			}
			if d, err := time.ParseDuration(v); err != nil || d <= 0 || d > 7*24*time.Hour {
				return fmt.Errorf("lab: lag %q: want a duration in (0, 168h]", v)
			}
		}
		if a.Duration == "" {
			return fmt.Errorf("lab: lag needs a duration (how long reads lag)")
		}
	case "dns-fault":
		if _, err := mailops.ParseDomainName(a.Host); err != nil {
			return fmt.Errorf("lab: dns-fault name: %w", err)
		}
		switch dnsserver.FaultMode(a.Mode) {
		case dnsserver.FaultServFail, dnsserver.FaultSilent:
		default:
			if a.Mode != "none" {
				return fmt.Errorf("lab: dns-fault mode %q: want servfail, silent or none", a.Mode)
			}
		}
	case "note":
		if strings.TrimSpace(a.Text) == "" {
			return fmt.Errorf("lab: a note needs its text")
		}
	case "send":
		if _, err := mailops.ParseAddress(a.From); err != nil {
			return fmt.Errorf("lab: send from: %w", err)
		}
		if _, err := mailops.ParseAddress(a.To); err != nil {
			return fmt.Errorf("lab: send to: %w", err)
		}
	}
	return nil
}

// effect applies an action's effect on the world (not the clock: advance and
// clock are the engine's), under the world's lock.
func (e *engine) effect(a Action) string {
	w := e.w
	switch a.Op {
	case "migrate":
		if len(w.migs) > 0 {
			return "the runbook is already running"
		}
		w.migrate()
		return "runbook started"
	case "smtp-fault":
		f := mailflow.SMTPFault{Host: w.host(a.Host), Stage: a.Stage, Rcpt: mailops.Address(a.Rcpt), Count: a.Count,
			Reply: mailflow.Reply{Code: a.Code, Enhanced: a.Enhanced, Text: a.Text}}
		if f.Reply.Code == 0 {
			f.Reply = mailflow.Reply{}
		} else if f.Reply.Text == "" {
			f.Reply.Text = "injected fault"
		}
		w.InjectSMTPFault(f)
		return fmt.Sprintf("SMTP fault on %s at %s for %q, count %d", f.Host, f.Stage, f.Rcpt, f.Count)
	case "throttle":
		ra := 30 * time.Second
		if a.Duration != "" {
			ra, _ = time.ParseDuration(a.Duration)
		}
		n := a.Count
		if n <= 0 {
			n = 5
		}
		e.graph.InjectFault(graphserver.Fault{Kind: graphserver.Throttle, RetryAfter: ra, Count: n})
		return fmt.Sprintf("throttling burst: the next %d admin API requests get 429, Retry-After %s", n, ra)
	case "send":
		from, to := mailops.Address(a.From), mailops.Address(a.To)
		if w.tenantAddress(from) {
			m := w.SendFromTenant(w.Tenant(), from, "", to)
			return fmt.Sprintf("message %d from %s (inside the tenant) to %s", m.ID, from, to)
		}
		m := w.SendFromInternet(from, "", to)
		return fmt.Sprintf("message %d from %s (internet) to %s", m.ID, from, to)
	case "lag":
		d, _ := time.ParseDuration(a.Duration)
		lag := 5 * time.Minute
		if a.Lag != "" {
			lag, _ = time.ParseDuration(a.Lag)
		}
		w.Tenant().LagReads(w.Scheduler().Now().Add(d), lag)
		return fmt.Sprintf("lagging reads: for %s every admin read sees the tenant as it was %s earlier", d, lag)
	case "dns-fault":
		mode := dnsserver.FaultMode(a.Mode)
		if a.Mode == "none" {
			mode = dnsserver.FaultNone
		}
		if err := w.DNS().Authority().FailWith(a.Host, mode); err != nil {
			return "dns-fault refused: " + err.Error()
		}
		return fmt.Sprintf("DNS fault on %s: %s", a.Host, a.Mode)
	case "note":
		return a.Text
	case "stop-legacy":
		w.stopLegacy()
		return "legacy server stopped"
	case "probe":
		if w.spec == nil {
			return "probes are for consolidation scenarios"
		}
		w.spec.Probe(w.Scheduler().Now())
		return "one probe to every migrated address"
	}
	return ""
}
