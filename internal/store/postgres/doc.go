// Package postgres is trustbridge's store for several replicas behind a
// load balancer: PostgreSQL through pgx/v5 and pgxpool, selected with a
// postgres:// DSN.
//
// Replicas share nothing but the database: uniqueness is enforced by
// primary keys and unique indexes, every revision-bumping write transaction
// first increments the one store_revision row (which serializes writers
// across replicas and gives caches a cheap change counter), and migrations
// run under a transaction-scoped advisory lock so replicas may start at
// once. Acknowledged writes are committed with the server's
// synchronous_commit setting (on by default); decisions and last-used
// bookkeeping commit with synchronous_commit=off, which survives the
// trustbridge process dying but may lose the last fraction of a second of
// them if the database server itself crashes.
//
// The schema lives in the connection's search_path (normally "public"); set
// search_path in the DSN to keep trustbridge in its own schema.
//
// The package must never log and never hold state that replicas could
// disagree on.
package postgres
