package delegate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// replicaSchema holds the replica: one row, replaced by each refresh.
var replicaSchema = []string{
	`CREATE TABLE IF NOT EXISTS delegate_replica (
		id INTEGER PRIMARY KEY,
		body TEXT NOT NULL
	)`,
}

// Replica reads the stored replica; the zero Replica before the first
// refresh.
func (s *SQLStore) Replica(ctx context.Context) (Replica, error) {
	var out Replica
	err := s.b.inTx(ctx, func(tx sqlTx) error {
		var err error
		out, err = readReplica(ctx, tx)
		return err
	})
	return out, err
}

func readReplica(ctx context.Context, tx sqlTx) (Replica, error) {
	var body string
	err := tx.queryRow(ctx, `SELECT body FROM delegate_replica WHERE id = 1`, nil, &body)
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

// SyncReplica stores fresh as the replica and appends the entries diff
// returns for the stored one, in one transaction; see Store.
func (s *SQLStore) SyncReplica(ctx context.Context, fresh Replica, diff func(old Replica) ([]Entry, error)) error {
	body, err := json.Marshal(fresh)
	if err != nil {
		return fmt.Errorf("delegate: encode replica: %w", err)
	}
	return s.b.inTx(ctx, func(tx sqlTx) error {
		if _, _, err := s.head(ctx, tx); err != nil { // lock: serialises refreshes across instances
			return err
		}
		old, err := readReplica(ctx, tx)
		if err != nil {
			return err
		}
		if !old.At.IsZero() && fresh.At.Before(old.At) {
			return nil // a later refresh got here first
		}
		es, err := diff(old)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := s.appendEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := tx.exec(ctx, `DELETE FROM delegate_replica WHERE id = 1`); err != nil {
			return fmt.Errorf("delegate: store replica: %w", err)
		}
		if err := tx.exec(ctx, `INSERT INTO delegate_replica (id, body) VALUES (1, $1)`, string(body)); err != nil {
			return fmt.Errorf("delegate: store replica: %w", err)
		}
		return nil
	})
}
