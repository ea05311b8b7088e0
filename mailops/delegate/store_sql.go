package delegate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// errNoRows is what a backend's row Scan returns when there is no row.
var errNoRows = errors.New("delegate: no rows")

// sqlTx is the part of a transaction the store uses, over database/sql or
// pgx. Queries use $1, $2, ... placeholders, each once and in order (SQLite
// binds $N by position).
type sqlTx interface {
	exec(ctx context.Context, q string, args ...any) error
	// queryRow scans the first row into dest, or returns errNoRows.
	queryRow(ctx context.Context, q string, args []any, dest ...any) error
	// query calls each for every row, with scan filling dest.
	query(ctx context.Context, q string, args []any, each func(scan func(dest ...any) error) error) error
	// raw is the backend's transaction, for TxHooks.
	raw() any
}

// sqlBackend runs transactions.
type sqlBackend interface {
	inTx(ctx context.Context, fn func(tx sqlTx) error) error
	// lockSuffix locks the selected rows until the commit (" FOR UPDATE"
	// on PostgreSQL; empty on SQLite, whose write transactions are
	// serialised by BEGIN IMMEDIATE).
	lockSuffix() string
	close() error
}

// SQLStore is the Store on SQL: SQLite (OpenSQLite) or PostgreSQL
// (OpenPostgres). Every write transaction first locks the audit chain's
// head row, so writes are serialised and the chain has no forks.
type SQLStore struct {
	b sqlBackend
	// committed is signalled after each write transaction of this
	// SQLStore commits (not those of other instances sharing the
	// database): see changed.
	committed broadcast
}

// changed returns a channel closed when the next write transaction through
// this SQLStore commits (a request stored or moved, a replica synced), for
// waiting on a state change without polling: take the channel, read the
// state, and wait on the channel if it is not the one wanted yet.
func (s *SQLStore) changed() <-chan struct{} { return s.committed.wait() }

// write runs fn in a write transaction and, once it has committed, wakes
// the waiters of changed.
func (s *SQLStore) write(ctx context.Context, fn func(tx sqlTx) error) error {
	err := s.b.inTx(ctx, fn)
	if err == nil {
		s.committed.signal()
	}
	return err
}

var _ Store = (*SQLStore)(nil)

