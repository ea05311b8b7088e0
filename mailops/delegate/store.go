package delegate

import (
	"context"
	"errors"
)

// ErrBusy means another request for the same address is being applied.
var ErrBusy = errors.New("delegate: another request for the address is being applied")

// ErrConflict means a write lost to a concurrent change (a stale If-Match, an
// idempotency key reused for a different request).
var ErrConflict = errors.New("delegate: conflict")

// TxHook runs inside a store transaction, after the request and its audit
// entry are written and before the commit; tx is the backend's transaction
// (*sql.Tx for SQLite, pgx.Tx for PostgreSQL), for example to insert the
// request's job in the same transaction. An error rolls everything back.
type TxHook func(ctx context.Context, tx any) error

// Store keeps requests and their audit log. Every write changes a request and
// appends its audit entry in one transaction, so the log has an entry for
// every state change and nothing else. Implementations: SQLStore on SQLite
// and on PostgreSQL.
type Store interface {
	// Insert stores a new request with its first audit entry (From empty,
	// To the request's state). If the submitter already used the request's
	// IdempotencyKey, nothing is written and the earlier request is
	// returned with existing true.
	Insert(ctx context.Context, r Request, e Entry, hook TxHook) (stored Request, existing bool, err error)
	// Update loads request id, lets change modify it and describe the
	// audit entry, and stores both. A state change must be legal (Move);
	// the entry's From and To are filled from the states. An error from
	// change aborts the transaction and is returned.
	Update(ctx context.Context, id string, change func(r *Request) (Entry, error), hook TxHook) (Request, error)
	// Claim moves a queued request to applying (or resumes one already
	// applying), counts the attempt and appends e, unless another request
	// for the same address is applying: then nothing is written and the
	// error matches ErrBusy. One request per address applies at a time,
	// across every service instance sharing the store.
	Claim(ctx context.Context, id string, e Entry) (Request, error)
	// Get reads a request; mailops.ErrNotFound if there is none.
	Get(ctx context.Context, id string) (Request, error)
	// List reads a domain's requests, oldest first.
	List(ctx context.Context, domain string) ([]Request, error)
	// Audit reads at most limit entries after sequence number after.
	Audit(ctx context.Context, after int64, limit int) ([]Entry, error)
	// VerifyAudit checks the whole chain and returns how many entries it
	// holds; a broken chain gives an error matching ErrAuditBroken.
	VerifyAudit(ctx context.Context) (int64, error)
	// Replica reads the stored replica of the tenant's addresses (the zero
	// Replica before the first refresh).
	Replica(ctx context.Context) (Replica, error)
	// SyncReplica records fresh, a read of the tenant: given the stored
	// replica and the previous read (zero ones before the first), sync
	// returns the replica to store and the audit entries (drift) to
	// append, and the store keeps both, with fresh as the previous read of
	// the next sync, in one transaction. A read older than the previous
	// one is dropped; an error from sync writes nothing.
	SyncReplica(ctx context.Context, fresh Replica, sync func(stored, last Replica) (Replica, []Entry, error)) error
	// Close releases the store's connections.
	Close() error
}
