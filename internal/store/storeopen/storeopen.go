package storeopen

import (
	"context"
	"net/url"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/postgres"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
)

// Kind is the implementation a DSN selects.
type Kind string

// The kinds.
const (
	KindSQLite   Kind = "sqlite"
	KindMemory   Kind = "memory"
	KindPostgres Kind = "postgres"
)

// KindOf reports which implementation dsn selects: KindPostgres for
// postgres:// and postgresql:// URLs, KindMemory for ":memory:" and
// KindSQLite (a data directory path) otherwise.
func KindOf(dsn string) Kind {
	switch {
	case hasPrefixFold(dsn, "postgres://"), hasPrefixFold(dsn, "postgresql://"):
		return KindPostgres
	case dsn == sqlite.Memory:
		return KindMemory
	}
	return KindSQLite
}

// Open opens and migrates the store dsn names. The caller closes it.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	switch KindOf(dsn) {
	case KindPostgres:
		return postgres.Open(ctx, dsn)
	default:
		return sqlite.Open(ctx, dsn, sqlite.Options{})
	}
}

// Redact returns dsn with any password replaced by "xxxxx", for logs.
func Redact(dsn string) string {
	if KindOf(dsn) != KindPostgres {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable DSN)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
