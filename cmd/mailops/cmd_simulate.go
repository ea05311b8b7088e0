package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/fake/report"
)

func init() { register("simulate", newSimulateCmd) }

// simulateOutput is simulate's --json document.
type simulateOutput struct {
	Spec  string                `json:"spec"`
	Safe  bool                  `json:"safe"`
	Seeds []campaign.SeedResult `json:"seeds"`
	// FirstUnsafe is the first seed that lost, looped, misdelivered or
	// bounced valid mail, failed its plan, or delivered differently from
	// the legacy server (0: none).
	FirstUnsafe uint64 `json:"firstUnsafe,omitempty"`
	Reproduce   string `json:"reproduce,omitempty"`
	Report      string `json:"report,omitempty"`
}

type simulateFlags struct {
	seeds    int
	seed     uint64
	workers  int
	report   string
	snapshot string
	queue    string
}

func newSimulateCmd(a *app) *cobra.Command {
	var fl simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate SPEC",
		Short: "Run the spec's migration in the simulator under N seeds on every core; exit 3 if any seed is unsafe",
		Long: "simulate builds the world the spec describes (the tenant, each department's legacy server delivering where the importer\n" +
			"found the real one does, traffic), runs the plan under live traffic in virtual time, then sends one message to every\n" +
			"address and compares where it lands with where the legacy server delivers (the differential check). The oracle is the\n" +
			"gate: exit 3 when any seed loses, loops, misdelivers or bounces valid mail (bounces in the documented verification gap\n" +
			"are reported, not unsafe). The first unsafe seed gets an HTML report, and the line that reproduces it.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSimulate(cmd.Context(), a, args[0], fl) },
	}
	cmd.Flags().IntVar(&fl.seeds, "seeds", 8, "number of seeds (1..N)")
	cmd.Flags().Uint64Var(&fl.seed, "seed", 0, "run only this seed (reproduces a run bit for bit)")
	cmd.Flags().IntVar(&fl.workers, "workers", runtime.GOMAXPROCS(0), "seeds run in parallel")
	cmd.Flags().StringVar(&fl.report, "report", "", "write the first unsafe seed's HTML report here (default mailops-seed-N.html)")
	cmd.Flags().StringVar(&fl.snapshot, "snapshot", "", "a tenant snapshot from export: its domains, mailboxes, contacts and forwarding join the spec's tenant")
	cmd.Flags().StringVar(&fl.queue, "queue", "", "enqueue the seeds on this PostgreSQL database (postgres://...) for `mailops worker` processes, wait for their results and report them")
	return cmd
}

func runSimulate(ctx context.Context, a *app, path string, fl simulateFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	defer campaign.TuneGC()()
	if fl.queue != "" && fl.snapshot != "" {
		return fmt.Errorf("simulate: --snapshot and --queue together are not supported: workers read the spec alone from the queue")
	}
	sf, _, err := loadSpec(path)
	if err != nil {
		return err
	}
	if fl.snapshot != "" {
		snap, err := loadSnapshotForSimulate(fl.snapshot)
		if err != nil {
			return err
		}
		if err := mergeSnapshot(sf, snap); err != nil {
			return err
		}
	}
	var seeds []uint64
	switch {
	case fl.seed != 0:
		seeds = []uint64{fl.seed}
	case fl.seeds < 1:
		return fmt.Errorf("simulate: --seeds must be at least 1")
	default:
		for i := 1; i <= fl.seeds; i++ {
			seeds = append(seeds, uint64(i))
		}
	}
	var res []campaign.SeedResult
	if fl.queue != "" {
		if res, err = simulateOnQueue(ctx, a, path, fl.queue, seeds); err != nil {
			return err
		}
	} else {
		bar := newProgressBar(a.stderr)
		res, err = campaign.Run(ctx, sf, seeds, campaign.Options{Workers: fl.workers, Progress: bar.update})
		bar.done()
		if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
	}
	out := simulateOutput{Spec: path, Safe: true, Seeds: res}
	var first *campaign.SeedResult
	for i := range res {
		if !res[i].Safe() {
			out.Safe = false
			if first == nil {
				first = &res[i]
			}
		}
	}
	if first != nil {
		out.FirstUnsafe = first.Seed
		out.Reproduce = fmt.Sprintf("mailops simulate %s --seed %d", path, first.Seed)
		out.Report = fl.report
		if out.Report == "" {
			out.Report = fmt.Sprintf("mailops-seed-%d.html", first.Seed)
		}
		if first.Run == nil && fl.queue != "" {
			// A worker elsewhere ran it: run the seed again here (a seed
			// reproduces its run bit for bit) for the report.
			if again, err := campaign.One(sf, first.Seed, campaign.Options{KeepAll: true}); err == nil {
				first.Run = again.Run
			}
		}
		if first.Run != nil {
			first.Run.Reproduce = out.Reproduce
			if err := os.WriteFile(out.Report, []byte(report.HTML(*first.Run)), 0o644); err != nil {
				return fmt.Errorf("simulate: write the report: %w", err)
			}
		}
	}
	if err := a.emit(out, func(w io.Writer) { printSimulate(w, out) }); err != nil {
		return err
	}
	if !out.Safe {
		if !a.json {
			a.note("unsafe: reproduce with %s (report: %s)", out.Reproduce, out.Report)
		}
		return &exitCodeError{Code: exitUnsafe}
	}
	return nil
}

func printSimulate(w io.Writer, out simulateOutput) {
	for _, r := range out.Seeds {
		c := r.Counts
		verdict := "safe"
		if !r.Safe() {
			verdict = "UNSAFE"
		}
		fmt.Fprintf(w, "seed %d: %s: sent %d, delivered %d, bounced %d (in the documented gap %d), lost %d, looped %d, misdelivered %d, duplicated %d\n",
			r.Seed, verdict, c.Sent, c.Delivered, c.Bounced, c.GapBounced, c.Lost, c.Looped, c.Misdelivered, c.Duplicated)
		for _, m := range r.Diff {
			fmt.Fprintf(w, "  differs from the legacy server: %s\n", m)
		}
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  plan: %s\n", e)
		}
	}
	if out.Safe {
		fmt.Fprintf(w, "%d seeds: no mail lost, every address delivers where the legacy server did\n", len(out.Seeds))
	}
}

// progressBar draws on a terminal and stays silent when stderr is piped.
type progressBar struct {
	w    io.Writer
	tty  bool
	last int
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, tty: tty}
}

func (p *progressBar) update(done, total int) {
	if !p.tty || total == 0 {
		return
	}
	const width = 30
	n := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d seeds", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
	p.last = done
}

func (p *progressBar) done() {
	if p.tty && p.last > 0 {
		fmt.Fprintln(p.w)
	}
}
