package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"
)

func init() { register("fakegraph", newFakeGraphCmd) }

// fakeGraphOutput is fakegraph's --json document, printed once it listens.
type fakeGraphOutput struct {
	URL string `json:"url"`
}

func newFakeGraphCmd(a *app) *cobra.Command {
	var listen, urlFile, dnsFile string
	var allowRemote bool
	var seed uint64
	c := &cobra.Command{
		Use:   "fakegraph SPEC [--listen 127.0.0.1:0] [--url-file F] [--dns-file F]",
		Short: "Serve a fake Graph + Exchange admin API seeded from a spec's tenant section (for trying apply safely)",
		Long: "fakegraph serves fake/graphserver over a fake tenant holding the spec's tenant domains (verified), mailboxes,\n" +
			"contacts and forwarding, and prints its URL; it runs until interrupted. It binds loopback only: a\n" +
			"non-loopback --listen is refused unless --allow-remote, which prints a warning. Ownership proofs are read from --dns-file (the\n" +
			"file apply --dns-file writes). GET /_fake/calls lists the calls the tenant applied.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sf, _, err := loadSpec(args[0])
			if err != nil {
				return err
			}
			l, err := listenLoopback(listen, allowRemote)
			if err != nil {
				return err
			}
			if w := remoteWarning(l.Addr()); w != "" {
				fmt.Fprintln(a.stderr, w)
			}
			g, err := newFakeGraph(ctx, sf, seed, dnsFile)
			if err != nil {
				l.Close()
				return err
			}
			u := "http://" + l.Addr().String()
			if urlFile != "" {
				if err := writeURL(urlFile, u); err != nil {
					l.Close()
					return err
				}
			}
			if err := a.emit(fakeGraphOutput{URL: u}, func(w io.Writer) { fmt.Fprintln(w, u) }); err != nil {
				l.Close()
				return err
			}
			srv := &http.Server{Handler: g.Handler()}
			go func() {
				<-ctx.Done()
				srv.Close()
			}()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("fakegraph: %w", err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to listen on (loopback only unless --allow-remote)")
	c.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --listen address")
	c.Flags().StringVar(&urlFile, "url-file", "", "also write the URL to this file")
	c.Flags().StringVar(&dnsFile, "dns-file", "", "zone file read for ownership TXT records (apply --dns-file writes it)")
	c.Flags().Uint64Var(&seed, "seed", 1, "seed of the fake's randomness")
	return c
}
