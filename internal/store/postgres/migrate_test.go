package postgres_test

import (
	"context"
	"strings"
	"testing"
)

// TestRefusesNewerSchema: a database migrated by a newer trustbridge is not
// opened by this one.
func TestRefusesNewerSchema(t *testing.T) {
	schema := newSchema(t)
	s, err := openSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	pool, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), "INSERT INTO "+schema+".schema_migrations VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	s, err = openSchema(schema)
	if err == nil {
		s.Close()
		t.Fatal("opened a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "9999") {
		t.Fatalf("error = %v", err)
	}
}

// TestMigrationsRecorded: migrating twice applies each version once.
func TestMigrationsRecorded(t *testing.T) {
	schema := newSchema(t)
	for range 2 {
		s, err := openSchema(schema)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	pool, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	var n, distinct int
	err = pool.QueryRow(context.Background(), "SELECT COUNT(*), COUNT(DISTINCT version) FROM "+schema+".schema_migrations").Scan(&n, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != distinct {
		t.Fatalf("schema_migrations has %d rows for %d versions", n, distinct)
	}
}
