// Command mailflow runs one simulated mail world with traffic and prints the
// ledger summary: how many (message, recipient) pairs were sent, delivered,
// bounced, lost, duplicated, misdelivered and looped, and the first
// violations with their hop trails.
//
//	go run ./examples/mailflow                  # steady traffic, no migration
//	go run ./examples/mailflow -migrate         # the consolidation runbook under traffic
//	go run ./examples/mailflow -json -seed 7    # one JSON object
//
// The world is a university tenant on Exchange Online, one department's
// domain on its legacy server, a partner already on Exchange Online, internet
// senders and devices behind the relay; everything derives from -seed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mailflow:", err)
		os.Exit(1)
	}
}

// summary is the -json output.
type summary struct {
	Seed         uint64 `json:"seed"`
	Sent         int    `json:"sent"`
	Delivered    int    `json:"delivered"`
	Bounced      int    `json:"bounced"`
	Lost         int    `json:"lost"`
	Duplicated   int    `json:"duplicated"`
	Misdelivered int    `json:"misdelivered"`
	Looped       int    `json:"looped"`
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mailflow", flag.ContinueOnError)
	fs.SetOutput(stdout)
	seed := fs.Uint64("seed", 1, "seed of the whole world (reproduce a run with the same seed)")
	asJSON := fs.Bool("json", false, "print one JSON object with the counts")
	addresses := fs.Int("addresses", 30, "departmental addresses")
	hours := fs.Int("hours", 12, "hours of traffic")
	perHour := fs.Float64("per-hour", 200, "messages per hour")
	migrate := fs.Bool("migrate", false, "run the consolidation runbook while traffic flows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *addresses < 1 || *hours < 1 || *perHour <= 0 {
		return fmt.Errorf("-addresses, -hours and -per-hour must be positive")
	}
	sc := mailflow.DefaultConsolidationScenario(*addresses)
	sc.Duration = time.Duration(*hours) * time.Hour
	sc.PerHour = *perHour
	c, err := mailflow.NewConsolidation(mailflow.Config{Seed: *seed, Tenant: fake.DefaultTenantConfig(), Partner: fake.InstantTenantConfig()}, sc)
	if err != nil {
		return err
	}
	var m *mailflow.Migration
	if *migrate {
		m = c.StartRunbook(c.Scheduler().Now().Add(30*time.Minute), "", nil)
	}
	// Senders retry for days: run well past the end of traffic.
	if err := c.Scheduler().RunFor(sc.Duration + 72*time.Hour); err != nil {
		return err
	}
	if m != nil && m.Err != nil {
		return fmt.Errorf("runbook: %w", m.Err)
	}
	rep := c.Check()
	if *asJSON {
		return json.NewEncoder(stdout).Encode(summary{Seed: *seed, Sent: rep.Sent, Delivered: rep.Delivered, Bounced: rep.Bounced,
			Lost: rep.Lost, Duplicated: rep.Duplicated, Misdelivered: rep.Misdelivered, Looped: rep.Looped})
	}
	what := "steady traffic, no migration"
	if *migrate {
		what = "the consolidation runbook under traffic"
	}
	fmt.Fprintf(stdout, "mail world seed=%d: %d departmental addresses, %d hours of %s at %.0f messages/hour\n",
		*seed, *addresses, *hours, what, *perHour)
	fmt.Fprint(stdout, rep.String())
	if rep.NoLoss() {
		fmt.Fprintln(stdout, "no mail lost")
	}
	return nil
}
