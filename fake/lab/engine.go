package lab

import (
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

// maxSlice is the most virtual time one step of the scheduler covers: the
// lab looks at the DNS and the runbook's progress between steps.
const maxSlice = time.Minute

// maxSlicesPerStep bounds one call of stepTo (about 70 virtual days).
const maxSlicesPerStep = 100_000

// engine is the world, its observers and the control log: everything but
// the network. It is used under the world's lock; Replay uses it alone.
type engine struct {
	sc    *Scenario
	seed  uint64
	w     *world
	graph *graphserver.Server
	tl    *timeline
	dns   *dnsHistory
	log   []Action
	// seen counts the progress events of each runbook already on the
	// timeline; watch keeps what the lab shows of the ledger.
	seen  map[*mailflow.Migration]int
	watch *watch
	// checkpoints are the scenario's checkpoints as evaluated so far.
	checkpoints []CheckpointResult
	// conns are the open SMTP connections of outside clients (their
	// hosts), for the timeline.
	conns map[uint64]string
	// onDeliver, if set, sees every delivery (the IMAP read side).
	onDeliver func(mailflow.Event, *mailflow.Message)
	// err is the world's failure (a panic in a process); the lab stops
	// advancing after one.
	err error
}

// trainee is the admin name the Graph and Exchange admin API act as in the
// tenant's call log.
const trainee = "trainee"

func newEngine(sc *Scenario, seed uint64) (*engine, error) {
	return newEngineRetaining(sc, seed, labRetention())
}

// newEngineRetaining is newEngine with the world's ledger under retention r
// (the tests compare the lab's retention with keeping everything).
func newEngineRetaining(sc *Scenario, seed uint64, r mailflow.Retention) (*engine, error) {
	w, err := buildWorld(sc, seed, r)
	if err != nil {
		return nil, err
	}
	e := &engine{sc: sc, seed: seed, w: w, tl: newTimeline(), seen: map[*mailflow.Migration]int{}, conns: map[uint64]string{},
		graph: graphserver.New(w.Tenant().Driver(trainee), graphserver.Options{Token: verifiedToken})}
	e.dns = newDNSHistory(w.DNS().Authority(), w.domains)
	e.dns.look(w.start)
	// The world records nothing before its scheduler runs: the watch sees
	// every event.
	e.watch = newWatch(w.Ledger(), func() bool { return e.onDeliver != nil })
	for _, ev := range sc.Events {
		a := ev.Action
		w.Scheduler().At(w.start.Add(ev.After.D()), "lab: script "+a.Op, func() {
			if msg := e.effect(a); msg != "" {
				e.tl.add(w.Scheduler().Now(), "script", msg)
			}
		})
	}
	e.scheduleCheckpoints()
	e.tl.add(w.start, "action", fmt.Sprintf("lab started: %s (seed %d)", sc.Title, seed))
	return e, nil
}

// now is the world's virtual time.
func (e *engine) now() time.Time { return e.w.Scheduler().Now() }

// stepTo runs the world to virtual time t (at least the events due now),
// looking at it after every slice.
func (e *engine) stepTo(t time.Time) {
	s := e.w.Scheduler()
	for i := 0; i < maxSlicesPerStep && e.err == nil; i++ {
		next := s.Now().Add(maxSlice)
		if next.After(t) {
			next = t
		}
		if next.Before(s.Now()) {
			next = s.Now()
		}
		if err := s.RunUntil(next); err != nil {
			e.err = err
			e.tl.add(s.Now(), "error", "the world stopped: "+err.Error())
		}
		e.observe()
		if !s.Now().Before(t) {
			return
		}
	}
}

// observe puts what happened since the last look on the timeline.
func (e *engine) observe() {
	now := e.now()
	if e.w.legacyStopped.IsZero() {
		e.w.noteLegacy()
		if !e.w.legacyStopped.IsZero() {
			e.tl.add(now, "step", "the legacy server has stopped")
		}
	}
	for _, c := range e.dns.look(now) {
		e.tl.add(now, "dns", fmt.Sprintf("MX of %s is now %v", c.Domain, c.MX))
	}
	for _, m := range e.w.migs {
		for _, p := range m.Progress[e.seen[m]:] {
			if p.Event == "start" && p.Kind != "op" {
				continue
			}
			text := fmt.Sprintf("%s: %s (%s)", p.Step, p.Event, p.Description)
			if p.Err != nil {
				text += ": " + p.Err.Error()
			}
			e.tl.add(p.At, "step", text)
		}
		e.seen[m] = len(m.Progress)
	}
	e.watch.take(func(o observed) {
		switch ev := o.ev; ev.Kind {
		case mailflow.EvDeliver:
			if e.onDeliver != nil && o.msg != nil {
				e.onDeliver(ev, o.msg)
			}
		case mailflow.EvBounce:
			e.tl.add(ev.At, "bounce", fmt.Sprintf("message %d to %s bounced at %s: %s", ev.Msg, ev.Orig, ev.Host, ev.Reply))
		case mailflow.EvLoop:
			e.tl.add(ev.At, "loop", fmt.Sprintf("message %d to %s looped at %s", ev.Msg, ev.Orig, ev.Host))
		case mailflow.EvDrop:
			e.tl.add(ev.At, "drop", fmt.Sprintf("message %d to %s dropped at %s: %s", ev.Msg, ev.Orig, ev.Host, ev.Detail))
		}
	})
}

// act validates and applies a control action at the current virtual time
// and logs it. clk is the live lab's clock (nil in a replay).
func (e *engine) act(a Action, clk *clock) (Action, error) {
	if err := a.validate(); err != nil {
		return a, err
	}
	if e.err != nil {
		return a, fmt.Errorf("lab: the world has stopped: %w", e.err)
	}
	e.stepTo(e.now()) // events due now first, as a replay will
	a.At = e.now()
	e.log = append(e.log, a)
	var msg string
	switch a.Op {
	case "advance":
		d, _ := time.ParseDuration(a.Duration)
		if clk != nil {
			clk.advance(d)
		}
		msg = "clock advanced " + d.String()
		e.tl.add(a.At, "action", msg)
		e.stepTo(a.At.Add(d))
		return a, nil
	case "clock":
		spec, _ := ParseClock(a.Clock)
		if clk != nil {
			clk.set(spec)
		}
		msg = "clock set to " + spec.String()
	default:
		msg = e.effect(a)
	}
	e.tl.add(a.At, "action", msg)
	e.stepTo(a.At) // what the action started at this instant runs now
	return a, nil
}
