package delegate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// replicaSchema holds the replica (row 1) and the previous read of the
// tenant (row 2), both replaced by each refresh.
var replicaSchema = []string{
	`CREATE TABLE IF NOT EXISTS delegate_replica (
		id INTEGER PRIMARY KEY,
		body TEXT NOT NULL
	)`,
}

// The rows of delegate_replica.
const (
	replicaRow  = 1
	lastReadRow = 2
)

// Replica reads the stored replica; the zero Replica before the first
// refresh.
func (s *SQLStore) Replica(ctx context.Context) (Replica, error) {
	var out Replica
	err := s.b.inTx(ctx, func(tx sqlTx) error {
		var err error
		out, err = readReplica(ctx, tx, replicaRow)
		return err
	})
	return out, err
}

func readReplica(ctx context.Context, tx sqlTx, row int) (Replica, error) {
	var body string
	err := tx.queryRow(ctx, `SELECT body FROM delegate_replica WHERE id = $1`, []any{row}, &body)
	if errors.Is(err, errNoRows) {
		return Replica{}, nil
	}
	if err != nil {
		return Replica{}, fmt.Errorf("delegate: read replica: %w", err)
	}
	var r Replica
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return Replica{}, fmt.Errorf("delegate: decode replica: %w", err)
	}
	return r, nil
}

func writeReplica(ctx context.Context, tx sqlTx, row int, r Replica) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("delegate: encode replica: %w", err)
	}
	if err := tx.exec(ctx, `DELETE FROM delegate_replica WHERE id = $1`, row); err != nil {
		return fmt.Errorf("delegate: store replica: %w", err)
	}
	if err := tx.exec(ctx, `INSERT INTO delegate_replica (id, body) VALUES ($1, $2)`, row, string(body)); err != nil {
		return fmt.Errorf("delegate: store replica: %w", err)
	}
	return nil
}

// SyncReplica stores the replica sync returns, its entries and fresh as the
// previous read, in one transaction; see Store.
func (s *SQLStore) SyncReplica(ctx context.Context, fresh Replica, sync func(stored, last Replica) (Replica, []Entry, error)) error {
	return s.write(ctx, func(tx sqlTx) error {
		if _, _, err := s.head(ctx, tx); err != nil { // lock: serialises refreshes across instances
			return err
		}
		stored, err := readReplica(ctx, tx, replicaRow)
		if err != nil {
			return err
		}
		last, err := readReplica(ctx, tx, lastReadRow)
		if err != nil {
			return err
		}
		if fresh.At.Before(stored.At) || fresh.At.Before(last.At) {
			return nil // a later refresh got here first
		}
		keep, es, err := sync(stored, last)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := s.appendEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := writeReplica(ctx, tx, replicaRow, keep); err != nil {
			return err
		}
		return writeReplica(ctx, tx, lastReadRow, fresh)
	})
}
