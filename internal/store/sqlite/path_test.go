package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
)

// TestOddPaths: data directories whose names need escaping in a file: URI
// work, and the database lands where it should.
func TestOddPaths(t *testing.T) {
	for _, name := range []string{"with space", "q?mark", "hash#tag", "percent%41", "ünï"} {
		dir := filepath.Join(t.TempDir(), name)
		s, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if err := s.CreateAccount(context.Background(), store.Account{ID: "111122223333"}); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		s.Close()
		if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
			t.Fatalf("%q: database not in the data directory: %v", name, err)
		}
		s, err = sqlite.Open(context.Background(), dir, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAccount(context.Background(), "111122223333"); err != nil {
			t.Fatalf("%q after reopen: %v", name, err)
		}
		s.Close()
	}
}