// schema is portable between SQLite and PostgreSQL.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS delegate_requests (
		id TEXT PRIMARY KEY,
		domain TEXT NOT NULL,
		local TEXT NOT NULL,
		state TEXT NOT NULL,
		submitter TEXT NOT NULL,
		idem_key TEXT,
		body TEXT NOT NULL,
		created_ns BIGINT NOT NULL
	)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS delegate_requests_idem ON delegate_requests (submitter, idem_key)`,
	`CREATE INDEX IF NOT EXISTS delegate_requests_domain ON delegate_requests (domain, created_ns)`,
	`CREATE TABLE IF NOT EXISTS delegate_audit (
		seq BIGINT PRIMARY KEY,
		at_ns BIGINT NOT NULL,
		request_id TEXT NOT NULL,
		actor TEXT NOT NULL,
		event TEXT NOT NULL,
		from_state TEXT NOT NULL,
		to_state TEXT NOT NULL,
		detail TEXT NOT NULL,
		prev_hash TEXT NOT NULL,
		hash TEXT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS delegate_audit_head (
		id INTEGER PRIMARY KEY,
		seq BIGINT NOT NULL,
		hash TEXT NOT NULL
	)`,
	`INSERT INTO delegate_audit_head (id, seq, hash) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING`,
}

func (s *SQLStore) migrate(ctx context.Context) error {
	return s.b.inTx(ctx, func(tx sqlTx) error {
		for _, q := range append(slices.Clone(schema), replicaSchema...) {
			if err := tx.exec(ctx, q); err != nil {
				return fmt.Errorf("delegate: schema: %w", err)
			}
		}
		return nil
	})
}

// Close releases the store's connections.
func (s *SQLStore) Close() error { return s.b.close() }

func (s *SQLStore) head(ctx context.Context, tx sqlTx) (int64, string, error) {
	var seq int64
	var hash string
	err := tx.queryRow(ctx, `SELECT seq, hash FROM delegate_audit_head WHERE id = 1`+s.b.lockSuffix(), nil, &seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("delegate: audit head: %w", err)
	}
	return seq, hash, nil
}

// appendEntry seals e after the head, writes it and moves the head. The
// caller holds the head's lock (head was read in the same transaction).
func (s *SQLStore) appendEntry(ctx context.Context, tx sqlTx, e Entry) error {
	seq, prev, err := s.head(ctx, tx)
	if err != nil {
		return err
	}
	e = seal(e, seq, prev)
	if err := tx.exec(ctx, `INSERT INTO delegate_audit (seq, at_ns, request_id, actor, event, from_state, to_state, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, e.At.UnixNano(), e.RequestID, e.Actor, e.Event, string(e.From), string(e.To), e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("delegate: append audit entry: %w", err)
	}
	if err := tx.exec(ctx, `UPDATE delegate_audit_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("delegate: move audit head: %w", err)
	}
	return nil
}

func (s *SQLStore) getTx(ctx context.Context, tx sqlTx, id string) (Request, error) {
	var body string
	err := tx.queryRow(ctx, `SELECT body FROM delegate_requests WHERE id = $1`, []any{id}, &body)
	if errors.Is(err, errNoRows) {
		return Request{}, fmt.Errorf("delegate: request %s: %w", id, mailops.ErrNotFound)
	}
	if err != nil {
		return Request{}, fmt.Errorf("delegate: read request %s: %w", id, err)
	}
	return decodeRequest(body)
}

func decodeRequest(body string) (Request, error) {
	var r Request
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return Request{}, fmt.Errorf("delegate: decode request: %w", err)
	}
	return r, nil
}

func encodeRequest(r Request) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("delegate: encode request %s: %w", r.ID, err)
	}
	return string(b), nil
}

// Insert stores a new request with its first audit entry; see Store.
func (s *SQLStore) Insert(ctx context.Context, r Request, e Entry, hook TxHook) (Request, bool, error) {
	var out Request
	var existing bool
	err := s.write(ctx, func(tx sqlTx) error {
		if _, _, err := s.head(ctx, tx); err != nil { // lock first: serialises the key check
			return err
		}
		if r.IdempotencyKey != "" {
			var body string
			err := tx.queryRow(ctx, `SELECT body FROM delegate_requests WHERE submitter = $1 AND idem_key = $2`,
				[]any{r.Submitter, r.IdempotencyKey}, &body)
			if err == nil {
				prev, err := decodeRequest(body)
				out, existing = prev, true
				return err
			}
			if !errors.Is(err, errNoRows) {
				return fmt.Errorf("delegate: idempotency key: %w", err)
			}
		}
		if !r.State.Valid() {
			return fmt.Errorf("%w: new request in state %q", ErrTransition, r.State)
		}
		body, err := encodeRequest(r)
		if err != nil {
			return err
		}
		var key any
		if r.IdempotencyKey != "" {
			key = r.IdempotencyKey
		}
		if err := tx.exec(ctx, `INSERT INTO delegate_requests (id, domain, local, state, submitter, idem_key, body, created_ns)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.ID, r.Domain, r.Local, string(r.State), r.Submitter, key, body, r.CreatedAt.UnixNano()); err != nil {
			return fmt.Errorf("delegate: insert request %s: %w", r.ID, err)
		}
		e.RequestID, e.From, e.To = r.ID, "", r.State
		if err := s.appendEntry(ctx, tx, e); err != nil {
			return err
		}
		out = r
		if hook != nil {
			return hook(ctx, tx.raw())
		}
		return nil
	})
	if err != nil {
		return Request{}, false, err
	}
	return out, existing, nil
}

// Update changes a request and appends its audit entry; see Store.
func (s *SQLStore) Update(ctx context.Context, id string, change func(r *Request) (Entry, error), hook TxHook) (Request, error) {
	return s.update(ctx, id, func(_ sqlTx, r *Request) (Entry, error) { return change(r) }, hook)
}

func (s *SQLStore) update(ctx context.Context, id string, change func(tx sqlTx, r *Request) (Entry, error), hook TxHook) (Request, error) {
	var out Request
	err := s.write(ctx, func(tx sqlTx) error {
		if _, _, err := s.head(ctx, tx); err != nil {
			return err
		}
		r, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		from := r.State
		e, err := change(tx, &r)
		if err != nil {
			return err
		}
		if r.ID != id {
			return fmt.Errorf("delegate: update of %s changed its id", id)
		}
		if r.State != from {
			if err := Move(from, r.State); err != nil {
				return fmt.Errorf("delegate: request %s: %w", id, err)
			}
		}
		body, err := encodeRequest(r)
		if err != nil {
			return err
		}
		if err := tx.exec(ctx, `UPDATE delegate_requests SET state = $1, body = $2 WHERE id = $3`, string(r.State), body, id); err != nil {
			return fmt.Errorf("delegate: update request %s: %w", id, err)
		}
		e.RequestID, e.From, e.To = id, from, r.State
		if err := s.appendEntry(ctx, tx, e); err != nil {
			return err
		}
		out = r
		if hook != nil {
			return hook(ctx, tx.raw())
		}
		return nil
	})
	return out, err
}

