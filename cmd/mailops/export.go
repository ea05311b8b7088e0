package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// Snapshot is a tenant read by export: spec-shaped (its tenant section is a
// spec's, usable as one), with the objects a spec does not describe
// (domains with their type, groups, connectors, remote domains) in the
// library's model. Progress is the cursor: the phases already read, and
// inside the groups phase GroupIndex and GroupsRead (every group's address,
// and how many of them Groups holds already); a snapshot with Complete false
// is continued by running export again.
type Snapshot struct {
	APIVersion         string           `yaml:"apiVersion" json:"apiVersion"`
	Kind               string           `yaml:"kind" json:"kind"` // "Snapshot"
	Source             string           `yaml:"source" json:"source"`
	Complete           bool             `yaml:"complete" json:"complete"`
	Progress           []string         `yaml:"progress" json:"progress"`
	Tenant             spec.Tenant      `yaml:"tenant" json:"tenant"`
	Domains            []map[string]any `yaml:"domains,omitempty" json:"domains,omitempty"`
	Groups             []map[string]any `yaml:"groups,omitempty" json:"groups,omitempty"`
	OutboundConnectors []map[string]any `yaml:"outboundConnectors,omitempty" json:"outboundConnectors,omitempty"`
	InboundConnectors  []map[string]any `yaml:"inboundConnectors,omitempty" json:"inboundConnectors,omitempty"`
	RemoteDomains      []map[string]any `yaml:"remoteDomains,omitempty" json:"remoteDomains,omitempty"`
	GroupIndex         []string         `yaml:"groupIndex,omitempty" json:"groupIndex,omitempty"`
	GroupsRead         int              `yaml:"groupsRead,omitempty" json:"groupsRead,omitempty"`
}

// groupBatch is how many groups export reads between two writes of the
// snapshot: each group costs three admin calls (the group, its members,
// its SendAs trustees), so an interruption loses at most this many.
const groupBatch = 25

// exportPhases are read in this order; the cursor names those done.
var exportPhases = []string{"domains", "recipients", "groups", "outboundConnectors", "inboundConnectors", "remoteDomains"}

