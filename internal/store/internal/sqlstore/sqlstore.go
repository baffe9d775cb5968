package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ErrNoRows is what Row.Scan returns when the query produced no row.
var ErrNoRows = errors.New("sqlstore: no rows")

// A DB runs statements written with ? placeholders. Implementations
// rewrite placeholders for their database.
type DB interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row; Scan
	// returns ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of DB.Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the result of DB.QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Constraint classifies a database error.
type Constraint int

// Constraint kinds.
const (
	NoConstraint Constraint = iota
	UniqueViolation
	ForeignKeyViolation
)

// A Backend gives sqlstore its connections.
type Backend interface {
	// Reader runs single statements outside any transaction.
	Reader() DB
	// ReadTx runs fn in a read-only snapshot.
	ReadTx(ctx context.Context, fn func(DB) error) error
	// WriteTx runs fn in a read-write transaction that serializes with
	// other writers (SQLite: BEGIN IMMEDIATE on the single writer
	// connection; PostgreSQL: READ COMMITTED, serialized by sqlstore's
	// revision bump) and commits durably if fn returns nil.
	WriteTx(ctx context.Context, fn func(DB) error) error
	// LightWrite runs fn in a small transaction for bookkeeping writes
	// (decisions, last-used). It must survive the trustbridge process
	// being killed once it returns, but may trade durability against a
	// machine or database server crash for speed.
	LightWrite(ctx context.Context, fn func(DB) error) error
	// Constraint classifies err.
	Constraint(err error) Constraint
	Close() error
}

// Store implements store.Store on a Backend.
type Store struct {
	b Backend
	// tx is the transaction of a Store passed to a Tx function; nil
	// otherwise.
	tx DB
	// puts counts PutDecision calls, to prune now and then; shared by the
	// Stores of transactions.
	puts *atomic.Uint64
}

var _ store.Store = (*Store)(nil)

// New returns a Store on b. The schema must already be migrated.
func New(b Backend) *Store {
	return &Store{b: b, puts: new(atomic.Uint64)}
}

// Close closes the backend.
func (s *Store) Close() error {
	if s.tx != nil {
		return fmt.Errorf("store: Close called inside Tx: %w", store.ErrInvalid)
	}
	return s.b.Close()
}

const bumpRevision = `UPDATE store_revision SET value = value + 1 WHERE id = 1`

// read runs fn on the transaction or on the reader.
func (s *Store) read(fn func(DB) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return fn(s.b.Reader())
}

// snapshot runs fn in a consistent read snapshot.
func (s *Store) snapshot(ctx context.Context, fn func(DB) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return s.b.ReadTx(ctx, fn)
}

// write runs fn in a revision-bumping write transaction.
func (s *Store) write(ctx context.Context, fn func(DB) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return s.b.WriteTx(ctx, func(db DB) error {
		if _, err := db.Exec(ctx, bumpRevision); err != nil {
			return dbErr("bump revision", err)
		}
		return fn(db)
	})
}

// light runs fn as a bookkeeping write that does not bump the revision.
func (s *Store) light(ctx context.Context, fn func(DB) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return s.b.LightWrite(ctx, fn)
}

// Tx implements store.Store.
func (s *Store) Tx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.write(ctx, func(db DB) error {
		return fn(&Store{b: s.b, tx: db, puts: s.puts})
	})
}

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var v int64
	err := s.read(func(db DB) error {
		return db.QueryRow(ctx, `SELECT value FROM store_revision WHERE id = 1`).Scan(&v)
	})
	if err != nil {
		return 0, dbErr("read revision", err)
	}
	return v, nil
}

// dbErr wraps an unexpected database error with the operation's name. It
// passes store errors through unchanged.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func notFound(e store.Entity, name string) error {
	return &store.Error{Err: store.ErrNotFound, Entity: e, Name: name}
}

func exists(e store.Entity, name string) error {
	return &store.Error{Err: store.ErrAlreadyExists, Entity: e, Name: name}
}

func conflict(e store.Entity, name, detail string) error {
	return &store.Error{Err: store.ErrConflict, Entity: e, Name: name, Detail: detail}
}

func invalid(e store.Entity, name, detail string) error {
	return &store.Error{Err: store.ErrInvalid, Entity: e, Name: name, Detail: detail}
}

// createErr maps a constraint error of an insert: a unique violation means
// the key is taken, a foreign key violation that a referenced row vanished.
func (s *Store) createErr(op string, e store.Entity, name string, err error) error {
	switch s.b.Constraint(err) {
	case UniqueViolation:
		return exists(e, name)
	case ForeignKeyViolation:
		return &store.Error{Err: store.ErrNotFound, Entity: e, Name: name, Detail: "a referenced entity does not exist"}
	}
	return dbErr(op, err)
}

// deleteErr maps a constraint error of a delete: a foreign key violation
// means something still refers to the row.
func (s *Store) deleteErr(op string, e store.Entity, name string, err error) error {
	if s.b.Constraint(err) == ForeignKeyViolation {
		return conflict(e, name, "still referenced")
	}
	return dbErr(op, err)
}
