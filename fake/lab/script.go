package lab

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// TrafficProfile is extra traffic a scenario scripts on top of the spec's:
// a stream of messages from some senders to some addresses for a while (a
// Monday-morning peak, a partner's newsletter).
type TrafficProfile struct {
	// Name names the stream (and seeds it: the same name, the same
	// messages).
	Name string `yaml:"name" json:"name"`
	// After is when it starts (from the start of traffic); For how long
	// it lasts.
	After spec.Duration `yaml:"after" json:"after"`
	For   spec.Duration `yaml:"for" json:"for"`
	// PerHour messages per hour (Poisson arrivals).
	PerHour float64 `yaml:"perHour" json:"perHour"`
	// From are the senders, addresses of the lab (tenant mailboxes send
	// from inside the tenant, others from the internet); To the
	// recipients (default: every migrated address).
	From []string `yaml:"from" json:"from"`
	To   []string `yaml:"to,omitempty" json:"to,omitempty"`
}

// Checkpoint is an assertion the scenario makes at a virtual time, over
// the ledger and the tenant; a failed checkpoint fails the grade and shows
// its hint. Exactly one of the assertions is set.
type Checkpoint struct {
	At   spec.Duration `yaml:"at" json:"at"`
	Name string        `yaml:"name" json:"name"`
	// NoLoss: the oracle so far finds nothing lost, looped, misdelivered
	// or bounced (messages still in flight are not counted).
	NoLoss bool `yaml:"noLoss,omitempty" json:"noLoss,omitempty"`
	// Delivered: a message to this address was delivered since the
	// previous checkpoint (or the start).
	Delivered string `yaml:"delivered,omitempty" json:"delivered,omitempty"`
	// MX: the domain's published MX points at Exchange Online (host
	// "exo") or at the legacy server ("legacy").
	MX *MXCheckpoint `yaml:"mx,omitempty" json:"mx,omitempty"`
	// Group: the group exists, as an admin reads it, with at least
	// MinMembers members.
	Group *GroupCheckpoint `yaml:"group,omitempty" json:"group,omitempty"`
	// Hint is shown when the checkpoint fails.
	Hint string `yaml:"hint,omitempty" json:"hint,omitempty"`
}

// MXCheckpoint asserts where a domain's MX points.
type MXCheckpoint struct {
	Domain string `yaml:"domain" json:"domain"`
	// Points is exo or legacy.
	Points string `yaml:"points" json:"points"`
}

// GroupCheckpoint asserts a group and its members.
type GroupCheckpoint struct {
	Address    string `yaml:"address" json:"address"`
	MinMembers int    `yaml:"minMembers" json:"minMembers"`
}

// CheckpointResult is a checkpoint as evaluated.
type CheckpointResult struct {
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
	Status string    `json:"status"` // pass, fail, or pending before its time
	Detail string    `json:"detail,omitempty"`
	Hint   string    `json:"hint,omitempty"`
}

// validateScript checks the scenario's traffic profiles and checkpoints.
func (sc *Scenario) validateScript() error {
	for i, p := range sc.Traffic {
		field := fmt.Sprintf("traffic[%d]", i)
		switch {
		case p.Name == "":
			return fmt.Errorf("%s: a traffic profile needs a name", field)
		case p.PerHour <= 0 || p.PerHour > 100_000:
			return fmt.Errorf("%s: perHour %v: want (0, 100000]", field, p.PerHour)
		case p.For.D() <= 0:
			return fmt.Errorf("%s: for: want a positive duration", field)
		case len(p.From) == 0:
			return fmt.Errorf("%s: from: name at least one sender", field)
		}
		for _, a := range append(slices.Clone(p.From), p.To...) {
			if _, err := mailops.ParseAddress(a); err != nil {
				return fmt.Errorf("%s: %w", field, err)
			}
		}
	}
	for i, c := range sc.Checkpoints {
		field := fmt.Sprintf("checkpoints[%d]", i)
		n := 0
		for _, set := range []bool{c.NoLoss, c.Delivered != "", c.MX != nil, c.Group != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s (%s): set exactly one of noLoss, delivered, mx, group", field, c.Name)
		}
		if c.Name == "" {
			return fmt.Errorf("%s: a checkpoint needs a name", field)
		}
		if c.Delivered != "" {
			if _, err := mailops.ParseAddress(c.Delivered); err != nil {
				return fmt.Errorf("%s: delivered: %w", field, err)
			}
		}
		if c.MX != nil && c.MX.Points != "exo" && c.MX.Points != "legacy" {
			return fmt.Errorf("%s: mx.points %q: want exo or legacy", field, c.MX.Points)
		}
		if c.Group != nil {
			if _, err := mailops.ParseAddress(c.Group.Address); err != nil {
				return fmt.Errorf("%s: group: %w", field, err)
			}
		}
	}
	return nil
}

