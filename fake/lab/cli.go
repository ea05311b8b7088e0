package lab

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
)

// Usage is the lab command's synopsis.
const Usage = "lab SCENARIO [--clock real|xN|manual] [--seed N] [--ports-file F] [--ca-file F] [--dns ADDR] [--imap ADDR] [--graph ADDR] [--token ADDR] [--control ADDR]"

// ReadyLine is the line Command prints once the lab serves and the ports
// and CA files it was asked for are written.
const ReadyLine = "lab: ready"

// Command runs `mailops lab`: it starts the scenario's lab, prints each
// service's address to out, writes the ports file if asked, prints
// ReadyLine and serves until ctx ends (the caller cancels it on SIGINT or
// SIGTERM).
func Command(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(out)
	clockFlag := fs.String("clock", "real", "real, xN (N virtual seconds per second) or manual")
	seed := fs.Uint64("seed", 1, "the world's seed")
	portsFile := fs.String("ports-file", "", "write the services' addresses as JSON to this file")
	var ln Listen
	fs.StringVar(&ln.DNS, "dns", "", "DNS listen address (UDP and TCP; default 127.0.0.1:0)")
	fs.StringVar(&ln.IMAP, "imap", "", "IMAP listen address")
	fs.StringVar(&ln.Graph, "graph", "", "Graph and Exchange admin API listen address")
	fs.StringVar(&ln.Control, "control", "", "control page and API listen address")
	fs.StringVar(&ln.Token, "token", "", "fake Entra ID (token endpoint) listen address")
	caFile := fs.String("ca-file", "", "write the lab CA's certificate (PEM) to this file, for curl --cacert and SSL_CERT_FILE")
	fs.Usage = func() { fmt.Fprintln(out, "usage: "+Usage); fs.PrintDefaults() }
	// The scenario may come before or after the flags.
	var pos []string
	rest := args
	for range len(args) + 1 {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("lab: want exactly one scenario file")
	}
	clk, err := ParseClock(*clockFlag)
	if err != nil {
		return err
	}
	sc, err := LoadScenario(pos[0])
	if err != nil {
		return err
	}
	l, err := Start(Config{Scenario: sc, Seed: *seed, Clock: clk, Listen: ln})
	if err != nil {
		return err
	}
	p := l.Ports()
	fmt.Fprintf(out, "lab: %s (seed %d, clock %s)\n", sc.Title, *seed, clk)
	fmt.Fprintf(out, "  control page   http://%s/\n", p.Control)
	fmt.Fprintf(out, "  dns            %s (dig @HOST -p PORT)\n", p.DNS)
	for _, role := range slices.Sorted(mapsKeys(p.SMTP)) {
		fmt.Fprintf(out, "  smtp %-10s %s (%s)\n", role, p.SMTP[role], l.e.w.roles[role])
	}
	fmt.Fprintf(out, "  imap           %s (user: an address, password %q)\n", p.IMAP, IMAPPassword)
	fmt.Fprintf(out, "  graph          http://%s/v1.0 and /adminapi/beta/%s/InvokeCommand (a token from the token endpoint)\n", p.Graph, p.TenantID)
	fmt.Fprintf(out, "  token          %s (client credentials: client_id %s, client_secret %s;\n", p.Token, p.ClientID, p.ClientSecret)
	fmt.Fprintf(out, "                 scope https://graph.microsoft.com/.default or https://outlook.office365.com/.default)\n")
	fmt.Fprintf(out, "  lab CA         the token endpoint is HTTPS with the lab's own CA (--ca-file writes it; also in the ports file):\n%s", p.CA)
	if *portsFile != "" {
		if err := l.WritePorts(*portsFile); err != nil {
			_ = l.Close()
			return err
		}
	}
	if *caFile != "" {
		if err := os.WriteFile(*caFile, []byte(p.CA), 0o644); err != nil {
			_ = l.Close()
			return fmt.Errorf("lab: CA file: %w", err)
		}
	}
	// The last line before serving: the files are written, so a script (or
	// a test) reading out can use them once it sees this line.
	fmt.Fprintln(out, ReadyLine)
	<-ctx.Done()
	fmt.Fprintln(out, "lab: stopping")
	return l.Close()
}
