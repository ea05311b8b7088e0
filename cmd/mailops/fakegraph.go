package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// fakeGraph is fake/graphserver over a fake tenant seeded from a spec's
// tenant section, on a wall-clock executor, with no latency and no
// propagation delay.
type fakeGraph struct {
	Cloud  *fake.Cloud
	Tenant *fake.Tenant
	Server *graphserver.Server
	proofs *zoneProofs
}

// zoneProofs are the ownership proofs the fake cloud sees: the seeded
// domains', and TXT records in a zone file (apply --dns-file writes one).
type zoneProofs struct {
	mu     sync.Mutex
	seeded map[string]string
	file   string
}

// HasProof reports whether domain's TXT record token is published.
func (z *zoneProofs) HasProof(_ context.Context, domain, token string) (bool, error) {
	z.mu.Lock()
	seeded := z.seeded[domain] == token
	z.mu.Unlock()
	if seeded || z.file == "" {
		return seeded, nil
	}
	f, err := os.Open(z.file)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && !strings.HasPrefix(fields[0], ";") && strings.TrimSuffix(fields[0], ".") == domain &&
			fields[3] == "TXT" && strings.Trim(strings.Join(fields[4:], " "), `"`) == token {
			return true, nil
		}
	}
	return false, sc.Err()
}

// newFakeGraph builds the fake and seeds it from sf's tenant section: its
// domains verified and accepted, its mailboxes and contacts, their
// forwarding. dnsFile, when set, is read for ownership proofs.
func newFakeGraph(ctx context.Context, sf *spec.File, seed uint64, dnsFile string) (*fakeGraph, error) {
	w := sim.NewWall(seed)
	cloud := fake.NewCloud(w, w.Rand("cloud"), fake.DefaultCloudConfig())
	proofs := &zoneProofs{seeded: map[string]string{}, file: dnsFile}
	cloud.SetProofChecker(proofs)
	name := sf.Tenant.Name
	if name == "" {
		name = "contoso"
	}
	t := cloud.NewTenant(name, fake.InstantTenantConfig())
	d := t.Driver("seed")
	for _, dom := range sf.Tenant.Domains {
		got, err := d.AddDomain(ctx, dom)
		if err != nil {
			return nil, fmt.Errorf("fakegraph: seed domain %s: %w", dom, err)
		}
		for _, r := range got.VerificationRecords {
			if r.Type == "TXT" {
				proofs.mu.Lock()
				proofs.seeded[dom] = r.Value
				proofs.mu.Unlock()
			}
		}
		if _, err := d.VerifyDomain(ctx, dom); err != nil {
			return nil, fmt.Errorf("fakegraph: seed domain %s: %w", dom, err)
		}
		if err := d.EnableEmail(ctx, dom); err != nil {
			return nil, fmt.Errorf("fakegraph: seed domain %s: %w", dom, err)
		}
	}
	rs := sf.Recipients()
	for _, r := range rs {
		bare := r
		bare.ForwardingAddress, bare.ForwardingSmtpAddress, bare.DeliverToMailboxAndForward = "", "", false
		if err := d.CreateRecipient(ctx, bare); err != nil {
			return nil, fmt.Errorf("fakegraph: seed %s: %w", r.Address, err)
		}
	}
	for _, r := range rs {
		if f := r.Forwarding(); !f.IsZero() {
			if err := d.SetForwarding(ctx, r.Address, f); err != nil {
				return nil, fmt.Errorf("fakegraph: seed forwarding of %s: %w", r.Address, err)
			}
		}
	}
	return &fakeGraph{Cloud: cloud, Tenant: t, Server: graphserver.New(t.Driver("admin"), graphserver.Options{}), proofs: proofs}, nil
}

// tenantCall is one call the fake tenant applied, for /_fake/calls.
type tenantCall struct {
	Admin  string `json:"admin"`
	Op     string `json:"op"`
	Target string `json:"target"`
	Err    string `json:"err,omitempty"`
}

// Calls returns the calls the tenant received through the server.
func (g *fakeGraph) Calls() []tenantCall {
	var out []tenantCall
	for _, c := range g.Tenant.CallLog() {
		if c.Admin != "admin" {
			continue
		}
		tc := tenantCall{Admin: c.Admin, Op: c.Op, Target: c.Target}
		if c.Err != nil {
			tc.Err = c.Err.Error()
		}
		out = append(out, tc)
	}
	return out
}

// Handler serves the fake Graph and Exchange admin API, and the tenant's
// call log as JSON at /_fake/calls.
func (g *fakeGraph) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", g.Server)
	mux.HandleFunc("GET /_fake/calls", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(g.Calls())
	})
	return mux
}

// listenLoopback listens on addr, refusing an address that is not loopback
// unless allowRemote.
func listenLoopback(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fakegraph: --listen %q: %w", addr, err)
	}
	if !isLoopbackHost(host) && !allowRemote {
		return nil, fmt.Errorf("fakegraph: --listen %s is not a loopback address (give --allow-remote to serve a fake tenant beyond this machine)", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fakegraph: %w", err)
	}
	return l, nil
}

// remoteWarning is what fakegraph prints on stderr when --allow-remote let
// it listen beyond this machine ("" on a loopback address).
func remoteWarning(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err == nil && isLoopbackHost(host) {
		return ""
	}
	return fmt.Sprintf("fakegraph: WARNING: listening on %s, beyond this machine (--allow-remote): anyone who reaches it can read and change the fake tenant (it accepts any bearer token)", a)
}

// writeURL writes the server's URL to path (for scripts), atomically.
func writeURL(path, u string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(u+"\n"), 0o644); err != nil {
		return fmt.Errorf("fakegraph: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("fakegraph: %w", err)
	}
	return nil
}

// calledOps counts applied calls of the tenant that change it, by op and
// target: what "applied twice" is measured in.
func calledOps(calls []tenantCall) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		if c.Err != "" || strings.HasPrefix(c.Op, "Get") || strings.HasPrefix(c.Op, "List") {
			continue
		}
		out[c.Op+" "+c.Target]++
	}
	return out
}
