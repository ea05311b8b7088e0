package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func init() { register("serve", newServeCmd) }

// newServeCmd runs the delegated address-management service (mailops/delegate):
// REST API, web UI, queue, notifications and audit, until SIGINT or SIGTERM.
func newServeCmd(a *app) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [--store sqlite:PATH | --store postgres://...] [--listen 127.0.0.1:PORT] [--tenant fake|GRAPH-URL] [--issuer URL] [--smtp HOST:PORT]",
		Short: "Run the delegated address service (REST API and web UI); with no flags, a demo university on loopback",
		Long: "serve runs the delegated address-management service: department admins manage their own domain's\n" +
			"addresses through the REST API (/v1/, OpenAPI at /openapi.json) or the web UI (/), IT approves,\n" +
			"a durable queue applies approved requests to the tenant and mail tells everyone.\n\n" +
			"With no flags it keeps its store in $XDG_STATE_HOME/mailops/delegate.db (else\n" +
			"~/.local/state/mailops/delegate.db), runs a fake tenant seeded with a demo university, a fake\n" +
			"Entra ID issuer and a fake mail relay on loopback, and prints a ready bearer token and a curl\n" +
			"line for each demo user. It stops cleanly on SIGINT or SIGTERM.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if o.issuer != "" && (o.audience == "" || o.clientID == "") {
				return fmt.Errorf("--issuer needs --audience (the API's client ID) and --client-id (the web UI's)")
			}
			s, err := startServe(ctx, o, func(f string, args ...any) { a.note(f, args...) })
			if err != nil {
				return err
			}
			if a.json {
				b, _ := json.Marshal(s.ready)
				fmt.Fprintf(a.stdout, "%s\n", b)
			} else {
				printReady(a.stdout, s.ready)
			}
			<-ctx.Done()
			a.note("mailops serve: stopping")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			n := s.Notifications()
			if err := s.Shutdown(sctx); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			a.note("mailops serve: stopped (%d notification messages accepted by the fake relay)", n)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", "", "sqlite:PATH or postgres://... (default sqlite in the state dir)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:7878", "listen address (loopback unless --allow-remote)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --listen")
	f.StringVar(&o.tenant, "tenant", "fake", `"fake" (a demo university in memory) or a Graph base URL (see --graph of apply)`)
	f.StringVar(&o.issuer, "issuer", "", "OpenID Connect issuer (default: a fake Entra ID on loopback with demo users)")
	f.StringVar(&o.audience, "audience", "", "with --issuer: the API's application (client) ID, the aud of its tokens")
	f.StringVar(&o.clientID, "client-id", "", "with --issuer: the web UI's application (client) ID (a public client using PKCE)")
	f.StringVar(&o.smtp, "smtp", "", "SMTP relay HOST:PORT for notifications (default: a fake relay on loopback)")
	f.StringVar(&o.publicURL, "public-url", "", "the URL clients use when a TLS proxy serves this address (https://HOST); cookies are then Secure")
	f.DurationVar(&o.tokenTTL, "token-lifetime", 12*time.Hour, "lifetime of the fake issuer's tokens")
	return cmd
}

func printReady(w io.Writer, r serveReady) {
	fmt.Fprintf(w, "mailops serve: ready\n")
	fmt.Fprintf(w, "  web UI   %s\n", r.URL)
	fmt.Fprintf(w, "  REST API %s  (OpenAPI: %sopenapi.json)\n", r.API, r.URL)
	fmt.Fprintf(w, "  issuer   %s\n", r.Issuer)
	fmt.Fprintf(w, "  tenant   %s\n", r.Tenant)
	fmt.Fprintf(w, "  store    %s\n", r.Store)
	fmt.Fprintf(w, "  mail     %s\n", r.SMTP)
	if len(r.Users) > 0 {
		fmt.Fprintf(w, "\nDemo users (sign in on the UI, or use the token):\n")
	}
	for _, u := range r.Users {
		fmt.Fprintf(w, "\n  %s <%s>, %s\n  token: %s\n  try:   %s\n", u.Name, u.UPN, u.Role, u.Token, u.Curl)
	}
}
