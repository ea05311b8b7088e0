package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/mailops-dev/mailops/mailops"
)

// absentHash stands for a read that found nothing.
const absentHash = "absent"

// hashObject hashes v's JSON; lists are hashed in a sorted order, so that a
// service that pages in another order is not taken for a change.
func hashObject(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func hashList[T any](xs []T) (string, error) {
	parts := make([]string, len(xs))
	for i, x := range xs {
		b, err := json.Marshal(x)
		if err != nil {
			return "", fmt.Errorf("fingerprint: %w", err)
		}
		parts[i] = string(b)
	}
	slices.Sort(parts)
	return hashObject(parts)
}

// readObject reads one object (or list) through d and hashes it.
func readObject(ctx context.Context, d mailops.Driver, kind, id string) (string, error) {
	var v any
	var err error
	switch kind {
	case "domain":
		v, err = d.GetDomain(ctx, id)
	case "recipient":
		v, err = d.GetRecipient(ctx, mailops.Address(id))
	case "group":
		v, err = d.GetGroup(ctx, mailops.Address(id))
	case "outboundConnector":
		v, err = d.GetOutboundConnector(ctx, id)
	case "inboundConnector":
		v, err = d.GetInboundConnector(ctx, id)
	case "remoteDomain":
		v, err = d.GetRemoteDomain(ctx, id)
	case "domains":
		xs, lerr := d.ListDomains(ctx)
		if lerr != nil {
			return "", lerr
		}
		return hashList(xs)
	case "recipients":
		xs, lerr := d.ListRecipients(ctx)
		if lerr != nil {
			return "", lerr
		}
		return hashList(xs)
	case "groups":
		xs, lerr := d.ListGroups(ctx)
		if lerr != nil {
			return "", lerr
		}
		return hashList(xs)
	default:
		return "", fmt.Errorf("fingerprint: unknown object kind %q", kind)
	}
	if errors.Is(err, mailops.ErrNotFound) {
		return absentHash, nil
	}
	if err != nil {
		return "", err
	}
	return hashObject(v)
}

// recordingDriver passes every call to the driver it wraps and remembers
// the objects the reads saw: the plan's fingerprint.
type recordingDriver struct {
	mailops.Driver
	mu    sync.Mutex
	reads []Read
	seen  map[[2]string]bool
}

func newRecordingDriver(d mailops.Driver) *recordingDriver {
	return &recordingDriver{Driver: d, seen: map[[2]string]bool{}}
}

// Reads returns the reads in the order first made.
func (r *recordingDriver) Reads() []Read {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reads)
}

func (r *recordingDriver) note(kind, id string, v any, err error, list bool) {
	if err != nil && !errors.Is(err, mailops.ErrNotFound) {
		return // a failed read stops the plan anyway
	}
	var h string
	var herr error
	switch {
	case err != nil:
		h = absentHash
	case list:
		h, herr = listHash(v)
	default:
		h, herr = hashObject(v)
	}
	if herr != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{kind, id}
	if r.seen[k] {
		return // the first read is what the plan was built from
	}
	r.seen[k] = true
	r.reads = append(r.reads, Read{Kind: kind, ID: id, SHA256: h})
}

func listHash(v any) (string, error) {
	switch xs := v.(type) {
	case []mailops.Domain:
		return hashList(xs)
	case []mailops.Recipient:
		return hashList(xs)
	case []mailops.Group:
		return hashList(xs)
	}
	return "", fmt.Errorf("fingerprint: unexpected list %T", v)
}

// GetDomain reads and records a domain.
func (r *recordingDriver) GetDomain(ctx context.Context, name string) (mailops.Domain, error) {
	v, err := r.Driver.GetDomain(ctx, name)
	r.note("domain", name, v, err, false)
	return v, err
}

// ListDomains reads and records the domains.
func (r *recordingDriver) ListDomains(ctx context.Context) ([]mailops.Domain, error) {
	v, err := r.Driver.ListDomains(ctx)
	r.note("domains", "", v, err, true)
	return v, err
}

// GetRecipient reads and records a recipient.
func (r *recordingDriver) GetRecipient(ctx context.Context, a mailops.Address) (mailops.Recipient, error) {
	v, err := r.Driver.GetRecipient(ctx, a)
	r.note("recipient", string(a), v, err, false)
	return v, err
}

// ListRecipients reads and records the recipients.
func (r *recordingDriver) ListRecipients(ctx context.Context) ([]mailops.Recipient, error) {
	v, err := r.Driver.ListRecipients(ctx)
	r.note("recipients", "", v, err, true)
	return v, err
}

// GetGroup reads and records a group.
func (r *recordingDriver) GetGroup(ctx context.Context, a mailops.Address) (mailops.Group, error) {
	v, err := r.Driver.GetGroup(ctx, a)
	r.note("group", string(a), v, err, false)
	return v, err
}

// ListGroups reads and records the groups.
func (r *recordingDriver) ListGroups(ctx context.Context) ([]mailops.Group, error) {
	v, err := r.Driver.ListGroups(ctx)
	r.note("groups", "", v, err, true)
	return v, err
}

// GetOutboundConnector reads and records a connector.
func (r *recordingDriver) GetOutboundConnector(ctx context.Context, name string) (mailops.OutboundConnector, error) {
	v, err := r.Driver.GetOutboundConnector(ctx, name)
	r.note("outboundConnector", name, v, err, false)
	return v, err
}

// GetInboundConnector reads and records a connector.
func (r *recordingDriver) GetInboundConnector(ctx context.Context, name string) (mailops.InboundConnector, error) {
	v, err := r.Driver.GetInboundConnector(ctx, name)
	r.note("inboundConnector", name, v, err, false)
	return v, err
}

// GetRemoteDomain reads and records a remote domain.
func (r *recordingDriver) GetRemoteDomain(ctx context.Context, name string) (mailops.RemoteDomain, error) {
	v, err := r.Driver.GetRemoteDomain(ctx, name)
	r.note("remoteDomain", name, v, err, false)
	return v, err
}

// StaleRead is an object that changed since the plan read it.
type StaleRead struct {
	Read
	Now string `json:"now"`
}

// staleReads reads every object again and returns those that changed.
func staleReads(ctx context.Context, d mailops.Driver, reads []Read) ([]StaleRead, error) {
	var out []StaleRead
	for _, r := range reads {
		h, err := readObject(ctx, d, r.Kind, r.ID)
		if err != nil {
			return nil, fmt.Errorf("re-read %s %s: %w", r.Kind, r.ID, err)
		}
		if h != r.SHA256 {
			out = append(out, StaleRead{Read: r, Now: h})
		}
	}
	return out, nil
}
