// Package campaignq runs a campaign's seeds as jobs on a durable queue that
// any number of worker processes, on any machines, work: River on
// PostgreSQL, the queue the delegated service uses. Enqueue stores the spec
// and inserts one job per seed in one transaction; workers (NewWorker) run
// each seed with campaign.One and store its result, idempotently (a job run
// twice stores the same result: a seed's world is deterministic); Wait
// follows the results through LISTEN/NOTIFY, and Results gathers them.
//
// A spec whose DNS section names zone files must inline them (records:):
// workers read the spec from the database, not from the enqueuer's disk.
package campaignq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/mailops-dev/mailops/fake/campaign"
	"github.com/mailops-dev/mailops/mailops/spec"
)

// Queue is the River queue seeds go on, apart from the delegated service's
// default queue when both share a database.
const Queue = "mailops_campaign"

// channel is the LISTEN/NOTIFY channel a stored result is announced on.
const channel = "mailops_campaign"

// SeedArgs is the job of simulating one seed of a campaign.
type SeedArgs struct {
	Campaign int64  `json:"campaign"`
	Seed     uint64 `json:"seed"`
}

// Kind names the job kind in River.
func (SeedArgs) Kind() string { return "mailops.campaign.seed" }

// InsertOpts puts seeds on Queue, once each.
func (SeedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

const schema = `
CREATE TABLE IF NOT EXISTS mailops_campaigns (
	id      BIGSERIAL PRIMARY KEY,
	name    TEXT NOT NULL,
	spec    BYTEA NOT NULL,
	seeds   INTEGER NOT NULL,
	created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS mailops_campaign_results (
	campaign BIGINT NOT NULL REFERENCES mailops_campaigns(id),
	seed     BIGINT NOT NULL,
	result   JSONB NOT NULL,
	worker   TEXT NOT NULL,
	PRIMARY KEY (campaign, seed)
);`

// Migrate creates River's tables and the campaign tables (idempotent).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("campaignq: migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("campaignq: migrations: %w", err)
	}
	if _, err := pool.Exec(ctx, schema); err != nil {
		return fmt.Errorf("campaignq: schema: %w", err)
	}
	return nil
}

