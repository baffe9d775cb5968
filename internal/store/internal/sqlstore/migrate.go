package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Migration is one versioned schema change.
type Migration struct {
	Version int64
	Name    string
	SQL     string
}

// LoadMigrations reads the files NNNN_name.sql at the root of fsys, in
// version order. Versions must be positive and distinct.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// createMigrationsTable is portable SQL for the version table.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Migrate applies the migrations that schema_migrations does not list, in
// order, inside tx, which must be one write transaction holding whatever
// lock keeps other processes out (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
// advisory transaction lock). It is idempotent, and refuses a database
// migrated by a newer binary. It returns the versions it applied.
func Migrate(ctx context.Context, db DB, ms []Migration) ([]int64, error) {
	if _, err := db.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	applied := map[int64]bool{}
	var newest int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
		newest = max(newest, v)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	rows.Close()
	var known int64
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	if newest > known {
		return nil, fmt.Errorf("the database schema is at version %d but this binary knows only up to %d; upgrade trustbridge", newest, known)
	}
	var done []int64
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if _, err := db.Exec(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("apply migration %d (%s): %w", m.Version, m.Name, err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixNano()); err != nil {
			return nil, fmt.Errorf("record migration %d: %w", m.Version, err)
		}
		done = append(done, m.Version)
	}
	return done, nil
}
