package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/mailops-dev/mailops/mailops/spec"
)

// parseDevices reads a device list: one network (CIDR) or address per line,
// "#" starting a comment, as an inventory of printers and scanners that
// send without authentication is usually kept. Addresses become /32 (or
// /128) networks.
func parseDevices(r io.Reader, name string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		p, err := netip.ParsePrefix(fields[0])
		if err != nil {
			a, aerr := netip.ParseAddr(fields[0])
			if aerr != nil {
				return nil, fmt.Errorf("%s:%d: %q is not a network or an address", name, n, fields[0])
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		s := p.Masked().String()
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// addDevices puts the device list and the relay account into a spec.
func addDevices(f *spec.File, path, relay string) error {
	if path == "" {
		if relay != "" {
			return fmt.Errorf("import: --relay-account needs --devices")
		}
		return nil
	}
	if relay == "" {
		return fmt.Errorf("import: --devices needs --relay-account (the mailbox the relay submits as)")
	}
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer r.Close()
	nets, err := parseDevices(r, path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	f.Devices = &spec.Devices{Networks: nets, RelayAccount: relay}
	return nil
}
