package delegate

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenPostgres opens the store on a PostgreSQL pool (several service
// instances may share it), creating its tables if needed. The pool stays the
// caller's: Close does not close it.
func OpenPostgres(ctx context.Context, pool *pgxpool.Pool) (*SQLStore, error) {
	s := &SQLStore{b: pgBackend{pool: pool}}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

type pgBackend struct{ pool *pgxpool.Pool }

func (b pgBackend) lockSuffix() string { return " FOR UPDATE" }
func (b pgBackend) close() error       { return nil }

func (b pgBackend) inTx(ctx context.Context, fn func(sqlTx) error) error {
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error { return fn(pgTx{tx}) })
	if err != nil {
		return fmt.Errorf("delegate: postgres transaction: %w", err)
	}
	return nil
}

// pgTx adapts pgx.Tx.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) raw() any { return t.tx }

func (t pgTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.Exec(ctx, q, args...)
	return err
}

func (t pgTx) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	err := t.tx.QueryRow(ctx, q, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return err
}

func (t pgTx) query(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := t.tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
