package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/entra"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/mailflow/preview"
	"github.com/mailops-dev/mailops/fake/sim"
	"github.com/mailops-dev/mailops/fake/smtpserve"
	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/delegate"
)

// serveOptions are `mailops serve`'s flags.
type serveOptions struct {
	store       string
	listen      string
	allowRemote bool
	tenant      string
	issuer      string
	audience    string
	clientID    string
	smtp        string
	tokenTTL    time.Duration
	// publicURL is the address browsers and clients use when a TLS proxy
	// stands in front (https://...); cookies are then Secure.
	publicURL string
}

// demoToken is a demo user's ready bearer token.
type demoToken struct {
	Name  string `json:"name"`
	UPN   string `json:"upn"`
	Role  string `json:"role"`
	Token string `json:"token"`
	// Curl is a shell command line using the token.
	Curl string `json:"curl"`
}

// serveReady is what `mailops serve` prints once it serves (--json: this
// document on one line).
type serveReady struct {
	URL    string      `json:"url"`
	API    string      `json:"api"`
	Issuer string      `json:"issuer"`
	Store  string      `json:"store"`
	Tenant string      `json:"tenant"`
	SMTP   string      `json:"smtp"`
	Users  []demoToken `json:"users,omitempty"`
}

// checkListen refuses a non-loopback --listen unless allowRemote, and says
// so loudly when it is allowed.
func checkListen(addr string, allowRemote bool, warn func(string, ...any)) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	if isLoopbackHost(host) {
		return nil
	}
	if !allowRemote {
		return fmt.Errorf("--listen %s is not a loopback address: the demo issuer and tenant are fake; pass --allow-remote to serve the network anyway", addr)
	}
	warn("WARNING: serving on %s, reachable from the network (--allow-remote); put TLS in front of it", addr)
	return nil
}

// server is a running `mailops serve`.
type server struct {
	ready   serveReady
	addr    string // the listener's address
	http    *http.Server
	done    chan error
	closers []func(context.Context) error // in reverse order of start
	relay   *smtpserve.Server
	relayW  *mailflow.World
}

// startServe starts every part and serves; Shutdown stops them.
func startServe(ctx context.Context, o serveOptions, warn func(string, ...any)) (_ *server, err error) {
	s := &server{done: make(chan error, 1)}
	defer func() {
		if err != nil {
			_ = s.Shutdown(context.Background())
		}
	}()
	if err := checkListen(o.listen, o.allowRemote, warn); err != nil {
		return nil, err
	}
	spec, err := parseStore(o.store)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.closers = append(s.closers, func(context.Context) error { _ = ln.Close(); return nil })
	s.addr = ln.Addr().String()
	base := "http://" + s.addr
	if o.publicURL != "" {
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("--public-url %q: want http(s)://HOST[:PORT] with no path", o.publicURL)
		}
		base = u.Scheme + "://" + u.Host
	}
	s.ready = serveReady{URL: base + "/", API: base + "/v1/", Store: spec.String(), Tenant: o.tenant}

	st, err := spec.open(ctx)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func(context.Context) error { return st.Close() })

	wall := sim.NewWall(1)
	clientOpts := mailops.Options{Clock: wall, MaxSessions: 3,
		Consistency: mailops.ConsistencyOptions{Reads: 3, Interval: 500 * time.Millisecond, Timeout: 2 * time.Minute}}
	var client *mailops.Client
	var mailFlow delegate.MailFlow
	if o.tenant == "fake" {
		cloud := fake.NewCloud(wall, wall.Rand("cloud"), fake.DefaultCloudConfig())
		t := cloud.NewTenant("univ", fake.InstantTenantConfig())
		if err := seedDemo(ctx, cloud, t.Driver("seed")); err != nil {
			return nil, err
		}
		client = mailops.NewClient(t.Driver("mailops-delegate"), clientOpts)
		// "done" means the fake tenant's mail flow resolves the address
		// to its new targets (a real tenant has no such view: converged).
		mailFlow = preview.TenantMailFlow{Tenant: t}
		s.ready.Tenant = "fake (demo university: " + demoDeptA + ", " + demoDeptB + ")"
	} else if client, err = connect(o.tenant, clientOpts); err != nil {
		return nil, err
	}

	var notifier delegate.Notifier
	relay := o.smtp
	if relay == "" {
		if relay, err = s.startRelay(); err != nil {
			return nil, err
		}
		s.ready.SMTP = relay + " (fake relay on loopback)"
	} else {
		s.ready.SMTP = relay
	}
	notifier = &delegate.MailNotifier{Relay: relay, From: demoSender, Approvers: []mailops.Address{demoITApprover}, Clock: wall}

	logger := slog.New(slog.DiscardHandler)
	// The replica of the delegated domains, refreshed now, every five
	// minutes and after each request; outside changes show as drift.
	replica := &delegate.Refresher{Store: st, Source: client, Config: demoConfig, Clock: wall}
	if _, err := replica.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	a := &delegate.Applier{Store: st, Client: client, Config: demoConfig, Clock: wall, Logger: logger, MailFlow: mailFlow, Replica: replica}
	q, err := st.queue(ctx, a, delegate.QueueOptions{PollInterval: 200 * time.Millisecond, Notifier: notifier, Logger: logger})
	if err != nil {
		return nil, err
	}
	a.Outbox = q.Outbox()
	if err := q.Start(ctx); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	s.closers = append(s.closers, q.Stop)
	if st.embedded() {
		// Jobs a killed process left running finish now, not after
		// River's hour-long rescue.
		if _, err := q.Recover(ctx, st, demoConfig); err != nil {
			return nil, fmt.Errorf("queue: recover: %w", err)
		}
	}
	refreshCtx, stopRefresh := context.WithCancel(context.Background())
	go func() { _ = replica.Run(refreshCtx) }()
	s.closers = append(s.closers, func(context.Context) error { stopRefresh(); return nil })
	// Each request's plan runs in the simulator against the replica before
	// it awaits approval; the approver sees the prediction.
	svc := &delegate.Service{Store: st, Config: demoConfig, Clock: wall, Enqueue: q.Enqueue, Outbox: q.Outbox(), Logger: logger,
		Previewer: preview.Simulator{}}
	if _, err := svc.Resume(ctx); err != nil {
		return nil, err
	}

	issuer, audience, clientID := o.issuer, o.audience, o.clientID
	var ent *entra.Server
	if issuer == "" {
		users := demoUsers()
		cfg := entra.Config{
			Clock:         wall,
			TokenLifetime: o.tokenTTL,
			Apps: []entra.App{{ClientID: demoAudience, Name: "mailops delegated addresses",
				RedirectURIs: []string{base + "/auth/callback"}}},
			Resources: []entra.Resource{{AppID: demoAudience, IdentifierURI: demoAPIURI, Scopes: []string{"access_as_user"}}},
		}
		for _, u := range users {
			cfg.Users = append(cfg.Users, u.user)
		}
		if ent, err = entra.NewServer(cfg); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func(context.Context) error { return ent.Close() })
		issuer, audience, clientID = ent.Issuer(), demoAudience, demoAudience
		for _, u := range users {
			tok, err := ent.UserToken(u.user.OID, demoAPIURI)
			if err != nil {
				return nil, err
			}
			s.ready.Users = append(s.ready.Users, demoToken{Name: u.user.Name, UPN: u.user.UPN, Role: u.role, Token: tok,
				Curl: demoCurl(base, u, tok)})
		}
		s.ready.Issuer = issuer + " (fake Entra ID on loopback)"
	} else {
		s.ready.Issuer = issuer
	}
	authn, err := delegate.NewAuthenticator(ctx, issuer, audience, demoConfig, wall)
	if err != nil {
		return nil, err
	}
	api := delegate.NewAPI(svc, client, authn.Authenticate)
	web, err := delegate.NewWeb(ctx, svc, client, authn, delegate.WebConfig{Issuer: issuer, ClientID: clientID,
		RedirectURL: base + "/auth/callback", APIScope: demoAPIURI + "/.default", Secure: strings.HasPrefix(base, "https://")})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", api)
	mux.Handle("/openapi.json", api)
	mux.Handle("/openapi.yaml", api)
	mux.Handle("/", web)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.http.Serve(ln) }()
	return s, nil
}

