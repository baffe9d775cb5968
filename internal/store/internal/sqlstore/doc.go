// Package sqlstore implements store.Store once, in SQL that SQLite and
// PostgreSQL both accept, on top of a small Backend interface that each of
// internal/store/sqlite and internal/store/postgres provides (connections,
// transactions, placeholder syntax, constraint errors, migrations).
//
// Write discipline, which makes the store safe with several replicas:
//
//   - Every revision-bumping write runs in a Backend.WriteTx whose first
//     statement increments the single store_revision row. That row lock
//     serializes all such writes across replicas (PostgreSQL) the way the
//     single writer connection does for SQLite, so the read-check-write
//     sequences below never race and updaters never lose updates.
//   - Creates use INSERT ... ON CONFLICT DO NOTHING and report a zero row
//     count as ErrAlreadyExists, and references are checked before they are
//     written, so expected failures never raise SQL errors (which would
//     doom a PostgreSQL transaction that a Tx function wants to continue).
//     Database constraints (primary keys, unique indexes, foreign keys)
//     remain the final guard.
//
// The package must never log, and must never put document text or secret
// bytes into an error.
package sqlstore
