package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailops-dev/mailops/fake/dnsserver"
	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// Config configures a Lab.
type Config struct {
	Scenario *Scenario
	Seed     uint64
	Clock    ClockSpec
	// Wall is the real clock (nil: RealWall).
	Wall Wall
	// Listen holds the listen addresses; empty ones are 127.0.0.1:0.
	Listen Listen
	// Tick is how often the pump advances the world (0: 50ms).
	Tick time.Duration
}

// Listen holds a listen address per service; all must be loopback.
type Listen struct {
	// Token is the fake Entra ID's (HTTPS with the lab CA).
	DNS, IMAP, Graph, Token, Control string
	// SMTP by host role (legacy, exo, submission, internet, relay).
	SMTP map[string]string
}

// Ports are the addresses the lab serves, as the ports file holds them.
type Ports struct {
	DNS  string            `json:"dns"`
	SMTP map[string]string `json:"smtp"`
	IMAP string            `json:"imap"`
	// Graph serves Microsoft Graph (/v1.0) and the Exchange admin API
	// (/adminapi/beta/{tenant}/InvokeCommand).
	Graph string `json:"graph"`
	// Token is the fake Entra ID's token endpoint (HTTPS, the lab CA):
	// client credentials with ClientID and ClientSecret, scope
	// https://graph.microsoft.com/.default for Graph or
	// https://outlook.office365.com/.default for the admin API. Graph
	// accepts only its tokens.
	Token   string `json:"token"`
	Control string `json:"control"`
	// Authority is the Entra authority host (azidentity's
	// ActiveDirectoryAuthorityHost), TenantID the tenant, ClientID and
	// ClientSecret the lab's app registration, CA the lab CA's certificate
	// (PEM) that the token endpoint's certificate chains to.
	Authority    string `json:"authority"`
	TenantID     string `json:"tenantId"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	CA           string `json:"ca"`
}

// Lab is a running training lab. Create it with Start.
type Lab struct {
	cfg Config
	e   *engine
	clk *clock
	srv *smtpserve.Server // its Do is the world's lock
	rs  *readSide

	dns   *dnsserver.Server
	imap  *imapserver.Server
	id    *entra.Server
	tok   *tokenCheck
	https []*http.Server
	ports Ports

	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	reqMu    sync.Mutex
	reqs     []request
	inFlight int
	// onEnter, if set (tests), sees each Graph request enter.
	onEnter func(inFlight int)
}

// Start builds the scenario's world and serves it on loopback. Close stops
// it.
func Start(cfg Config) (l *Lab, err error) {
	if cfg.Scenario == nil {
		return nil, errors.New("lab: no scenario")
	}
	if cfg.Wall == nil {
		cfg.Wall = RealWall{}
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 50 * time.Millisecond
	}
	if cfg.Clock.Factor == 0 && !cfg.Clock.Manual {
		cfg.Clock.Factor = 1
	}
	// Refuse a bad address before building anything.
	for svc, a := range map[string]string{"dns": cfg.Listen.DNS, "imap": cfg.Listen.IMAP, "graph": cfg.Listen.Graph, "token": cfg.Listen.Token, "control": cfg.Listen.Control} {
		if _, err := checkLoopback(svc, a); err != nil {
			return nil, err
		}
	}
	for role, a := range cfg.Listen.SMTP {
		if _, err := checkLoopback("smtp "+role, a); err != nil {
			return nil, err
		}
	}
	e, err := newEngine(cfg.Scenario, cfg.Seed)
	if err != nil {
		return nil, err
	}
	srv := smtpserve.New(e.w.World)
	srv.SetHooks(e.smtpHooks())
	l = &Lab{cfg: cfg, e: e, srv: srv, rs: newReadSide(e.w.addresses),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		ports: Ports{SMTP: map[string]string{}}}
	e.onDeliver = func(ev mailflow.Event, m *mailflow.Message) {
		if err := l.rs.deliver(ev, m); err != nil {
			e.tl.add(ev.At, "error", err.Error())
		}
	}
	l.clk = newClock(cfg.Clock, cfg.Wall, e.now())
	defer func() {
		if err != nil {
			_ = l.closeServers()
		}
	}()
	if err := l.serve(); err != nil {
		return nil, err
	}
	go l.pump()
	return l, nil
}

// serve opens every listener.
func (l *Lab) serve() error {
	a, err := checkLoopback("dns", l.cfg.Listen.DNS)
	if err != nil {
		return err
	}
	if l.dns, err = l.e.w.DNS().Authority().Serve(a); err != nil {
		return fmt.Errorf("lab: dns: %w", err)
	}
	l.ports.DNS = l.dns.Addr()
	for _, role := range slices.Sorted(mapsKeys(l.e.w.roles)) {
		hc := smtpserve.HostConfig{Host: l.e.w.roles[role], Addr: l.cfg.Listen.SMTP[role]}
		if hc.Addr == "" {
			hc.Addr = "127.0.0.1:0"
		}
		switch role {
		case "submission":
			hc.Port, hc.RequireAuth, hc.Users = 587, true, l.smtpUsers()
		case "relay":
			hc.Port = 587
		}
		addr, err := l.srv.Listen(hc)
		if err != nil {
			return fmt.Errorf("lab: smtp %s: %w", role, err)
		}
		l.ports.SMTP[role] = addr
	}
	il, err := listen("imap", l.cfg.Listen.IMAP)
	if err != nil {
		return err
	}
	l.imap = l.rs.server()
	l.ports.IMAP = il.Addr().String()
	go func() { _ = l.imap.Serve(il) }()
	ta, err := checkLoopback("token", l.cfg.Listen.Token)
	if err != nil {
		return err
	}
	if l.id, err = entra.NewServer(labIdentity(ta, l.cfg.Wall, slices.Sorted(maps.Keys(l.smtpUsers())))); err != nil {
		return fmt.Errorf("lab: token: %w", err)
	}
	l.tok = newTokenCheck(l.id, l.cfg.Wall)
	l.ports.Token, l.ports.Authority, l.ports.TenantID = l.id.TokenURL(), l.id.AuthorityHost(), l.id.TenantID()
	l.ports.ClientID, l.ports.ClientSecret, l.ports.CA = LabClientID, LabClientSecret, string(l.id.CACertPEM())
	if l.ports.Graph, err = l.serveHTTP("graph", l.cfg.Listen.Graph, l.graphHandler()); err != nil {
		return err
	}
	if l.ports.Control, err = l.serveHTTP("control", l.cfg.Listen.Control, l.controlHandler()); err != nil {
		return err
	}
	return nil
}

// smtpUsers are the AUTH credentials of submission: every mailbox of the
// tenant, password IMAPPassword.
func (l *Lab) smtpUsers() map[string]string {
	users := map[string]string{}
	for _, p := range l.e.sc.file.Tenant.Mailboxes {
		users[p.Address] = IMAPPassword
	}
	if c := l.e.w.cut; c != nil {
		for _, u := range c.Users {
			users[string(u)] = IMAPPassword
		}
	}
	return users
}

func (l *Lab) serveHTTP(svc, addr string, h http.Handler) (string, error) {
	ln, err := listen(svc, addr)
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	l.https = append(l.https, hs)
	go func() { _ = hs.Serve(ln) }()
	return ln.Addr().String(), nil
}

// Ports returns the addresses the lab serves.
func (l *Lab) Ports() Ports {
	p := l.ports
	p.SMTP = map[string]string{}
	for k, v := range l.ports.SMTP {
		p.SMTP[k] = v
	}
	return p
}

// WritePorts writes the ports as JSON to path.
func (l *Lab) WritePorts(path string) error {
	b, err := json.MarshalIndent(l.Ports(), "", "  ")
	if err != nil {
		return fmt.Errorf("lab: ports: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("lab: ports file: %w", err)
	}
	return nil
}

// Do runs fn with the world to itself.
func (l *Lab) Do(fn func()) { l.srv.Do(fn) }

// pump advances the world to the clock's target on every tick, and at once
// when kicked (a Graph request waiting to run).
func (l *Lab) pump() {
	defer close(l.done)
	tick, stopTick := l.cfg.Wall.Tick(l.cfg.Tick)
	defer stopTick()
	for {
		select {
		case <-l.stop:
			return
		case <-tick:
		case <-l.kick:
		}
		l.Do(func() { l.e.stepTo(l.clk.target()) })
	}
}

// Act applies a control action now and logs it.
func (l *Lab) Act(a Action) (Action, error) {
	var out Action
	var err error
	l.Do(func() { out, err = l.e.act(a, l.clk) })
	return out, err
}

// Log returns the control log: what Replay needs to reproduce the run.
func (l *Lab) Log() ControlLog {
	var c ControlLog
	l.Do(func() {
		c = ControlLog{Seed: l.e.seed, Until: l.e.now(), Actions: slices.Clone(l.e.log)}
	})
	return c
}

// LedgerDigest is the digest of the run so far: a SHA-256 over every
// message and ledger event, in order (see Replayed.Digest).
func (l *Lab) LedgerDigest() string {
	var d string
	l.Do(func() { d = l.e.watch.sum() })
	return d
}

// Grade grades the run so far.
func (l *Lab) Grade() Grade {
	l.reqMu.Lock()
	reqs := slices.Clone(l.reqs)
	l.reqMu.Unlock()
	var g Grade
	l.Do(func() { g = l.e.grade(reqs) })
	return g
}

// Close stops the pump and every server.
func (l *Lab) Close() error {
	close(l.stop)
	<-l.done
	err := l.closeServers()
	l.Do(func() { l.e.w.Scheduler().Close() })
	return err
}

func (l *Lab) closeServers() error {
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, hs := range l.https {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if l.imap != nil {
		if err := l.imap.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if err := l.srv.Close(); err != nil {
		errs = append(errs, err)
	}
	if l.dns != nil {
		if err := l.dns.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if l.id != nil {
		if err := l.id.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