// startRelay serves a mail world's legacy host on loopback as the
// notification relay: it accepts mail for the demo's people and records
// it in the world's ledger.
func (s *server) startRelay() (string, error) {
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	l := w.AddLegacy("mx.example.ac.jp", time.Hour, demoConfig.Internal...)
	for _, u := range demoUsers() {
		l.AddMailbox(mailops.Address(u.user.UPN))
	}
	for _, p := range demoPeople {
		l.AddMailbox(p)
	}
	srv := smtpserve.New(w)
	addr, err := srv.Listen(smtpserve.HostConfig{Host: "mx.example.ac.jp"})
	if err != nil {
		_ = srv.Close()
		return "", err
	}
	s.relay, s.relayW = srv, w
	s.closers = append(s.closers, func(context.Context) error { return srv.Close() })
	return addr, nil
}

// Notifications is how many messages the fake relay has accepted (0
// without one).
func (s *server) Notifications() int {
	if s.relay == nil {
		return 0
	}
	n := 0
	s.relay.Do(func() { n = len(s.relayW.Ledger().Messages()) })
	return n
}

// Shutdown stops serving (letting requests in flight finish), stops the
// queue, the issuer and the relay, and closes the store.
func (s *server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i](ctx))
	}
	s.closers = nil
	return errors.Join(errs...)
}

// demoCurl is the curl line a demo user can try first: a department admin
// asks for a new address; IT approves a request (REQUEST_ID to fill in).
func demoCurl(base string, u demoUser, tok string) string {
	auth := "-H 'Authorization: Bearer " + tok + "'"
	for _, r := range u.user.Roles[demoAudience] {
		if r == delegate.RoleApprover {
			return "curl -sS -X POST " + auth + " -H 'Idempotency-Key: approve-REQUEST_ID' " + base + "/v1/requests/REQUEST_ID/approve"
		}
	}
	dom := u.user.UPN[strings.Index(u.user.UPN, "@")+1:]
	body := fmt.Sprintf(`{"local":"hello","targets":["%s","%s"]}`, demoPeople[0], demoPeople[2])
	return "curl -sS -X POST " + auth + " -H 'Content-Type: application/json' -H 'Idempotency-Key: try-1' -d '" + body + "' " +
		base + "/v1/domains/" + dom + "/addresses"
}
