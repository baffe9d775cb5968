// Package storeopen opens the store.Store that a data-store setting names:
// a postgres:// DSN selects PostgreSQL (internal/store/postgres), ":memory:"
// a throwaway in-memory SQLite database, and anything else a SQLite data
// directory (internal/store/sqlite).
//
// It exists so that the store package itself does not import its
// implementations. It must never log a DSN unredacted; use Redact.
package storeopen