// Claim starts (or resumes) applying a request; see Store.
func (s *SQLStore) Claim(ctx context.Context, id string, e Entry) (Request, error) {
	return s.update(ctx, id, func(tx sqlTx, r *Request) (Entry, error) {
		if r.State != Queued && r.State != Applying {
			return Entry{}, fmt.Errorf("%w: claim of a request that is %s", ErrTransition, r.State)
		}
		var other string
		err := tx.queryRow(ctx, `SELECT id FROM delegate_requests WHERE domain = $1 AND local = $2 AND state = $3 AND id <> $4`,
			[]any{r.Domain, r.Local, string(Applying), id}, &other)
		switch {
		case err == nil:
			return Entry{}, fmt.Errorf("%w: %s waits for %s", ErrBusy, id, other)
		case !errors.Is(err, errNoRows):
			return Entry{}, fmt.Errorf("delegate: claim %s: %w", id, err)
		}
		r.State = Applying
		r.Attempts++
		r.UpdatedAt = e.At
		if e.Detail == "" {
			e.Detail = fmt.Sprintf("attempt %d", r.Attempts)
		}
		return e, nil
	}, nil)
}

// Get reads a request.
func (s *SQLStore) Get(ctx context.Context, id string) (Request, error) {
	var out Request
	err := s.b.inTx(ctx, func(tx sqlTx) error {
		r, err := s.getTx(ctx, tx, id)
		out = r
		return err
	})
	return out, err
}

// List reads a domain's requests, oldest first.
func (s *SQLStore) List(ctx context.Context, domain string) ([]Request, error) {
	var out []Request
	err := s.b.inTx(ctx, func(tx sqlTx) error {
		return tx.query(ctx, `SELECT body FROM delegate_requests WHERE domain = $1 ORDER BY created_ns, id`, []any{domain},
			func(scan func(...any) error) error {
				var body string
				if err := scan(&body); err != nil {
					return err
				}
				r, err := decodeRequest(body)
				out = append(out, r)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("delegate: list requests of %s: %w", domain, err)
	}
	return out, nil
}

// Audit reads at most limit entries after sequence number after.
func (s *SQLStore) Audit(ctx context.Context, after int64, limit int) ([]Entry, error) {
	var out []Entry
	err := s.b.inTx(ctx, func(tx sqlTx) error {
		return s.entries(ctx, tx, after, limit, func(e Entry) { out = append(out, e) })
	})
	return out, err
}

func (s *SQLStore) entries(ctx context.Context, tx sqlTx, after int64, limit int, each func(Entry)) error {
	err := tx.query(ctx, `SELECT seq, at_ns, request_id, actor, event, from_state, to_state, detail, prev_hash, hash
		FROM delegate_audit WHERE seq > $1 ORDER BY seq LIMIT $2`, []any{after, int64(limit)},
		func(scan func(...any) error) error {
			var e Entry
			var at int64
			var from, to string
			if err := scan(&e.Seq, &at, &e.RequestID, &e.Actor, &e.Event, &from, &to, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			e.At, e.From, e.To = time.Unix(0, at).UTC(), State(from), State(to)
			each(e)
			return nil
		})
	if err != nil {
		return fmt.Errorf("delegate: read audit: %w", err)
	}
	return nil
}

// maxAudit bounds the log VerifyAudit reads.
const maxAudit = 1 << 40

// VerifyAudit checks the whole chain in one read transaction, and that every
// request's state is the one its last audit entry moved it to. A hash chain
// alone cannot see its tail cut off together with its head row; the
// state cross-check catches that unless the requests are rewritten too,
// which only an anchor kept outside the database (the head hash, exported
// elsewhere) would reveal.
func (s *SQLStore) VerifyAudit(ctx context.Context) (int64, error) {
	var n int64
	err := s.b.inTx(ctx, func(tx sqlTx) error {
		var seq int64
		var hash string
		if err := tx.queryRow(ctx, `SELECT seq, hash FROM delegate_audit_head WHERE id = 1`, nil, &seq, &hash); err != nil {
			return fmt.Errorf("delegate: audit head: %w", err)
		}
		var all []Entry
		if err := s.entries(ctx, tx, 0, maxAudit, func(e Entry) { all = append(all, e) }); err != nil {
			return err
		}
		n = int64(len(all))
		if err := verifyChain(all, seq, hash); err != nil {
			return err
		}
		last := map[string]State{}
		for _, e := range all {
			last[e.RequestID] = e.To
		}
		return tx.query(ctx, `SELECT id, state FROM delegate_requests`, nil, func(scan func(...any) error) error {
			var id, state string
			if err := scan(&id, &state); err != nil {
				return err
			}
			if to, ok := last[id]; !ok || to != State(state) {
				return fmt.Errorf("%w: request %s is %s but its last audit entry moves it to %q", ErrAuditBroken, id, state, to)
			}
			return nil
		})
	})
	return n, err
}
