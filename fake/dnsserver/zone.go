package dnsserver

import (
	"fmt"
	"github.com/miekg/dns"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mailops-dev/mailops/mailops"
)

// Authority holds zones and their records and answers for them. It is safe
// for concurrent use: changes are atomic (a change that fails changes
// nothing) and every query sees the zones before or after a change.
type Authority struct {
	mu     sync.RWMutex
	zones  map[string]bool  // zone origins, canonical
	nodes  map[string]*node // owner name → records; also empty non-terminals
	faults map[string]FaultMode
	clk    mailops.Clock // for FaultSilent waits in-process; may be nil

	// version counts the changes to the zones and faults (a.mu held for
	// writing). stored holds the answers given to read-only callers, each
	// with the version it is of (stored.go); storedMu guards it under a.mu
	// held for reading.
	version  uint64
	storedMu sync.Mutex
	stored   map[storedKey]storedReply
}

// node is one owner name: its record sets, and how many names below it hold
// records (a name without records but with descendants exists: NODATA, not
// NXDOMAIN).
type node struct {
	sets  map[uint16][]record
	below int
	// wire holds each set as the RRs the network server answers with,
	// made once when the set is stored and never changed (a new set gets
	// new RRs): answers on the wire share them, since packing only reads.
	wire map[uint16][]dns.RR
}

// setWire makes nd's wire RRs from its sets.
func (nd *node) setWire(name string) {
	nd.wire = nil
	if len(nd.sets) == 0 {
		return
	}
	nd.wire = make(map[uint16][]dns.RR, len(nd.sets))
	for t, set := range nd.sets {
		var broken bool
		nd.wire[t] = rrs(name, t, set, &broken)
	}
}

// NewAuthority returns an authority for the given zones (e.g.
// "example.ac.jp"); see AddZone. It panics on an invalid zone name, like
// regexp.MustCompile: zones are written in the test or lab that builds them.
func NewAuthority(zones ...string) *Authority {
	a := &Authority{zones: map[string]bool{}, nodes: map[string]*node{}, faults: map[string]FaultMode{},
		stored: map[storedKey]storedReply{}}
	for _, z := range zones {
		if err := a.AddZone(z); err != nil {
			panic(err)
		}
	}
	return a
}

// AddZone adds an empty zone with its SOA (TTL 3600, negative-caching
// minimum 300) and one NS record (ns1.<origin>). Adding an existing zone
// changes nothing. A zone inside another takes over the names below its
// origin.
func (a *Authority) AddZone(origin string) error {
	o, err := canonical(origin)
	if err != nil {
		return err
	}
	if o == "." {
		return invalidName(origin, "the root cannot be a zone here")
	}
	a.lockForChange()
	defer a.mu.Unlock()
	if a.zones[o] {
		return nil
	}
	a.zones[o] = true
	sets := a.copySets(o)
	sets[typeSOA] = []record{{ttl: 3600, soa: &soaData{mname: "ns1." + o, rname: "hostmaster." + o,
		serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 300}}}
	sets[typeNS] = []record{{ttl: 3600, host: "ns1." + o}}
	a.setNode(o, sets)
	return nil
}

// RemoveZone removes a zone and every record in it (names inside a nested
// zone stay with that zone). Its names are then answered REFUSED, or by an
// enclosing zone.
func (a *Authority) RemoveZone(origin string) error {
	o, err := canonical(origin)
	if err != nil {
		return err
	}
	a.lockForChange()
	defer a.mu.Unlock()
	if !a.zones[o] {
		return fmt.Errorf("dnsserver: zone %s: %w", o, mailops.ErrNotFound)
	}
	var names []string
	for n, nd := range a.nodes {
		if len(nd.sets) > 0 && a.zoneOf(n) == o {
			names = append(names, n)
		}
	}
	for _, n := range names {
		a.setNode(n, nil)
	}
	delete(a.zones, o)
	return nil
}

