// Package sqlite is trustbridge's embedded store: SQLite through the pure-Go
// driver modernc.org/sqlite, so CGO_ENABLED=0 builds work, in a data
// directory or in memory.
//
// A data directory holds one database file, trustbridge.db, in WAL mode with
// synchronous=FULL: a write is in the WAL and fsynced before the method
// returns, so neither a kill -9 of trustbridge nor a power loss loses an
// acknowledged write. Writes go through a single connection (SQLite has one
// writer at a time; BEGIN IMMEDIATE makes it take the lock up front, which
// also serializes with other processes that open the same file); reads use
// a pool of read-only connections that run alongside the writer.
//
// Decisions and last-used bookkeeping are written with synchronous=NORMAL:
// they survive trustbridge being killed (the OS holds the WAL) but not a
// power loss, which saves an fsync on every request.
//
// ":memory:" keeps everything in one connection's private in-memory
// database for throwaway runs; it disappears on Close.
//
// The package must never log and never store anything outside the data
// directory.
package sqlite
