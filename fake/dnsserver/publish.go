package dnsserver

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// Publish applies a plan's DNS change (mailops.DNSPublisher): the records
// to remove (matched by label, type and value), then the records to add,
// all or nothing. Labels are relative to the change's domain, "@" its apex.
// SRV values read "priority weight port target".
func (a *Authority) Publish(_ context.Context, c mailops.DNSChange) error {
	if c.AddVerification {
		return &mailops.ValidationError{Field: "AddVerification", Value: c.Domain, Reason: "the change still asks for the ownership record: the runner resolves it"}
	}
	var edits []edit
	for _, r := range c.Remove {
		e, err := planEdit(c.Domain, r)
		if err != nil {
			return err
		}
		e.op, e.hostOnly = opDelete, e.typ == typeMX
		edits = append(edits, e)
	}
	for _, r := range c.Add {
		e, err := planEdit(c.Domain, r)
		if err != nil {
			return err
		}
		e.op = opAdd
		edits = append(edits, e)
	}
	if err := a.apply(edits...); err != nil {
		return fmt.Errorf("dnsserver: publish for %s: %w", c.Domain, err)
	}
	return nil
}

// planEdit turns a plan's record into an edit of one record.
func planEdit(domain string, r mailops.DNSRecord) (edit, error) {
	name := domain
	if l := strings.TrimSuffix(r.Label, "."); l != "" && l != "@" {
		name = l + "." + domain
	}
	n, err := canonical(name)
	if err != nil {
		return edit{}, err
	}
	if r.TTL < 0 || r.TTL > math.MaxInt32 {
		return edit{}, &mailops.ValidationError{Field: "TTL", Value: strconv.Itoa(r.TTL), Reason: "want 0 to 2147483647 seconds"}
	}
	rec := record{ttl: uint32(r.TTL)}
	e := edit{name: n}
	bad := func(reason string) (edit, error) {
		return edit{}, &mailops.ValidationError{Field: r.Type + " value", Value: r.Value, Reason: reason}
	}
	switch strings.ToUpper(r.Type) {
	case "MX":
		if r.Preference < 0 || r.Preference > math.MaxUint16 {
			return edit{}, &mailops.ValidationError{Field: "MX preference", Value: strconv.Itoa(r.Preference), Reason: "want 0 to 65535"}
		}
		if rec.host, err = targetName("MX host", r.Value); err != nil {
			return edit{}, err
		}
		e.typ, rec.pref = typeMX, uint16(r.Preference)
	case "TXT":
		e.typ, rec.txt = typeTXT, splitTXT(r.Value)
	case "CNAME":
		if rec.host, err = targetName("CNAME target", r.Value); err != nil {
			return edit{}, err
		}
		e.typ = typeCNAME
	case "A", "AAAA":
		ip, err := netip.ParseAddr(strings.TrimSpace(r.Value))
		if err != nil || ip.Zone() != "" {
			return bad("not an IP address")
		}
		ip = ip.Unmap()
		e.typ, rec.addr = typeAAAA, ip
		if ip.Is4() {
			e.typ = typeA
		}
	case "SRV":
		f := strings.Fields(r.Value)
		if len(f) != 4 {
			return bad(`want "priority weight port target"`)
		}
		var nums [3]uint16
		for i := range nums {
			v, err := strconv.ParseUint(f[i], 10, 16)
			if err != nil {
				return bad(`want "priority weight port target" with numbers 0 to 65535`)
			}
			nums[i] = uint16(v)
		}
		if rec.host, err = targetName("SRV target", f[3]); err != nil {
			return edit{}, err
		}
		e.typ, rec.pref, rec.weight, rec.port = typeSRV, nums[0], nums[1], nums[2]
	default:
		return edit{}, &mailops.ValidationError{Field: "type", Value: r.Type, Reason: "want MX, TXT, CNAME, A, AAAA or SRV"}
	}
	e.recs = []record{rec}
	return e, nil
}
