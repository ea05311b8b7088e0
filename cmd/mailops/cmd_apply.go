package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/spec"
)

func init() { register("apply", newApplyCmd) }

// applyOutput is apply's --json document.
type applyOutput struct {
	Plan    string        `json:"plan"`
	Journal string        `json:"journal"`
	Status  string        `json:"status"` // done, stale, manual-dns, failed
	Plans   []planSummary `json:"plans"`
	Stale   []StaleRead   `json:"stale,omitempty"`
	// ManualDNS are the zone lines to publish before running again.
	ManualDNS []string `json:"manualDNS,omitempty"`
	Error     string   `json:"error,omitempty"`
}

func newApplyCmd(a *app) *cobra.Command {
	var target, journal, dnsFile string
	var skipWaits bool
	c := &cobra.Command{
		Use:   "apply plan.json --graph URL [--journal FILE] [--dns-file F]",
		Short: "Run a saved plan against a tenant, with a journal that resumes after a crash; refuses a stale plan",
		Long: "apply runs the plan saved by plan --out through mailops/graph and the runner, journaling every action to\n" +
			"--journal (default plan.json.journal). Run it again after a crash: it resumes where it stopped and applies\n" +
			"nothing twice. A fresh run refuses a stale plan (exit 1): the spec file changed, or an object the plan read\n" +
			"reads differently now. DNS changes stop the run with the records to publish; run again once they are\n" +
			"published. With --dns-file F they are appended to F as zone file lines instead, and the run goes on.\n" +
			"--skip-waits (loopback fakes only) passes waits at once, advancing the clock instead of sleeping.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pf, err := readPlanFile(args[0])
			if err != nil {
				return err
			}
			if journal == "" {
				journal = args[0] + ".journal"
			}
			var clk mailops.Clock = mailops.WallClock{}
			if skipWaits {
				u, err := url.Parse(target)
				if err != nil || !isLoopbackHost(u.Hostname()) {
					return errors.New("apply: --skip-waits is only for a fake tenant on a loopback URL")
				}
				clk = &fastClock{}
			}
			// Groups may deliver to the mail contacts the spec lists: the
			// preflight checked that every target is a tenant recipient.
			sf, err := spec.Parse(strings.NewReader(pf.Spec), pf.SpecFile)
			if err != nil {
				return err
			}
			cl, err := connect(target, mailops.Options{Clock: clk, AllowExternalMembers: len(sf.Tenant.Contacts) > 0})
			if err != nil {
				return err
			}
			opts := applyOptions{Journal: &mailops.FileJournal{Path: journal}, Clock: clk, Progress: func(p mailops.Progress) {
				if p.Event != "resumed" {
					a.note("%s #%d %s: %s: %s", p.Step, p.Action, p.Kind, p.Event, p.Description)
				}
			}}
			if dnsFile != "" {
				opts.DNS = &zoneFile{path: dnsFile}
			}
			sums, err := applyPlan(ctx, pf, cl, opts)
			o := applyOutput{Plan: args[0], Journal: journal, Status: "done", Plans: sums}
			if o.Plans == nil {
				o.Plans = []planSummary{}
			}
			var stale *StaleError
			var manual *mailops.ManualStepError
			switch {
			case err == nil:
			case errors.As(err, &stale):
				o.Status, o.Stale, o.Error = "stale", stale.Objects, err.Error()
			case errors.As(err, &manual):
				o.Status, o.ManualDNS, o.Error = "manual-dns", manualRecords(ctx, cl, manual.Change), err.Error()
			default:
				o.Status, o.Error = "failed", err.Error()
			}
			if eerr := a.emit(o, func(w io.Writer) {
				for _, s := range o.Plans {
					fmt.Fprintf(w, "plan %s: %d applied, %d already done, %d done earlier\n", s.Name, s.Applied, s.AlreadyDone, s.Resumed)
				}
				if len(o.ManualDNS) > 0 {
					fmt.Fprintln(w, "publish these DNS records, then run apply again:")
					for _, l := range o.ManualDNS {
						fmt.Fprintln(w, l)
					}
				}
			}); eerr != nil {
				return eerr
			}
			if err != nil {
				return &exitCodeError{Code: exitError, Err: err}
			}
			return nil
		},
	}
	c.Flags().StringVar(&target, "graph", "", "the tenant's Graph/Exchange endpoint (a URL, or \"microsoft\")")
	c.Flags().StringVar(&journal, "journal", "", "the journal file (default PLAN.journal)")
	c.Flags().StringVar(&dnsFile, "dns-file", "", "append DNS changes to this file as zone lines and go on, instead of stopping")
	c.Flags().BoolVar(&skipWaits, "skip-waits", false, "pass waits at once (loopback fake tenants only)")
	return c
}
