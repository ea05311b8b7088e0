package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/fake/campaign/campaignq"
)

func init() { register("worker", newWorkerCmd) }

func newWorkerCmd(a *app) *cobra.Command {
	var url, name string
	var workers int
	c := &cobra.Command{
		Use:   "worker --queue postgres://...",
		Short: "Work the seeds `simulate --queue` enqueued, until SIGINT or SIGTERM; run any number, on any machines",
		Long: "worker takes seed jobs from the campaign queue (River on PostgreSQL), simulates each seed and stores its result\n" +
			"in the database, where `simulate --queue` gathers them. A seed's world is deterministic, so a job that runs twice\n" +
			"(a worker killed mid-seed is rescued by another) stores the same result. --workers seeds run at once here.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				return fmt.Errorf("worker: --queue is required")
			}
			defer campaign.TuneGC()()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			pool, err := openQueue(ctx, url)
			if err != nil {
				return err
			}
			defer pool.Close()
			if name == "" {
				host, _ := os.Hostname()
				name = fmt.Sprintf("%s:%d", host, os.Getpid())
			}
			w, err := campaignq.NewWorker(pool, campaignq.WorkerOptions{Workers: workers, Name: name})
			if err != nil {
				return err
			}
			if err := w.Start(ctx); err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			a.note("worker %s: working queue %s with %d at once; stop with Ctrl-C", name, campaignq.Queue, workers)
			<-ctx.Done()
			// Finish the seeds in hand; a second signal would be the
			// caller's to send (SIGKILL leaves them to River's rescue).
			if err := w.Stop(context.WithoutCancel(ctx)); err != nil {
				return fmt.Errorf("worker: %w", err)
			}
			a.note("worker %s: stopped", name)
			return nil
		},
	}
	c.Flags().StringVar(&url, "queue", "", "the campaign queue's PostgreSQL database (postgres://...)")
	c.Flags().IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "seeds run at once in this process")
	c.Flags().StringVar(&name, "name", "", "this worker's name in the results (default host:pid)")
	return c
}