// Enqueue stores the spec (the YAML as read; name for messages) as a new
// campaign and inserts one job per seed, all in one transaction, and
// returns the campaign's id. The spec is parsed first: a bad spec is
// refused before anything is stored.
func Enqueue(ctx context.Context, pool *pgxpool.Pool, name string, specYAML []byte, seeds []uint64) (int64, error) {
	if _, err := spec.Parse(bytes.NewReader(specYAML), name); err != nil {
		return 0, err
	}
	if len(seeds) == 0 {
		return 0, errors.New("campaignq: no seeds")
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, fmt.Errorf("campaignq: %w", err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("campaignq: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO mailops_campaigns (name, spec, seeds) VALUES ($1, $2, $3) RETURNING id`,
		name, specYAML, len(seeds)).Scan(&id); err != nil {
		return 0, fmt.Errorf("campaignq: %w", err)
	}
	jobs := make([]river.InsertManyParams, len(seeds))
	for i, s := range seeds {
		jobs[i] = river.InsertManyParams{Args: SeedArgs{Campaign: id, Seed: s}}
	}
	if _, err := client.InsertManyTx(ctx, tx, jobs); err != nil {
		return 0, fmt.Errorf("campaignq: inserting %d seed jobs: %w", len(seeds), err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("campaignq: %w", err)
	}
	return id, nil
}

// seedWorker simulates one seed and stores its result.
type seedWorker struct {
	river.WorkerDefaults[SeedArgs]
	pool *pgxpool.Pool
	name string // the worker's name, stored with each result
	opts campaign.Options
	// running holds a token for each seed being simulated: River gives the
	// worker one slot more than it simulates at once, so that the next
	// seed is fetched while one runs and waits here for its turn.
	running chan struct{}

	mu    sync.Mutex
	specs map[int64]*spec.File
}

// spec reads (once per campaign) and parses the campaign's spec.
func (w *seedWorker) spec(ctx context.Context, id int64) (*spec.File, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if f, ok := w.specs[id]; ok {
		return f, nil
	}
	var name string
	var raw []byte
	if err := w.pool.QueryRow(ctx, `SELECT name, spec FROM mailops_campaigns WHERE id = $1`, id).Scan(&name, &raw); err != nil {
		return nil, fmt.Errorf("campaignq: campaign %d: %w", id, err)
	}
	f, err := spec.Parse(bytes.NewReader(raw), name)
	if err != nil {
		return nil, err
	}
	w.specs[id] = f
	return f, nil
}

// Timeout implements river.Worker: a seed's job has no time limit. River's
// default (JobTimeout, one minute) would cancel the context of a seed that
// simulates for longer, a large spec's, after the world had run to the end:
// storing its result then failed, and the seed was run again on every
// retry. A simulation is not interrupted part way (campaign.One takes no
// context); a worker that is stopped finishes the seeds in hand. A seed
// running past River's RescueStuckJobsAfter (an hour) may be run twice;
// the first result stored stands (Work stores ON CONFLICT DO NOTHING).
func (w *seedWorker) Timeout(*river.Job[SeedArgs]) time.Duration { return -1 }

// Work implements river.Worker.
func (w *seedWorker) Work(ctx context.Context, job *river.Job[SeedArgs]) error {
	f, err := w.spec(ctx, job.Args.Campaign)
	if err != nil {
		return err
	}
	select {
	case w.running <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err() // the worker is stopping: the seed goes back to the queue
	}
	res, err := campaign.One(f, job.Args.Seed, w.opts)
	<-w.running
	if err != nil {
		// The spec cannot even build a world: record it as the seed's
		// error, so the campaign ends and says why.
		res = campaign.SeedResult{Seed: job.Args.Seed, Errors: []string{err.Error()}}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("campaignq: %w", err)
	}
	// One statement, so one round trip and its own transaction: the
	// result and the NOTIFY that wakes Wait commit together.
	if _, err := w.pool.Exec(ctx, `WITH stored AS (
			INSERT INTO mailops_campaign_results (campaign, seed, result, worker) VALUES ($1, $2, $3, $4)
			ON CONFLICT (campaign, seed) DO NOTHING)
		SELECT pg_notify($5, $6)`,
		job.Args.Campaign, int64(job.Args.Seed), b, w.name, channel, strconv.FormatInt(job.Args.Campaign, 10)); err != nil {
		return fmt.Errorf("campaignq: storing seed %d: %w", job.Args.Seed, err)
	}
	return nil
}

// WorkerOptions configure a worker.
type WorkerOptions struct {
	// Workers run seeds at once in this process; default 1 (one a core
	// is the usual choice).
	Workers int
	// Name is stored with each result (default "worker").
	Name string
	// Campaign sets the simulation's options (Horizon).
	Campaign campaign.Options
}

// fetchCooldown is the least time between two fetches of jobs by a worker.
// River fetches only as many jobs as the worker has free slots, and at most
// once a cooldown (its default, 100 ms, "limits throughput"): a worker of
// one slot then ran at most ten seeds a second, when a seed takes a few
// milliseconds (measured: 9.9 seeds/s through the queue against 92.7 in
// process, BenchmarkQueueSeeds). At River's minimum a worker fetches again
// as soon as a seed is done; an idle queue is still woken by LISTEN/NOTIFY
// and River's poll, not by the cooldown.
const fetchCooldown = river.FetchCooldownMin

// NewWorker returns a River client that works seed jobs from Queue; Start
// it, and Stop it to finish the seeds in hand.
func NewWorker(pool *pgxpool.Pool, o WorkerOptions) (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(pool), workerConfig(pool, o))
	if err != nil {
		return nil, fmt.Errorf("campaignq: %w", err)
	}
	return c, nil
}

// workerConfig is the River configuration of a worker (o's defaults
// applied).
func workerConfig(pool *pgxpool.Pool, o WorkerOptions) *river.Config {
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Name == "" {
		o.Name = "worker"
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &seedWorker{pool: pool, name: o.Name, opts: o.Campaign,
		running: make(chan struct{}, o.Workers), specs: map[int64]*spec.File{}})
	return &river.Config{
		FetchCooldown: fetchCooldown,
		// One slot more than seeds simulated at once (seedWorker.running):
		// the next seed is fetched while one runs.
		Queues:  map[string]river.QueueConfig{Queue: {MaxWorkers: o.Workers + 1}},
		Workers: workers,
		Logger:  slog.New(slog.DiscardHandler),
	}
}

// Wait blocks until every seed of the campaign has its result or ctx ends;
// progress, if set, sees each count of results. It follows NOTIFY, never
// polling on a timer.
func Wait(ctx context.Context, pool *pgxpool.Pool, id int64, progress func(done, total int)) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("campaignq: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return fmt.Errorf("campaignq: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+channel) }()
	var total int
	if err := conn.QueryRow(ctx, `SELECT seeds FROM mailops_campaigns WHERE id = $1`, id).Scan(&total); err != nil {
		return fmt.Errorf("campaignq: campaign %d: %w", id, err)
	}
	last := -1
	for {
		var done int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM mailops_campaign_results WHERE campaign = $1`, id).Scan(&done); err != nil {
			return fmt.Errorf("campaignq: %w", err)
		}
		if done != last && progress != nil {
			progress(done, total)
		}
		last = done
		if done >= total {
			return nil
		}
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return fmt.Errorf("campaignq: waiting for results of campaign %d (%d of %d in): %w", id, done, total, err)
		}
	}
}

// Results returns the campaign's results in seed order, with the worker
// that ran each.
func Results(ctx context.Context, pool *pgxpool.Pool, id int64) ([]campaign.SeedResult, []string, error) {
	rows, err := pool.Query(ctx, `SELECT result, worker FROM mailops_campaign_results WHERE campaign = $1 ORDER BY seed`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("campaignq: %w", err)
	}
	defer rows.Close()
	var out []campaign.SeedResult
	var workers []string
	for rows.Next() {
		var raw []byte
		var worker string
		if err := rows.Scan(&raw, &worker); err != nil {
			return nil, nil, fmt.Errorf("campaignq: %w", err)
		}
		var r campaign.SeedResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, nil, fmt.Errorf("campaignq: a stored result: %w", err)
		}
		out = append(out, r)
		workers = append(workers, worker)
	}
	return out, workers, rows.Err()
}
