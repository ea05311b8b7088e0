package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mailops-dev/mailops/mailops/delegate"
)

// defaultStateDir is where `mailops serve` keeps its SQLite store without
// --store: $XDG_STATE_HOME/mailops, else ~/.local/state/mailops.
func defaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "mailops"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --store and no home directory for the default state dir: %w", err)
	}
	return filepath.Join(home, ".local", "state", "mailops"), nil
}

// storeSpec is a parsed --store: sqlite:PATH or a postgres:// URL.
type storeSpec struct {
	sqlite   string // the file, for sqlite:
	postgres string // the URL, for postgres
}

func (s storeSpec) String() string {
	if s.postgres != "" {
		return "postgres"
	}
	return "sqlite:" + s.sqlite
}

func parseStore(v string) (storeSpec, error) {
	switch {
	case v == "":
		dir, err := defaultStateDir()
		if err != nil {
			return storeSpec{}, err
		}
		return storeSpec{sqlite: filepath.Join(dir, "delegate.db")}, nil
	case strings.HasPrefix(v, "sqlite:"):
		p := strings.TrimPrefix(v, "sqlite:")
		if p == "" {
			return storeSpec{}, fmt.Errorf("--store %q: no file after sqlite:", v)
		}
		return storeSpec{sqlite: p}, nil
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		return storeSpec{postgres: v}, nil
	}
	return storeSpec{}, fmt.Errorf("--store %q: want sqlite:PATH or postgres://...", v)
}

// queue is the part of delegate.Queue the service uses, whatever its
// backend.
type queue interface {
	Enqueue(r delegate.Request) delegate.TxHook
	Outbox() func(r delegate.Request) delegate.TxHook
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Recover(ctx context.Context, s delegate.Store, cfg delegate.Config) (int, error)
}

// openedStore is an open store, with what its queue needs.
type openedStore struct {
	delegate.Store
	db   *sql.DB
	pool *pgxpool.Pool
}

// open opens the store (creating the SQLite file's directory).
func (s storeSpec) open(ctx context.Context) (*openedStore, error) {
	if s.postgres != "" {
		pool, err := pgxpool.New(ctx, s.postgres)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		st, err := delegate.OpenPostgres(ctx, pool)
		if err != nil {
			pool.Close()
			return nil, err
		}
		return &openedStore{Store: st, pool: pool}, nil
	}
	if err := os.MkdirAll(filepath.Dir(s.sqlite), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	st, db, err := delegate.OpenSQLite(ctx, s.sqlite)
	if err != nil {
		return nil, err
	}
	return &openedStore{Store: st, db: db}, nil
}

// queue builds the River queue on the store's database.
func (o *openedStore) queue(ctx context.Context, a *delegate.Applier, opts delegate.QueueOptions) (queue, error) {
	if o.pool != nil {
		return delegate.NewPostgresQueue(ctx, o.pool, a, opts)
	}
	return delegate.NewSQLiteQueue(ctx, o.db, a, opts)
}

// embedded reports whether the store is the embedded SQLite one, which no
// other instance works (so this process may recover its jobs).
func (o *openedStore) embedded() bool { return o.db != nil }

// Close closes the store and its pool.
func (o *openedStore) Close() error {
	err := o.Store.Close()
	if o.pool != nil {
		o.pool.Close()
	}
	return err
}
