// Command dnscheck checks a domain's mail DNS against what Exchange Online
// and the next migration step need, through any DNS server.
//
//	go run ./examples/dnscheck -server HOST:PORT [-stage before|switched|final] [-json] DOMAIN
//
// Exit status: 0 when there is no error finding, 1 when there is one, 2 when
// the check itself could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/dnscheck"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dnscheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "DNS server to ask, host:port (required)")
	stage := fs.String("stage", "before", "migration stage: before, switched or final")
	asJSON := fs.Bool("json", false, "print one JSON object with a findings array")
	initial := fs.String("initial", "", "the tenant's initial domain (contoso.onmicrosoft.com), for the DKIM check")
	legacy := fs.String("legacy", "", "comma-separated legacy mail hosts that still send (SPF must authorise them)")
	verified := fs.Bool("verified", false, "the domain is already verified in the tenant (no ownership TXT needed)")
	token := fs.String("token", "", "the expected ownership TXT value (MS=ms...)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *server == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: dnscheck -server HOST:PORT [-stage before|switched|final] [-json] DOMAIN")
		return 2
	}
	st, err := dnscheck.ParseStage(*stage)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	spec := dnscheck.Spec{Domain: fs.Arg(0), Stage: st, InitialDomain: *initial, Verified: *verified, OwnershipToken: *token}
	if *legacy != "" {
		spec.LegacyHosts = strings.Split(*legacy, ",")
		spec.LegacySends = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	rep, err := dnscheck.Check(ctx, dnscheck.NewClient(*server), spec)
	if err != nil {
		fmt.Fprintln(stderr, "dnscheck:", err)
		return 2
	}
	if *asJSON {
		b, err := rep.JSON()
		if err != nil {
			fmt.Fprintln(stderr, "dnscheck:", err)
			return 2
		}
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprint(stdout, rep.Table())
	}
	if nothingAnswered(rep) {
		fmt.Fprintln(stderr, "dnscheck: every lookup failed: the check could not run")
		return 2
	}
	if !rep.Safe() {
		return 1
	}
	return 0
}

// nothingAnswered reports whether every finding is a failed lookup.
func nothingAnswered(r dnscheck.Report) bool {
	for _, f := range r.Findings {
		if f.ID != "lookup-failed" {
			return false
		}
	}
	return len(r.Findings) > 0
}
