package delegate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// ApplyArgs is the job of applying one request.
type ApplyArgs struct {
	RequestID string `json:"requestId"`
	// Run tells apart the job Recover inserts for a request whose job was
	// orphaned by a dead process from that orphan (empty for the first).
	Run string `json:"run,omitempty"`
}

// Kind names the job kind in River.
func (ApplyArgs) Kind() string { return "delegate.apply" }

// InsertOpts makes a request's job unique: enqueueing it again (a resumed
// intake) does not run it twice at once.
func (ApplyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// NotifyArgs is the job of sending the notification of a request reaching
// a state.
type NotifyArgs struct {
	RequestID string `json:"requestId"`
	State     State  `json:"state"`
}

// Kind names the job kind in River.
func (NotifyArgs) Kind() string { return "delegate.notify" }

// InsertOpts makes each (request, state) notification one job: a state is
// reached once.
func (NotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// QueueOptions tune the queue; zero fields take the defaults noted.
type QueueOptions struct {
	// MaxAttempts before a request fails; default 10. Snoozes do not count.
	MaxAttempts int
	// PollInterval between fetches of new jobs; default 1s.
	PollInterval time.Duration
	// Logger for River; default discards.
	Logger *slog.Logger
	// Notifier, if set, sends the notifications queued through Outbox,
	// retried like any job until it succeeds.
	Notifier Notifier
}

// Queue is the durable queue on River: a job per queued request, worked by at
// most the Client's MaxSessions workers at once.
type Queue[TTx any] struct {
	client *river.Client[TTx]
	notify bool
}

// NewSQLiteQueue returns the embedded queue on the store's SQLite database
// (from OpenSQLite), creating River's tables.
func NewSQLiteQueue(ctx context.Context, db *sql.DB, a *Applier, o QueueOptions) (*Queue[*sql.Tx], error) {
	return newQueue(ctx, riversqlite.New(db), a, o)
}

// NewPostgresQueue returns the queue on PostgreSQL, shared by every service
// instance on the pool, creating River's tables.
func NewPostgresQueue(ctx context.Context, pool *pgxpool.Pool, a *Applier, o QueueOptions) (*Queue[pgx.Tx], error) {
	return newQueue(ctx, riverpgxv5.New(pool), a, o)
}

func newQueue[TTx any](ctx context.Context, d riverdriver.Driver[TTx], a *Applier, o QueueOptions) (*Queue[TTx], error) {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("delegate: queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("delegate: queue migrations: %w", err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &applyWorker{a: a})
	if o.Notifier != nil {
		river.AddWorker(workers, &notifyWorker{store: a.Store, n: o.Notifier})
	}
	c := a.Client.Options().Consistency
	client, err := river.NewClient(d, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: a.Client.Options().MaxSessions}},
		Workers:           workers,
		MaxAttempts:       o.MaxAttempts,
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(o.PollInterval, river.FetchCooldownDefault),
		// A job waits for convergence: up to the Client's consistency
		// timeout per operation, plus its calls.
		JobTimeout: 2*c.Timeout + time.Minute,
		Logger:     o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("delegate: queue: %w", err)
	}
	return &Queue[TTx]{client: client, notify: o.Notifier != nil}, nil
}

// Enqueue returns the hook that inserts r's job in the store's transaction.
func (q *Queue[TTx]) Enqueue(r Request) TxHook {
	return func(ctx context.Context, tx any) error {
		t, ok := tx.(TTx)
		if !ok {
			return fmt.Errorf("delegate: queue and store are on different databases (transaction %T)", tx)
		}
		if _, err := q.client.InsertTx(ctx, t, ApplyArgs{RequestID: r.ID}, nil); err != nil {
			return fmt.Errorf("delegate: enqueue request %s: %w", r.ID, err)
		}
		return nil
	}
}

// Outbox returns the hook maker that queues a request's notification in the
// store's transaction, for Service.Outbox and Applier.Outbox; nil when the
// queue has no Notifier.
func (q *Queue[TTx]) Outbox() func(r Request) TxHook {
	if !q.notify {
		return nil
	}
	return func(r Request) TxHook {
		return func(ctx context.Context, tx any) error {
			t, ok := tx.(TTx)
			if !ok {
				return fmt.Errorf("delegate: queue and store are on different databases (transaction %T)", tx)
			}
			if _, err := q.client.InsertTx(ctx, t, NotifyArgs{RequestID: r.ID, State: r.State}, nil); err != nil {
				return fmt.Errorf("delegate: queue notification of request %s: %w", r.ID, err)
			}
			return nil
		}
	}
}

// Recover inserts a fresh job for every request of cfg's domains that is
// queued, applying or converged, and returns how many. It is for a process
// starting on a store no other live instance works (the embedded SQLite):
// the jobs a killed process was running stay "running" in River until its
// rescuer's RescueStuckJobsAfter (an hour by default), and the fresh job
// finishes the request now. Applying is idempotent (the Client's read-back
// finds a change already made), and when the orphan is finally rescued it
// finds its request terminal and does nothing. With PostgreSQL shared by
// live instances do not call it: River's rescuer hands a dead instance's
// jobs to the others.
func (q *Queue[TTx]) Recover(ctx context.Context, s Store, cfg Config) (int, error) {
	run := newID()
	n := 0
	for _, d := range cfg.allDomains() {
		rs, err := s.List(ctx, d)
		if err != nil {
			return n, err
		}
		for _, r := range rs {
			if r.State != Queued && r.State != Applying && r.State != Converged {
				continue
			}
			if _, err := q.client.Insert(ctx, ApplyArgs{RequestID: r.ID, Run: run}, nil); err != nil {
				return n, fmt.Errorf("delegate: recover request %s: %w", r.ID, err)
			}
			n++
		}
	}
	return n, nil
}

// Start starts working jobs until Stop.
func (q *Queue[TTx]) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop waits for running jobs to finish, or until ctx ends.
func (q *Queue[TTx]) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

type applyWorker struct {
	river.WorkerDefaults[ApplyArgs]
	a *Applier
}

// Work applies the job's request; a throttled tenant or a busy address
// snoozes the job (its Retry-After, or BusySnooze).
func (w *applyWorker) Work(ctx context.Context, job *river.Job[ApplyArgs]) error {
	err := w.a.Apply(ctx, job.Args.RequestID, job.Attempt >= job.MaxAttempts)
	var sn *SnoozeError
	if errors.As(err, &sn) {
		return river.JobSnooze(sn.For)
	}
	return err
}

type notifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	store Store
	n     Notifier
}

// Work sends the notification of the request as it was when it reached the
// job's state; a failure is retried by the queue.
func (w *notifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	r, err := w.store.Get(ctx, job.Args.RequestID)
	if err != nil {
		return err
	}
	r.State = job.Args.State
	return w.n.Notify(ctx, r)
}