// startProfiles schedules the scenario's traffic profiles; a sender or
// recipient the world does not know is an error (its mail could not be
// judged).
func (w *world) startProfiles() error {
	for _, p := range w.sc.Traffic {
		tr := mailflow.Traffic{PerHour: p.PerHour, From: w.start.Add(p.After.D()), Until: w.start.Add(p.After.D() + p.For.D())}
		for _, s := range p.From {
			a := mailops.Address(strings.ToLower(s))
			if !slices.Contains(w.addresses, string(a)) {
				return fmt.Errorf("lab: traffic %s: sender %s is not an address of the lab", p.Name, s)
			}
			if w.tenantAddress(a) {
				tr.Internal = append(tr.Internal, a)
			} else {
				tr.Internet = append(tr.Internet, a)
			}
		}
		to := p.To
		if len(to) == 0 {
			to = w.migrated
		}
		for _, r := range to {
			a := mailops.Address(strings.ToLower(r))
			if !slices.Contains(w.addresses, string(a)) {
				return fmt.Errorf("lab: traffic %s: recipient %s is not an address of the lab", p.Name, r)
			}
			tr.To = append(tr.To, a)
		}
		w.StartTraffic("lab:"+p.Name, tr)
	}
	return nil
}

// scheduleCheckpoints evaluates each checkpoint at its time; a delivered
// checkpoint counts its deliveries as they happen.
func (e *engine) scheduleCheckpoints() {
	e.checkpoints = make([]CheckpointResult, len(e.sc.Checkpoints))
	for i, c := range e.sc.Checkpoints {
		if c.Delivered != "" {
			since, a := e.deliveryWindow(i, c)
			e.watch.window(i, a, since)
		}
		at := e.w.start.Add(c.At.D())
		e.checkpoints[i] = CheckpointResult{Name: c.Name, At: at, Status: Pending}
		e.w.Scheduler().At(at, "lab: checkpoint "+c.Name, func() {
			r := e.evaluate(i, c)
			e.checkpoints[i] = r
			text := fmt.Sprintf("checkpoint %q: %s", c.Name, r.Status)
			if r.Detail != "" {
				text += ": " + r.Detail
			}
			if r.Status == Fail && r.Hint != "" {
				text += " (hint: " + r.Hint + ")"
			}
			e.tl.add(at, "checkpoint", text)
		})
	}
}

// deliveryWindow is what delivered checkpoint i counts: deliveries to its
// address since the previous checkpoint (or the start).
func (e *engine) deliveryWindow(i int, c Checkpoint) (time.Time, mailops.Address) {
	since := e.w.start
	if i > 0 {
		since = e.w.start.Add(e.sc.Checkpoints[i-1].At.D())
	}
	return since, mailops.Address(strings.ToLower(c.Delivered))
}

// evaluate decides checkpoint i now.
func (e *engine) evaluate(i int, c Checkpoint) CheckpointResult {
	now := e.now()
	r := CheckpointResult{Name: c.Name, At: now, Status: Pass, Hint: c.Hint}
	fail := func(format string, args ...any) {
		r.Status, r.Detail = Fail, fmt.Sprintf(format, args...)
	}
	switch {
	case c.NoLoss:
		rep, inFlight := e.oracleNow()
		if !rep.NoLoss() {
			fail("%d lost, %d looped, %d misdelivered, %d bounced (%d in the verification gap)", rep.Lost, rep.Looped, rep.Misdelivered, rep.Bounced, rep.GapBounced)
		} else {
			r.Detail = fmt.Sprintf("%d delivered, %d in flight", rep.Delivered, inFlight)
		}
	case c.Delivered != "":
		since, a := e.deliveryWindow(i, c)
		n := e.watch.closeWindow(i)
		if n == 0 {
			fail("nothing to %s was delivered since %s", a, since.Format(time.DateTime))
		} else {
			r.Detail = fmt.Sprintf("%d deliveries", n)
		}
	case c.MX != nil:
		var exo bool
		recs := e.dns.mx(c.MX.Domain)
		if len(recs) == 0 {
			fail("%s has no MX", c.MX.Domain)
			break
		}
		exo = DNSChange{MX: recs}.PointsAtEXO()
		if exo != (c.MX.Points == "exo") {
			fail("the MX of %s is %v", c.MX.Domain, recs)
		}
	case c.Group != nil:
		want := mailops.Address(strings.ToLower(c.Group.Address))
		i := slices.IndexFunc(e.w.Tenant().Groups(), func(g mailops.Group) bool { return g.PrimaryAddress == want })
		var g mailops.Group
		ok := i >= 0
		if ok {
			g = e.w.Tenant().Groups()[i]
		}
		switch {
		case !ok:
			fail("no group %s in the tenant", c.Group.Address)
		case len(g.Members) < c.Group.MinMembers:
			fail("%s has %d members, want at least %d", c.Group.Address, len(g.Members), c.Group.MinMembers)
		default:
			r.Detail = fmt.Sprintf("%d members", len(g.Members))
		}
	}
	return r
}
