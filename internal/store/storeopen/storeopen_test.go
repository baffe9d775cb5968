package storeopen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		dsn  string
		want Kind
	}{
		{"postgres://u:p@h/db", KindPostgres},
		{"PostgreSQL://h/db?sslmode=disable", KindPostgres},
		{":memory:", KindMemory},
		{"/var/lib/trustbridge", KindSQLite},
		{"data", KindSQLite},
		{"postgres", KindSQLite},
	}
	for _, tc := range tests {
		if got := KindOf(tc.dsn); got != tc.want {
			t.Errorf("KindOf(%q) = %s, want %s", tc.dsn, got, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://alice:s3cret@db:5432/tb?sslmode=disable", "postgres://alice:xxxxx@db:5432/tb?sslmode=disable"},
		{"postgres://db/tb?password=s3cret&user=bob", "postgres://db/tb?password=xxxxx&user=bob"},
		{"postgres://alice@db/tb", "postgres://alice@db/tb"},
		{"/var/lib/trustbridge", "/var/lib/trustbridge"},
	}
	for _, tc := range tests {
		got := Redact(tc.dsn)
		if got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) leaks the password", tc.dsn)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "trustbridge.db")); err != nil {
		t.Fatalf("no database file in the data directory: %v", err)
	}
	s, err = Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A malformed PostgreSQL DSN fails without echoing the password.
	_, err = Open(ctx, "postgres://u:s3cret@[bad/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open(bad DSN) error = %v", err)
	}
	if dsn := os.Getenv("TRUSTBRIDGE_TEST_POSTGRES"); dsn != "" {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}
