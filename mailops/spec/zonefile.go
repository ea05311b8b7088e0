package spec

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailops-dev/mailops/mailops"
)

// Load returns the zone's records: the inline ones (zone-file lines
// relative to Origin) and those of its RFC 1035 zone file, read with
// miekg/dns's zone parser (this file is the package's only use of it). A
// relative File is read from dir (the spec file's directory). Only the
// record types a mail migration looks at are kept: MX, TXT, CNAME, A, AAAA
// and SRV; others are skipped.
func (z Zone) Load(dir string) ([]mailops.DNSRecord, error) {
	origin := dns.Fqdn(strings.ToLower(z.Origin))
	var out []mailops.DNSRecord
	if z.File != "" {
		path := z.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("spec: zone %s: %w", z.Origin, err)
		}
		defer f.Close()
		rs, err := parseZone(f, origin, path)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	if len(z.Records) > 0 {
		rs, err := parseZone(strings.NewReader(strings.Join(z.Records, "\n")+"\n"), origin, "dns["+z.Origin+"].records")
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

func parseZone(r io.Reader, origin, name string) ([]mailops.DNSRecord, error) {
	zp := dns.NewZoneParser(r, origin, name)
	zp.SetDefaultTTL(3600)
	var out []mailops.DNSRecord
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		label := strings.TrimSuffix(strings.TrimSuffix(h.Name, origin), ".")
		if label == "" {
			label = "@"
		}
		rec := mailops.DNSRecord{Label: label, TTL: int(h.Ttl)}
		switch v := rr.(type) {
		case *dns.MX:
			rec.Type, rec.Value, rec.Preference = "MX", strings.TrimSuffix(v.Mx, "."), int(v.Preference)
		case *dns.TXT:
			rec.Type, rec.Value = "TXT", strings.Join(v.Txt, "")
		case *dns.CNAME:
			rec.Type, rec.Value = "CNAME", strings.TrimSuffix(v.Target, ".")
		case *dns.A:
			rec.Type, rec.Value = "A", v.A.String()
		case *dns.AAAA:
			rec.Type, rec.Value = "AAAA", v.AAAA.String()
		case *dns.SRV:
			rec.Type, rec.Value, rec.Preference = "SRV", fmt.Sprintf("%d %d %s", v.Weight, v.Port, strings.TrimSuffix(v.Target, ".")), int(v.Priority)
		default:
			continue
		}
		out = append(out, rec)
	}
	if err := zp.Err(); err != nil {
		return nil, &ParseError{File: name, Msg: err.Error()}
	}
	return out, nil
}
