package delegate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// SQLiteDSN is the DSN the service opens path with: WAL, a busy timeout, and
// write transactions that take the write lock when they begin (so that two
// transactions never deadlock upgrading a read lock).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// OpenSQLite opens (creating if needed) the store in the SQLite database at
// path; DB returns the *sql.DB for the queue to share.
func OpenSQLite(ctx context.Context, path string) (*SQLStore, *sql.DB, error) {
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, nil, fmt.Errorf("delegate: open sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer, and River's SQLite driver
	// avoids SQLITE_BUSY this way; transactions never need a second one.
	db.SetMaxOpenConns(1)
	s := &SQLStore{b: sqliteBackend{db: db}}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return s, db, nil
}

type sqliteBackend struct{ db *sql.DB }

func (b sqliteBackend) lockSuffix() string { return "" }
func (b sqliteBackend) close() error       { return b.db.Close() }

func (b sqliteBackend) inTx(ctx context.Context, fn func(sqlTx) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delegate: begin: %w", err)
	}
	if err := fn(stdTx{tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delegate: commit: %w", err)
	}
	return nil
}

// stdTx adapts *sql.Tx.
type stdTx struct{ tx *sql.Tx }

func (t stdTx) raw() any { return t.tx }

func (t stdTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, q, args...)
	return err
}

func (t stdTx) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	err := t.tx.QueryRowContext(ctx, q, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

func (t stdTx) query(ctx context.Context, q string, args []any, each func(func(...any) error) error) error {
	rows, err := t.tx.QueryContext(ctx, q, args...)
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
