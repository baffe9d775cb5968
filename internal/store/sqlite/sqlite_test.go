package sqlite_test

import (
	"context"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
	"github.com/trustbridge/trustbridge/internal/store/storetest"
)

func openDir(t *testing.T, dir string) (store.Store, error) {
	s, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s, nil
}

func TestConformanceFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := openDir(t, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := openDir(t, sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPersistent(t *testing.T) {
	storetest.RunPersistent(t, func(t *testing.T) storetest.Opener {
		dir := t.TempDir()
		return func(t *testing.T) (store.Store, error) { return openDir(t, dir) }
	})
}

func TestCrash(t *testing.T) {
	storetest.RunCrash(t, func(t *testing.T) string { return t.TempDir() }, func(dir string) (store.Store, error) {
		return sqlite.Open(context.Background(), dir, sqlite.Options{})
	})
}
