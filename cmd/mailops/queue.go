package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/fake/campaign/campaignq"
)

// openQueue connects to the campaign queue's database and makes sure its
// tables exist.
func openQueue(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := campaignq.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// simulateOnQueue enqueues the spec's seeds, waits until workers have run
// them all and returns their results in seed order.
func simulateOnQueue(ctx context.Context, a *app, path, url string, seeds []uint64) ([]campaign.SeedResult, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	pool, err := openQueue(ctx, url)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	id, err := campaignq.Enqueue(ctx, pool, path, raw, seeds)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	a.note("campaign %d: %d seeds queued; workers: mailops worker --queue URL", id, len(seeds))
	bar := newProgressBar(a.stderr)
	err = campaignq.Wait(ctx, pool, id, bar.update)
	bar.done()
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	res, workers, err := campaignq.Results(ctx, pool, id)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	ran := map[string]int{}
	for _, w := range workers {
		ran[w]++
	}
	a.note("campaign %d: %d results from %d workers %v", id, len(res), len(ran), ran)
	return res, nil
}
