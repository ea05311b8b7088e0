package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/mailops-dev/mailops/mailops"
)

// zoneFile is a mailops.DNSPublisher that appends each change to a file as
// RFC 1035 zone lines (records to add) and comments (records to remove), for
// a person or a DNS provider's import to publish. The run goes on at once:
// the plan's DNS gates, when configured, still wait for the records to be
// seen.
type zoneFile struct {
	path string
	mu   sync.Mutex
}

// zoneLine writes a record of domain as a zone file line.
func zoneLine(domain string, r mailops.DNSRecord) string {
	name := strings.TrimSuffix(domain, ".") + "."
	if r.Label != "" && r.Label != "@" {
		name = r.Label + "." + name
	}
	ttl := r.TTL
	if ttl <= 0 {
		ttl = 3600
	}
	value := r.Value
	switch r.Type {
	case "TXT":
		value = `"` + strings.ReplaceAll(value, `"`, `\"`) + `"`
	case "MX":
		value = fmt.Sprintf("%d %s", r.Preference, fqdn(value))
	case "CNAME":
		value = fqdn(value)
	}
	return fmt.Sprintf("%s\t%d\tIN\t%s\t%s", name, ttl, r.Type, value)
}

func fqdn(h string) string {
	if h == "" || strings.HasSuffix(h, ".") {
		return h
	}
	return h + "."
}

// zoneLines renders a change: removals as comments, additions as records.
func zoneLines(c mailops.DNSChange) []string {
	lines := []string{"; " + c.Describe()}
	for _, r := range c.Remove {
		lines = append(lines, "; remove: "+zoneLine(c.Domain, r))
	}
	for _, r := range c.Add {
		lines = append(lines, zoneLine(c.Domain, r))
	}
	return lines
}

// Publish appends the change to the file and syncs it.
func (z *zoneFile) Publish(_ context.Context, c mailops.DNSChange) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	f, err := os.OpenFile(z.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("dns file: %w", err)
	}
	if _, err := f.WriteString(strings.Join(zoneLines(c), "\n") + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("dns file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("dns file: %w", err)
	}
	return f.Close()
}
