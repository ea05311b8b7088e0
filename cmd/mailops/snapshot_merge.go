package main

import (
	"fmt"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/mailops-dev/mailops/mailops/spec"
)

// loadSnapshotForSimulate reads a complete snapshot written by export.
func loadSnapshotForSimulate(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("simulate: snapshot: %w", err)
	}
	var s Snapshot
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("simulate: snapshot %s: %w", path, err)
	}
	if s.Kind != "Snapshot" {
		return nil, fmt.Errorf("simulate: %s is not a snapshot (kind %q)", path, s.Kind)
	}
	if !s.Complete {
		return nil, fmt.Errorf("simulate: snapshot %s is incomplete (read so far: %v): run export again to finish it", path, s.Progress)
	}
	return &s, nil
}

// mergeSnapshot adds the real tenant's domains, mailboxes, contacts and
// forwarding (from export) to the spec's tenant section, so that the
// simulated tenant is the one the plan will meet: what the spec lists wins
// for an address both name. Groups, connectors and remote domains of the
// snapshot are not simulated (the spec's migration makes its own).
func mergeSnapshot(f *spec.File, s *Snapshot) error {
	t := &f.Tenant
	for _, d := range s.Tenant.Domains {
		if !slices.Contains(t.Domains, d) {
			t.Domains = append(t.Domains, d)
		}
	}
	known := map[string]bool{}
	for _, m := range t.Mailboxes {
		known[m.Address] = true
	}
	for _, c := range t.Contacts {
		known[c.Address] = true
	}
	for _, m := range s.Tenant.Mailboxes {
		if !known[m.Address] {
			known[m.Address] = true
			t.Mailboxes = append(t.Mailboxes, m)
		}
	}
	for _, c := range s.Tenant.Contacts {
		if !known[c.Address] {
			known[c.Address] = true
			t.Contacts = append(t.Contacts, c)
		}
	}
	forwards := map[string]bool{}
	for _, fw := range t.Forwarding {
		forwards[fw.Mailbox] = true
	}
	for _, fw := range s.Tenant.Forwarding {
		if !forwards[fw.Mailbox] {
			t.Forwarding = append(t.Forwarding, fw)
		}
	}
	if err := f.Validate(); err != nil {
		return fmt.Errorf("simulate: the spec with the snapshot's tenant: %w", err)
	}
	return nil
}
