package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// FileName is the database file's name inside the data directory.
const FileName = "trustbridge.db"

// Memory is the data directory value that selects an in-memory database.
const Memory = ":memory:"

// Options tunes Open. The zero value is the default.
type Options struct {
	// Readers is the size of the read connection pool. If zero,
	// max(4, GOMAXPROCS) is used. Ignored in memory.
	Readers int
}

// Store is the SQLite store.
type Store struct {
	*sqlstore.Store
}

// Open opens (creating if needed, with mode 0700) the data directory dir,
// or an in-memory database if dir is Memory, and applies the embedded
// migrations.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	b, err := openBackend(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := b.migrate(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return &Store{Store: sqlstore.New(b)}, nil
}

var _ store.Store = (*Store)(nil)

// backend implements sqlstore.Backend.
type backend struct {
	writer *sql.DB
	reader *sql.DB // == writer in memory
	// stmts caches prepared statements on reader: parsing is a large part
	// of a point read's cost. Transactions prepare per transaction, because
	// preparing on the pool while holding the single writer connection
	// would deadlock.
	stmts  sync.Map // query string -> *sql.Stmt
	memory bool
	once   sync.Once
}

func openBackend(dir string, opts Options) (*backend, error) {
	if dir == Memory {
		// One connection that never expires: each new connection to
		// :memory: would be a new, empty database.
		db, err := sql.Open("sqlite", "file::memory:?"+dsnParams(true, false).Encode())
		if err != nil {
			return nil, fmt.Errorf("open in-memory store: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		return &backend{writer: db, reader: db, memory: true}, nil
	}
	if dir == "" {
		return nil, errors.New("open store: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	u := url.URL{Scheme: "file", OmitHost: true, Path: path}
	w, err := sql.Open("sqlite", u.String()+"?"+dsnParams(true, false).Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Open the writer first: it switches the file to WAL, which readers
	// need before they can run alongside it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", u.String()+"?"+dsnParams(false, true).Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	n := opts.Readers
	if n <= 0 {
		n = max(4, runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	return &backend{writer: w, reader: r}, nil
}

// dsnParams are the connection settings. Every connection enforces foreign
// keys and waits up to 10 s for a lock. The writer switches the file to WAL
// with synchronous=FULL and begins transactions IMMEDIATE; readers are
// query-only.
func dsnParams(writer, readOnly bool) url.Values {
	v := url.Values{}
	v.Set("_busy_timeout", "10000")
	v.Set("_foreign_keys", "1")
	if writer {
		v.Set("_journal_mode", "WAL")
		v.Set("_synchronous", "FULL")
		v.Set("_txlock", "immediate")
	}
	if readOnly {
		v.Set("_query_only", "1")
	}
	return v
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
	return b.tx(ctx, b.writer, func(db sqlstore.DB) error {
		_, err := sqlstore.Migrate(ctx, db, ms)
		return err
	})
}

// Reader implements sqlstore.Backend.
func (b *backend) Reader() sqlstore.DB { return readerDB{b} }

// stmt returns the cached prepared statement for q on the reader pool.
func (b *backend) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := b.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := b.reader.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := b.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// ReadTx implements sqlstore.Backend: a deferred transaction on a reader
// sees one snapshot from its first read.
func (b *backend) ReadTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	return b.tx(ctx, b.reader, fn)
}

// WriteTx implements sqlstore.Backend.
func (b *backend) WriteTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	return b.tx(ctx, b.writer, fn)
}

// LightWrite implements sqlstore.Backend: the writer connection commits
// with synchronous=NORMAL for this transaction only. In WAL mode that still
// survives the process being killed; only a power loss can drop it.
func (b *backend) LightWrite(ctx context.Context, fn func(sqlstore.DB) error) error {
	conn, err := b.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		return err
	}
	// Restore FULL even if ctx is done, so later state writes stay durable.
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`); err != nil {
			// The connection's durability is unknown: drop it from the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(newTxDB(tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (b *backend) tx(ctx context.Context, db *sql.DB, fn func(sqlstore.DB) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(newTxDB(tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Constraint implements sqlstore.Backend.
func (b *backend) Constraint(err error) sqlstore.Constraint {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return sqlstore.NoConstraint
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.UniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.ForeignKeyViolation
	}
	return sqlstore.NoConstraint
}

// Close implements sqlstore.Backend.
func (b *backend) Close() error {
	var err error
	b.once.Do(func() {
		b.stmts.Range(func(_, v any) bool {
			v.(*sql.Stmt).Close()
			return true
		})
		if !b.memory {
			err = b.reader.Close()
		}
		err = errors.Join(err, b.writer.Close())
	})
	return err
}

// readerDB runs statements on the reader pool through cached prepared
// statements.
type readerDB struct{ b *backend }

func (d readerDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	st, err := d.b.stmt(ctx, q)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d readerDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	st, err := d.b.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (d readerDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	st, err := d.b.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// txDB runs statements in a transaction, preparing each distinct statement
// once per transaction (which pays off in bulk loads). It belongs to the
// transaction's goroutine.
type txDB struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newTxDB(tx *sql.Tx) *txDB { return &txDB{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (d *txDB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := d.stmts[q]; ok {
		return st, nil
	}
	st, err := d.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	d.stmts[q] = st // closed by the transaction's end
	return st, nil
}

func (d *txDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if len(args) == 0 {
		// Statements without arguments (migrations) may hold several
		// statements, which only Exec runs.
		res, err := d.tx.ExecContext(ctx, q)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	st, err := d.stmt(ctx, q)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d *txDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	st, err := d.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (d *txDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	st, err := d.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