// asMaps turns model objects into generic maps (their JSON field names),
// so that the snapshot's YAML keeps the model's names.
func asMaps[T any](xs []T) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(xs))
	for _, x := range xs {
		b, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// readSnapshot reads a partial snapshot to continue; a missing file, or a
// complete snapshot, starts afresh.
func readSnapshot(path, source string) (*Snapshot, error) {
	fresh := &Snapshot{APIVersion: spec.APIVersion, Kind: "Snapshot", Source: source, Progress: []string{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fresh, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var s Snapshot
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("export: %s: %w", path, err)
	}
	if s.Kind != "Snapshot" {
		return nil, fmt.Errorf("export: %s is not a snapshot (kind %q): refusing to overwrite it", path, s.Kind)
	}
	if s.Complete || s.Source != source {
		return fresh, nil
	}
	return &s, nil
}

// writeSnapshot writes the snapshot atomically (a crash leaves the last
// complete write).
func writeSnapshot(path string, s *Snapshot) error {
	data, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportPhase reads one phase into s and returns how many objects it read;
// save writes the snapshot (the groups phase saves its cursor as it goes).
func exportPhase(ctx context.Context, d mailops.Driver, s *Snapshot, phase string, save func() error) (int, error) {
	switch phase {
	case "domains":
		ds, err := d.ListDomains(ctx)
		if err != nil {
			return 0, err
		}
		s.Tenant.Domains = nil
		for _, x := range ds {
			if x.Verified {
				s.Tenant.Domains = append(s.Tenant.Domains, x.Name)
			}
		}
		s.Domains, err = asMaps(ds)
		return len(ds), err
	case "recipients":
		rs, err := d.ListRecipients(ctx)
		if err != nil {
			return 0, err
		}
		s.Tenant.Mailboxes, s.Tenant.Contacts, s.Tenant.Forwarding = nil, nil, nil
		for _, r := range rs {
			switch r.Kind {
			case mailops.MailContact:
				s.Tenant.Contacts = append(s.Tenant.Contacts, spec.Contact{Address: string(r.Address), DisplayName: r.DisplayName})
			default:
				s.Tenant.Mailboxes = append(s.Tenant.Mailboxes, spec.Person{Address: string(r.Address), DisplayName: r.DisplayName, SimpleDisplayName: r.SimpleDisplayName})
			}
			if r.ForwardingAddress != "" || r.ForwardingSmtpAddress != "" {
				s.Tenant.Forwarding = append(s.Tenant.Forwarding, spec.Forward{Mailbox: string(r.Address), Address: string(r.ForwardingAddress),
					SmtpAddress: string(r.ForwardingSmtpAddress), KeepCopy: r.DeliverToMailboxAndForward})
			}
		}
		return len(rs), nil
	case "groups":
		if gi, ok := d.(mailops.GroupIndexer); ok {
			return exportGroups(ctx, d, gi, s, save)
		}
		gs, err := d.ListGroups(ctx)
		if err != nil {
			return 0, err
		}
		s.Groups, err = asMaps(gs)
		return len(gs), err
	case "outboundConnectors":
		cs, err := d.ListOutboundConnectors(ctx)
		if err != nil {
			return 0, err
		}
		s.OutboundConnectors, err = asMaps(cs)
		return len(cs), err
	case "inboundConnectors":
		cs, err := d.ListInboundConnectors(ctx)
		if err != nil {
			return 0, err
		}
		s.InboundConnectors, err = asMaps(cs)
		return len(cs), err
	case "remoteDomains":
		rs, err := d.ListRemoteDomains(ctx)
		if err != nil {
			return 0, err
		}
		s.RemoteDomains, err = asMaps(rs)
		return len(rs), err
	}
	return 0, fmt.Errorf("export: unknown phase %q", phase)
}

// exportGroups reads the groups one by one from the index, saving the
// snapshot with its cursor after every groupBatch groups, so that an
// interrupted export continues with the first group not yet read. A group
// deleted since the index was read is skipped.
func exportGroups(ctx context.Context, d mailops.Driver, gi mailops.GroupIndexer, s *Snapshot, save func() error) (int, error) {
	if s.GroupIndex == nil {
		idx, err := gi.ListGroupAddresses(ctx)
		if err != nil {
			return 0, err
		}
		s.GroupIndex, s.GroupsRead, s.Groups = make([]string, len(idx)), 0, nil
		for i, a := range idx {
			s.GroupIndex[i] = string(a)
		}
		if err := save(); err != nil {
			return 0, err
		}
	}
	for s.GroupsRead < len(s.GroupIndex) {
		end := min(s.GroupsRead+groupBatch, len(s.GroupIndex))
		var batch []mailops.Group
		for _, a := range s.GroupIndex[s.GroupsRead:end] {
			g, err := d.GetGroup(ctx, mailops.Address(a))
			if errors.Is(err, mailops.ErrNotFound) {
				continue
			}
			if err != nil {
				return 0, fmt.Errorf("group %s (%d of %d read): %w", a, s.GroupsRead, len(s.GroupIndex), err)
			}
			batch = append(batch, g)
		}
		ms, err := asMaps(batch)
		if err != nil {
			return 0, err
		}
		s.Groups, s.GroupsRead = append(s.Groups, ms...), end
		if err := save(); err != nil {
			return 0, err
		}
	}
	n := len(s.Groups)
	s.GroupIndex, s.GroupsRead = nil, 0 // the phase is done; the cursor goes
	return n, nil
}

// runExport reads every phase not yet in the snapshot at path, writing the
// snapshot and its cursor after each, so that an interrupted export
// continues where it stopped. progress reports each phase.
func runExport(ctx context.Context, d mailops.Driver, path, source string, progress func(phase string, n, i, of int)) (*Snapshot, error) {
	s, err := readSnapshot(path, source)
	if err != nil {
		return nil, err
	}
	for i, phase := range exportPhases {
		if slices.Contains(s.Progress, phase) {
			progress(phase, -1, i+1, len(exportPhases))
			continue
		}
		n, err := exportPhase(ctx, d, s, phase, func() error { return writeSnapshot(path, s) })
		if err != nil {
			return s, fmt.Errorf("export %s: %w (run export again to continue from here)", phase, err)
		}
		s.Progress = append(s.Progress, phase)
		s.Complete = len(s.Progress) == len(exportPhases)
		if err := writeSnapshot(path, s); err != nil {
			return s, err
		}
		progress(phase, n, i+1, len(exportPhases))
	}
	return s, nil
}
