package dnsserver

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// DNS type numbers the zones know by name (the same numbers as miekg/dns's
// dns.TypeMX and friends).
const (
	typeA     uint16 = 1
	typeNS    uint16 = 2
	typeCNAME uint16 = 5
	typeSOA   uint16 = 6
	typeMX    uint16 = 15
	typeTXT   uint16 = 16
	typeAAAA  uint16 = 28
	typeSRV   uint16 = 33
	typeANY   uint16 = 255
)

// MX is one mail exchanger. A Host of "." (or "") with preference 0 is the
// null MX of RFC 7505.
type MX struct {
	Host string
	Pref uint16
}

// SRV is one service location (RFC 2782).
type SRV struct {
	Target   string
	Port     uint16
	Priority uint16
	Weight   uint16
}

// soaData is a zone's start of authority.
type soaData struct {
	mname, rname                   string
	serial, refresh, retry, expire uint32
	minimum                        uint32
}

// record is one resource record's TTL and data, in the package's own types;
// the owner name and type are the keys it is stored under. wire.go converts
// to and from miekg/dns.
type record struct {
	ttl    uint32
	host   string     // MX exchange, CNAME and NS target, SRV target (canonical)
	pref   uint16     // MX preference, SRV priority
	weight uint16     // SRV
	port   uint16     // SRV
	txt    []string   // TXT character-strings
	addr   netip.Addr // A, AAAA
	soa    *soaData   // SOA
	rdata  string     // any other type: its data in presentation form
	broken bool       // host cannot go on the wire (a test published a broken name)
}

// same reports whether two records of one type carry the same data (TTL
// aside): a set holds each data once.
func (r record) same(o record) bool {
	switch {
	case r.soa != nil || o.soa != nil:
		return r.soa != nil && o.soa != nil && *r.soa == *o.soa
	case r.rdata != "" || o.rdata != "":
		return strings.EqualFold(r.rdata, o.rdata)
	}
	return r.host == o.host && r.pref == o.pref && r.weight == o.weight && r.port == o.port &&
		r.addr == o.addr && slices.Equal(r.txt, o.txt)
}

// splitTXT cuts a value into the 255-byte character-strings a TXT record
// holds.
func splitTXT(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}

// typeName names a type for errors and lookups.
func typeName(t uint16) string {
	switch t {
	case typeA:
		return "A"
	case typeNS:
		return "NS"
	case typeCNAME:
		return "CNAME"
	case typeSOA:
		return "SOA"
	case typeMX:
		return "MX"
	case typeTXT:
		return "TXT"
	case typeAAAA:
		return "AAAA"
	case typeSRV:
		return "SRV"
	case typeANY:
		return "ANY"
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// sortedTypes lists a name's types in ascending order (stable answers).
func sortedTypes(sets map[uint16][]record) []uint16 {
	out := make([]uint16, 0, len(sets))
	for t := range sets {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