// InZone reports whether name is inside one of the zones.
func (a *Authority) InZone(name string) bool {
	n, err := canonical(name)
	if err != nil {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.zoneOf(n) != ""
}

// Names lists the owner names with records, sorted (for tests and labs).
func (a *Authority) Names() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []string
	for n, nd := range a.nodes {
		if len(nd.sets) > 0 {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// SetMX replaces the MX records at name. A Host of "." or "" is the null
// MX (RFC 7505).
func (a *Authority) SetMX(name string, ttl uint32, mxs ...MX) error {
	recs := make([]record, 0, len(mxs))
	for _, m := range mxs {
		h, err := targetName("MX host", m.Host)
		if err != nil {
			return err
		}
		recs = append(recs, record{ttl: ttl, host: h, pref: m.Pref})
	}
	return a.set(name, typeMX, ttl, recs)
}

// SetTXT replaces the TXT records at name, one record per value (a value
// longer than 255 bytes is cut into several character-strings).
func (a *Authority) SetTXT(name string, ttl uint32, values ...string) error {
	recs := make([]record, 0, len(values))
	for _, v := range values {
		recs = append(recs, record{ttl: ttl, txt: splitTXT(v)})
	}
	return a.set(name, typeTXT, ttl, recs)
}

// SetA replaces the address records at name: both the A and the AAAA set,
// from the IPv4 and IPv6 addresses given (no addresses removes both).
func (a *Authority) SetA(name string, ttl uint32, addrs ...netip.Addr) error {
	var v4, v6 []record
	for _, ip := range addrs {
		switch {
		case !ip.IsValid() || ip.Zone() != "":
			return &mailops.ValidationError{Field: "address", Value: ip.String(), Reason: "not an IPv4 or IPv6 address without zone"}
		case ip.Unmap().Is4():
			v4 = append(v4, record{ttl: ttl, addr: ip.Unmap()})
		default:
			v6 = append(v6, record{ttl: ttl, addr: ip})
		}
	}
	n, err := canonical(name)
	if err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	return a.apply(edit{name: n, typ: typeA, op: opReplace, recs: v4}, edit{name: n, typ: typeAAAA, op: opReplace, recs: v6})
}

// SetCNAME makes name an alias of target. A name with a CNAME holds no other
// records (RFC 1034 section 3.6.2): setting one where other records are is an
// error, and so is a CNAME at a zone apex.
func (a *Authority) SetCNAME(name string, ttl uint32, target string) error {
	t, err := targetName("CNAME target", target)
	if err != nil {
		return err
	}
	return a.set(name, typeCNAME, ttl, []record{{ttl: ttl, host: t}})
}

// SetSRV replaces the SRV records at name (e.g. "_sip._tls.example.ac.jp").
func (a *Authority) SetSRV(name string, ttl uint32, srvs ...SRV) error {
	recs := make([]record, 0, len(srvs))
	for _, s := range srvs {
		t, err := targetName("SRV target", s.Target)
		if err != nil {
			return err
		}
		recs = append(recs, record{ttl: ttl, host: t, pref: s.Priority, weight: s.Weight, port: s.Port})
	}
	return a.set(name, typeSRV, ttl, recs)
}

// Remove deletes every record of a type (a DNS type number such as
// dns.TypeMX) at name. A zone keeps its SOA: removing it does nothing (see
// RemoveZone), and so does a name outside every zone.
func (a *Authority) Remove(name string, rrtype uint16) {
	n, err := canonical(name)
	if err != nil || rrtype == typeSOA {
		return
	}
	_ = a.apply(edit{name: n, typ: rrtype, op: opReplace, quiet: true})
}

func (a *Authority) set(name string, t uint16, ttl uint32, recs []record) error {
	n, err := canonical(name)
	if err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	return a.apply(edit{name: n, typ: t, op: opReplace, recs: recs})
}

// targetName canonicalises a target host; "." and "" are the root. Record
// data may be broken the way real zones are (over-long names, empty labels,
// so tests can publish them) as long as it is printable ASCII once
// internationalised labels are A-labels.
func targetName(field, host string) (string, error) {
	h := strings.TrimSpace(host)
	if h == "" || h == "." {
		return ".", nil
	}
	c, err := canonical(h)
	if err == nil {
		return c, nil
	}
	if !isASCII(h) || strings.ContainsAny(h, " \t\r\n") {
		return "", &mailops.ValidationError{Field: field, Value: host, Reason: err.(*mailops.ValidationError).Reason}
	}
	return strings.ToLower(strings.TrimSuffix(h, ".")) + ".", nil
}

// checkTTL refuses TTLs above 2^31-1 (RFC 2181 section 8).
func checkTTL(ttl uint32) error {
	if ttl > math.MaxInt32 {
		return &mailops.ValidationError{Field: "ttl", Value: fmt.Sprint(ttl), Reason: "above 2147483647 seconds (RFC 2181)"}
	}
	return nil
}

type editOp int

const (
	opReplace editOp = iota // the set becomes recs
	opAdd                   // recs join the set (duplicates ignored)
	opDelete                // records like recs leave the set
)

// edit is one change to one record set.
type edit struct {
	name     string // canonical
	typ      uint16
	op       editOp
	recs     []record
	hostOnly bool // opDelete of MX: match the exchange whatever the preference
	quiet    bool // a name outside every zone is not an error (Remove)
}

// apply makes the edits atomically: all or nothing.
func (a *Authority) apply(edits ...edit) error {
	a.lockForChange()
	defer a.mu.Unlock()
	staged := map[string]map[uint16][]record{}
	var order []string
	touched := map[string]bool{}
	for _, e := range edits {
		z := a.zoneOf(e.name)
		if z == "" {
			if e.quiet {
				continue
			}
			return &mailops.ValidationError{Field: "name", Value: e.name, Reason: "in no zone of this authority"}
		}
		if e.typ == typeSOA {
			if e.name != z {
				return &mailops.ValidationError{Field: "name", Value: e.name, Reason: "an SOA record belongs at its zone's apex " + z}
			}
			if e.op == opDelete || len(e.recs) != 1 {
				return &mailops.ValidationError{Field: "type", Value: "SOA", Reason: "a zone has exactly one SOA record (RemoveZone removes the zone)"}
			}
			e.op = opReplace
		}
		sets, ok := staged[e.name]
		if !ok {
			sets = a.copySets(e.name)
			staged[e.name] = sets
			order = append(order, e.name)
		}
		cur := sets[e.typ]
		switch e.op {
		case opReplace:
			cur = nil
			fallthrough
		case opAdd:
			cur = slices.Clone(cur)
			for _, r := range e.recs {
				if r.host != "" && r.host != "." {
					_, err := canonical(r.host)
					r.broken = err != nil
				}
				if !slices.ContainsFunc(cur, r.same) {
					cur = append(cur, r)
				}
			}
		case opDelete:
			cur = slices.DeleteFunc(slices.Clone(cur), func(x record) bool {
				return slices.ContainsFunc(e.recs, func(r record) bool {
					if e.hostOnly {
						return r.host == x.host
					}
					return r.same(x)
				})
			})
		}
		if len(cur) == 0 {
			delete(sets, e.typ)
		} else {
			sets[e.typ] = cur
		}
		touched[z] = true
	}
	for _, n := range order {
		if err := checkSets(n, staged[n]); err != nil {
			return err
		}
	}
	for _, n := range order {
		a.setNode(n, staged[n])
	}
	for z := range touched {
		a.bumpSerial(z)
	}
	return nil
}

// checkSets enforces what a name may hold: one CNAME and nothing else.
func checkSets(name string, sets map[uint16][]record) error {
	cn := sets[typeCNAME]
	if len(cn) == 0 {
		return nil
	}
	if len(cn) > 1 {
		return &mailops.ValidationError{Field: "CNAME", Value: name, Reason: "a name has at most one CNAME record"}
	}
	if len(sets) > 1 {
		var others []string
		for t := range sets {
			if t != typeCNAME {
				others = append(others, typeName(t))
			}
		}
		sort.Strings(others)
		return &mailops.ValidationError{Field: "CNAME", Value: name,
			Reason: "a CNAME cannot share its name with other records (RFC 1034 section 3.6.2); the name holds " + strings.Join(others, ", ")}
	}
	return nil
}

// copySets returns a copy of name's sets that can be changed (the slices are
// shared until cloned). Called with a.mu held.
func (a *Authority) copySets(name string) map[uint16][]record {
	out := map[uint16][]record{}
	if nd := a.nodes[name]; nd != nil {
		for t, rs := range nd.sets {
			out[t] = rs
		}
	}
	return out
}

// setNode stores name's sets and keeps its ancestors' counts of names below
// them. Called with a.mu held for writing.
func (a *Authority) setNode(name string, sets map[uint16][]record) {
	if len(sets) == 0 {
		sets = nil
	}
	nd := a.nodes[name]
	had := nd != nil && len(nd.sets) > 0
	if nd == nil {
		if sets == nil {
			return
		}
		nd = &node{}
		a.nodes[name] = nd
	}
	nd.sets = sets
	nd.setWire(name)
	has := sets != nil
	if had != has {
		d := 1
		if had {
			d = -1
		}
		for p := parent(name); p != ""; p = parent(p) {
			pn := a.nodes[p]
			if pn == nil {
				pn = &node{}
				a.nodes[p] = pn
			}
			pn.below += d
			if pn.below == 0 && len(pn.sets) == 0 {
				delete(a.nodes, p)
			}
		}
	}
	if nd.sets == nil && nd.below == 0 {
		delete(a.nodes, name)
	}
}

// bumpSerial counts a change in the zone's SOA serial. Called with a.mu held
// for writing.
func (a *Authority) bumpSerial(zone string) {
	nd := a.nodes[zone]
	if nd == nil || len(nd.sets[typeSOA]) == 0 {
		return
	}
	r := nd.sets[typeSOA][0]
	s := *r.soa
	s.serial++
	r.soa = &s
	nd.sets[typeSOA] = []record{r}
	nd.setWire(zone)
}

// zoneOf returns the longest zone that contains name, or "". Called with
// a.mu held.
func (a *Authority) zoneOf(name string) string {
	for p := name; p != ""; p = parent(p) {
		if a.zones[p] {
			return p
		}
	}
	return ""
}

// exists reports whether name has records or names below it. Called with
// a.mu held.
func (a *Authority) exists(name string) bool {
	nd := a.nodes[name]
	return nd != nil && (len(nd.sets) > 0 || nd.below > 0)
}

// rrset returns the records of a type at name. Called with a.mu held.
func (a *Authority) rrset(name string, t uint16) []record {
	if nd := a.nodes[name]; nd != nil {
		return nd.sets[t]
	}
	return nil
}
