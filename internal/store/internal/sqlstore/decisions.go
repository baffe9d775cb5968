package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// pruneEvery is how many PutDecision calls pass between opportunistic
// prunes of expired decisions; pruneBatch bounds one prune's work.
const (
	pruneEvery = 256
	pruneBatch = 1000
)

// PutDecision implements store.Store.
func (s *Store) PutDecision(ctx context.Context, d store.Decision) error {
	if d.RequestID == "" {
		return invalid(store.EntityDecision, "", "empty request ID")
	}
	data := d.Data
	if data == nil {
		data = []byte{}
	}
	prune := s.puts.Add(1)%pruneEvery == 0
	return s.light(ctx, func(db DB) error {
		_, err := db.Exec(ctx, `INSERT INTO decisions (request_id, data, expires) VALUES (?, ?, ?)
			ON CONFLICT (request_id) DO UPDATE SET data = excluded.data, expires = excluded.expires`,
			d.RequestID, data, ts(d.Expires))
		if err != nil {
			return dbErr("put decision", err)
		}
		if prune {
			_, err = db.Exec(ctx, `DELETE FROM decisions WHERE request_id IN
				(SELECT request_id FROM decisions WHERE expires < ? LIMIT ?)`, time.Now().UnixNano(), pruneBatch)
			return dbErr("prune decisions", err)
		}
		return nil
	})
}

// GetDecision implements store.Store.
func (s *Store) GetDecision(ctx context.Context, requestID string) (store.Decision, error) {
	d := store.Decision{RequestID: requestID}
	var expires int64
	err := s.read(func(db DB) error {
		return db.QueryRow(ctx, `SELECT data, expires FROM decisions WHERE request_id = ? AND expires > ?`,
			requestID, time.Now().UnixNano()).Scan(&d.Data, &expires)
	})
	if errors.Is(err, ErrNoRows) {
		return store.Decision{}, notFound(store.EntityDecision, requestID)
	}
	if err != nil {
		return store.Decision{}, dbErr("get decision", err)
	}
	d.Data = bytes.Clone(d.Data)
	d.Expires = fromTS(expires)
	return d, nil
}

// PruneDecisions implements store.Store.
func (s *Store) PruneDecisions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.light(ctx, func(db DB) (err error) {
		n, err = db.Exec(ctx, `DELETE FROM decisions WHERE expires < ?`, now.UnixNano())
		return dbErr("prune decisions", err)
	})
	return n, err
}
