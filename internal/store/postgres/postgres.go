package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock migrations hold: an arbitrary
// constant that only trustbridge uses.
const migrationLockKey int64 = 0x5f1b0e4a7c3d9e21

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.Store
	b *backend
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string) and applies the embedded migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included.
		return nil, errors.New("open store: cannot parse the PostgreSQL DSN")
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration (for example with a
// search_path runtime parameter or a custom pool size).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	b := &backend{pool: pool}
	if err := b.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{Store: sqlstore.New(b), b: b}, nil
}

// Pool returns the connection pool, for tests and health checks.
func (s *Store) Pool() *pgxpool.Pool { return s.b.pool }

type backend struct {
	pool *pgxpool.Pool
	once sync.Once
}

func (b *backend) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	ms, err := sqlstore.LoadMigrations(sub)
	if err != nil {
		return err
	}
	err = b.tx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(db sqlstore.DB) error {
		if _, err := db.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrationLockKey); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		_, err := sqlstore.Migrate(ctx, db, ms)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate store: %w", err)
	}
	return nil
}

// Reader implements sqlstore.Backend.
func (b *backend) Reader() sqlstore.DB { return pgDB{b.pool} }

// ReadTx implements sqlstore.Backend.
func (b *backend) ReadTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	return b.tx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// WriteTx implements sqlstore.Backend. READ COMMITTED is enough: sqlstore
// serializes writers on the store_revision row, after which each statement
// sees every earlier commit.
func (b *backend) WriteTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	return b.tx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

// LightWrite implements sqlstore.Backend.
func (b *backend) LightWrite(ctx context.Context, fn func(sqlstore.DB) error) error {
	return b.tx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(db sqlstore.DB) error {
		if _, err := db.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		return fn(db)
	})
}

func (b *backend) tx(ctx context.Context, opts pgx.TxOptions, fn func(sqlstore.DB) error) error {
	tx, err := b.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(pgDB{tx}); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Constraint implements sqlstore.Backend.
func (b *backend) Constraint(err error) sqlstore.Constraint {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return sqlstore.NoConstraint
	}
	switch pe.Code {
	case "23505":
		return sqlstore.UniqueViolation
	case "23503":
		return sqlstore.ForeignKeyViolation
	}
	return sqlstore.NoConstraint
}

// Close implements sqlstore.Backend.
func (b *backend) Close() error {
	b.once.Do(b.pool.Close)
	return nil
}

// pgDB adapts a pool or a transaction to sqlstore.DB, rewriting ?
// placeholders to $n.
type pgDB struct {
	q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
		Query(context.Context, string, ...any) (pgx.Rows, error)
		QueryRow(context.Context, string, ...any) pgx.Row
	}
}

func (d pgDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if len(args) > 0 {
		q = rebind(q)
	}
	tag, err := d.q.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (d pgDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := d.q.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (d pgDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return pgRow{d.q.QueryRow(ctx, rebind(q), args...)}
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error {
	r.Rows.Close()
	return nil
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// rebound caches rebind's results; the store's queries are a bounded set
// of strings (dynamic parts are only which optional filters are present).
var rebound sync.Map

// rebind rewrites ? placeholders to $1, $2, ... The store's SQL never has a
// ? inside a literal or identifier.
func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}
