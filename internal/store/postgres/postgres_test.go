package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/postgres"
	"github.com/trustbridge/trustbridge/internal/store/storetest"
)

// envDSN names the database the tests use; each test gets its own schema
// in it, dropped afterwards.
const envDSN = "TRUSTBRIDGE_TEST_POSTGRES"

func dsn(t testing.TB) string {
	d := os.Getenv(envDSN)
	if d == "" {
		t.Skip(envDSN + " is not set; run scripts/postgres.sh start to get a DSN")
	}
	return d
}

// admin is one small pool, shared by the tests, that creates and drops
// their schemas.
var admin = sync.OnceValues(func() (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(os.Getenv(envDSN))
	if err != nil {
		return nil, errors.New("cannot parse " + envDSN)
	}
	cfg.MaxConns = 2
	return pgxpool.NewWithConfig(context.Background(), cfg)
})

// newSchema creates a fresh schema, dropped when the test ends, and
// returns its name: the location open takes.
func newSchema(t testing.TB) string {
	dsn(t)
	pool, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "tbtest_" + hex.EncodeToString(b[:])
	if _, err := pool.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openSchema opens a store whose search_path is schema. It reads the base
// DSN from the environment so that the crash test's child can use it.
func openSchema(schema string) (*postgres.Store, error) {
	cfg, err := pgxpool.ParseConfig(os.Getenv(envDSN))
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return postgres.OpenConfig(context.Background(), cfg)
}

func open(t *testing.T, schema string) (store.Store, error) {
	s, err := openSchema(schema)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s, nil
}

func TestConformance(t *testing.T) {
	dsn(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := open(t, newSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPersistent(t *testing.T) {
	dsn(t)
	storetest.RunPersistent(t, func(t *testing.T) storetest.Opener {
		schema := newSchema(t)
		return func(t *testing.T) (store.Store, error) { return open(t, schema) }
	})
}

func TestCrash(t *testing.T) {
	dsn(t)
	storetest.RunCrash(t, func(t *testing.T) string { return newSchema(t) }, func(schema string) (store.Store, error) {
		return openSchema(schema)
	})
}
