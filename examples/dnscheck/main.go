// Command dnscheck checks a domain's mail DNS against what Exchange Online
// and the next migration step need, through any DNS server.
//
//	go run ./examples/dnscheck -server HOST:PORT [-stage before|switched|final] [-json] DOMAIN
//
// More flags: -initial (the tenant's initial domain, for DKIM), -legacy
// (legacy hosts or addresses that still send), -verified, -token, -exo-mx,
// -timeout. Exit status: 0 when there is no error finding, 1 when there is
// one, 2 when the check itself could not run. With -json, stdout is always
// one JSON object with a findings array (empty, with an error, when the
// check could not run).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/dnscheck"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = "usage: dnscheck -server HOST:PORT [-stage before|switched|final] [-json] [-initial TENANT.onmicrosoft.com] [-legacy HOST,...] DOMAIN"

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dnscheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	server := fs.String("server", "", "DNS server to ask, host:port (required)")
	stage := fs.String("stage", "before", "migration stage: before, switched or final")
	asJSON := fs.Bool("json", false, "print one JSON object with a findings array")
	initial := fs.String("initial", "", "the tenant's initial domain (contoso.onmicrosoft.com), for the DKIM check")
	legacy := fs.String("legacy", "", "comma-separated legacy mail hosts or addresses that still send (SPF must authorise them)")
	verified := fs.Bool("verified", false, "the domain is verified in the tenant (default: false at stage before, true after)")
	token := fs.String("token", "", "the expected ownership TXT value (MS=ms...)")
	exoMX := fs.String("exo-mx", "", "the Exchange Online MX host the tenant shows")
	timeout := fs.Duration("timeout", 20*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "dnscheck:", err)
		if *asJSON {
			b, _ := json.Marshal(map[string]any{"error": err.Error(), "findings": []dnscheck.Finding{}})
			fmt.Fprintln(stdout, string(b))
		}
		return 2
	}
	if *server == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
		return fail(fmt.Errorf("need -server and exactly one DOMAIN"))
	}
	st, err := dnscheck.ParseStage(*stage)
	if err != nil {
		return fail(err)
	}
	isSet := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { isSet[f.Name] = true })
	if !isSet["verified"] {
		// The MX cannot point at Exchange Online for an unverified domain.
		*verified = st != dnscheck.Before
	}
	spec := dnscheck.Spec{Domain: fs.Arg(0), Stage: st, InitialDomain: *initial, Verified: *verified, OwnershipToken: *token, EXOMX: *exoMX}
	if *legacy != "" {
		for _, h := range strings.Split(*legacy, ",") {
			spec.LegacyHosts = append(spec.LegacyHosts, strings.TrimSpace(h))
		}
		spec.LegacySends = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	rep, err := dnscheck.Check(ctx, dnscheck.NewClient(*server), spec)
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		b, err := rep.JSON()
		if err != nil {
			return fail(err)
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
