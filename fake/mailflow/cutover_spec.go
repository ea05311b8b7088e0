package mailflow

import (
	"fmt"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// NewCutoverFromSpec builds the cutover world for a user's Cutover spec:
// their users and department addresses on the legacy server, traffic, and
// the legacy side of the differential check (the spec's expectations, or
// each address's members when the spec has none). Durations the spec does
// not give are shortened for simulation (a day of parallel running, two
// days before the legacy server stops).
func NewCutoverFromSpec(cfg Config, f *spec.File) (*Cutover, error) {
	rb, err := f.CutoverRunbook()
	if err != nil {
		return nil, err
	}
	sc := DefaultCutoverScenario(len(rb.Users))
	sc.Domain, sc.LegacyHost, sc.Spec = rb.Domain, rb.LegacyMX, &rb
	if f.Traffic.PerHour > 0 {
		sc.PerHour = f.Traffic.PerHour
	}
	c, err := NewCutover(cfg, sc)
	if err != nil {
		return nil, err
	}
	c.legacySide, c.probes, c.chains = map[mailops.Address][]string{}, map[mailops.Address]*Message{}, map[string][]string{}
	external := map[mailops.Address]bool{}
	for _, u := range rb.Users {
		c.legacySide[u.Address] = []string{string(u.Address)}
		external[u.Address] = true
	}
	for _, d := range rb.Departments {
		c.legacySide[d.Address] = addrStrings(d.Members)
		external[d.Address] = d.External
	}
	for _, e := range f.Expect {
		c.legacySide[mailops.Address(e.Address)] = slices.Clone(e.Deliveries)
		for _, s := range e.Chain {
			c.chains[e.Address] = append(c.chains[e.Address], fmt.Sprintf("%s -> %s (%s)", s.From, s.To, s.Pos))
		}
	}
	c.external = external
	return c, nil
}

func addrStrings(as []mailops.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// Probe sends one message to every address of the spec at virtual time at
// (from the internet to addresses that receive external mail, from the
// first user to the others); Differential reads where each one landed.
func (c *Cutover) Probe(at time.Time) {
	c.s.At(at, "probe", func() {
		addrs := make([]mailops.Address, 0, len(c.legacySide))
		for a := range c.legacySide {
			addrs = append(addrs, a)
		}
		slices.Sort(addrs)
		for _, a := range addrs {
			if c.external[a] || len(c.Users) == 0 {
				c.probes[a] = c.probe(c.SendFromInternet("alice@gmail.example", "Probe", a))
			} else {
				c.probes[a] = c.probe(c.SendFromTenant(c.tenant, c.Users[0], "Probe", a))
			}
		}
	})
}

// Differential compares where the probes landed with where the legacy
// server delivered (the spec's expectations).
func (c *Cutover) Differential() []Mismatch { return c.differential(c.legacySide, c.probes, c.chains) }
